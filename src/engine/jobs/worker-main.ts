/**
 * Entry point of a job worker process (forked by pool.ts; never imported by other code). Runs one task at
 * a time from the task table and answers with progress, the result or a serialized error. It exits when
 * its parent goes away (IPC disconnect), so an app or CLI that dies leaves no worker behind.
 */
import { serializeError } from './errors.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { isTaskName, taskTable, type TaskFunction } from './tasks.js';

const running = new Map<number, AbortController>();

function send(msg: FromWorker): void {
  process.send?.(msg);
}

async function run(id: number, task: string, args: unknown): Promise<void> {
  const abort = new AbortController();
  running.set(id, abort);
  try {
    if (!isTaskName(task)) throw new Error(`unknown job task "${task}"`);
    const fn = (await taskTable[task]()) as unknown as (a: unknown, c: Parameters<TaskFunction>[1]) => Promise<unknown>;
    const value = await fn(args, {
      signal: abort.signal,
      progress: (stage, message, fraction = null) => send({ type: 'progress', id, progress: { stage, message, fraction } }),
      limitTime: (ms) => send({ type: 'deadline', id, ms }),
    });
    send({ type: 'done', id, value });
  } catch (e) {
    send({ type: 'failed', id, error: serializeError(e) });
  } finally {
    running.delete(id);
    // where /proc is missing the parent cannot measure us; report resident memory after each task
    send({ type: 'memory', rssMb: process.memoryUsage.rss() / 2 ** 20 });
  }
}

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'run') void run(msg.id, msg.task, msg.args);
  else if (msg.type === 'cancel') running.get(msg.id)?.abort();
});
process.on('disconnect', () => process.exit(0));
