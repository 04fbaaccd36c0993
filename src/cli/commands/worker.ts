/**
 * `vlsm-audit worker --queue URL`: processes audit tasks from a Redis queue (BullMQ) until SIGINT/SIGTERM.
 * Any number of workers, on any machine that sees the same model and data paths as the coordinator
 * (`vlsm-audit audit PLAN --queue URL`), which stores their results. One line per finished task on stderr.
 */
import type { Command } from 'commander';
import { runQueueWorker } from '../../engine/audit/queue.js';
import { describeTask } from '../../engine/audit/pool.js';
import { action, parsePositiveInt, UsageError } from '../errors.js';
import { addRuntimeFlags } from '../options.js';

interface WorkerCliOptions {
  queue: string;
  provider: 'auto' | 'cpu' | 'cuda';
  threads?: number;
  graphCache?: string;
  lockMs: number;
}

export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description('process audit tasks from a Redis queue (see `vlsm-audit audit --queue`)')
    .requiredOption('--queue <url>', 'Redis URL, e.g. redis://127.0.0.1:6379');
  addRuntimeFlags(cmd)
    .option('--graph-cache <dir>', 'folder for built gradient graphs', '.cache/gradient-graphs')
    .option('--lock-ms <n>', 'task lock: a killed worker’s task returns to the queue this long after its last renewal', parsePositiveInt('lock-ms'), 30_000)
    .action(action(runWorkerCommand));
}

async function runWorkerCommand(o: WorkerCliOptions): Promise<void> {
  if (!['auto', 'cpu', 'cuda'].includes(o.provider)) throw new UsageError(`--provider must be auto, cpu or cuda, got "${o.provider}".`);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await runQueueWorker({
    url: o.queue,
    provider: o.provider,
    threads: o.threads,
    graphCacheDir: o.graphCache,
    lockMs: o.lockMs,
    signal: controller.signal,
    onReady: () => process.stderr.write(`worker ${process.pid} waiting for tasks on ${o.queue}\n`),
    onTask: (e) => process.stderr.write(`${e.error ? 'failed' : 'done'}: ${describeTask(e.task)}${e.error ? ` (${e.error})` : ` ${Math.round(e.result?.ms ?? 0)} ms`}\n`),
  });
}
