/**
 * Where tasks execute. The runner sees only TaskPool; two implementations live here — in this process
 * (one worker) and in N child processes of this Node (or Electron, which forks itself as Node) — so the
 * project's shared job mechanism (src/engine/jobs, when it lands) can replace them behind the same
 * interface. Results come back to the caller's event loop, which is the only writer of the store.
 *
 * Child processes, not worker threads: onnxruntime-node sessions are per process, a crash (or kill -9) of
 * one worker cannot take the writer down, and each child's memory returns to the OS when it exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Task } from './cells.js';
import { executeTask, ModelCache, type RuntimeOptions, type TaskResult } from './execute.js';
import { UserError } from '../errors.js';

export interface TaskPool {
  /** Runs every task once; onResult is called per finished task, in completion order. */
  run(tasks: readonly Task[], onResult: (task: Task, result: TaskResult) => void, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** A task failed (its own error, or its worker died); the message names the task's first image and attack. */
export class TaskError extends UserError {
  override name = 'TaskError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime', message, options);
  }
}

export const describeTask = (t: Task): string => `${t.setting.label} ${t.setting.epsText} seed ${t.setting.seed} on ${t.dataset}/${t.images[0]?.id}${t.images.length > 1 ? ` (+${t.images.length - 1})` : ''}`;

export class InProcessPool implements TaskPool {
  private readonly models: ModelCache;
  constructor(private readonly rt: RuntimeOptions) {
    this.models = new ModelCache(rt);
  }

  async run(tasks: readonly Task[], onResult: (task: Task, result: TaskResult) => void, signal?: AbortSignal): Promise<void> {
    for (const t of tasks) {
      if (signal?.aborted) return;
      let r: TaskResult;
      try {
        r = await executeTask(t, this.models, this.rt, `local-${process.pid}`);
      } catch (e) {
        throw new TaskError(`${describeTask(t)} failed: ${(e as Error).message}`);
      }
      onResult(t, r);
    }
  }

  close(): Promise<void> {
    return this.models.dispose();
  }
}

export type ToChild = { type: 'task'; task: Task; rt: RuntimeOptions };
export type FromChild = { type: 'result'; result: TaskResult } | { type: 'error'; message: string };

/** The compiled child entry beside this file (dist/engine/audit/worker-process.js). */
const CHILD_ENTRY = fileURLToPath(new URL('./worker-process.js', import.meta.url));

export class ChildProcessPool implements TaskPool {
  private children: ChildProcess[] = [];
  constructor(
    private readonly jobs: number,
    private readonly rt: RuntimeOptions,
  ) {}

  run(tasks: readonly Task[], onResult: (task: Task, result: TaskResult) => void, signal?: AbortSignal): Promise<void> {
    if (!existsSync(CHILD_ENTRY)) return Promise.reject(new TaskError(`Parallel workers need the compiled engine (${CHILD_ENTRY} is missing; run npm run build:cli).`));
    return new Promise<void>((resolveAll, reject) => {
      let next = 0;
      let running = 0;
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        for (const c of this.children) c.kill('SIGKILL');
        this.children = [];
        if (err) reject(err);
        else resolveAll();
      };
      signal?.addEventListener('abort', () => finish(), { once: true });
      const start = () => {
        // 'advanced' serialisation keeps NaN, −0 and typed arrays intact on the way back
        const child = fork(CHILD_ENTRY, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
        this.children.push(child);
        let current: Task | undefined;
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
        const give = () => {
          if (settled) return;
          if (next >= tasks.length || signal?.aborted) {
            current = undefined;
            child.disconnect();
            return;
          }
          current = tasks[next++];
          running++;
          child.send({ type: 'task', task: current, rt: this.rt } satisfies ToChild);
        };
        child.on('message', (m: FromChild) => {
          if (settled || !current) return;
          const t = current;
          running--;
          if (m.type === 'error') return finish(new TaskError(`${describeTask(t)} failed: ${m.message}`));
          try {
            onResult(t, m.result);
          } catch (e) {
            return finish(e as Error);
          }
          give();
        });
        child.on('exit', (code, sig) => {
          if (settled) return;
          if (current) {
            const last = stderr.trim().split('\n').at(-1);
            return finish(new TaskError(`${describeTask(current)} failed: its worker exited with ${sig ?? `code ${code}`}${last ? ` (${last})` : ''}.`));
          }
          if (this.children.every((c) => c.exitCode !== null || c.signalCode !== null) && running === 0) finish();
        });
        give();
      };
      if (tasks.length === 0) return finish();
      for (let i = 0; i < Math.min(this.jobs, tasks.length); i++) start();
    });
  }

  async close(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
    this.children = [];
  }
}
