/**
 * Where tasks execute. The runner sees only TaskPool; two implementations live here — in this process
 * (one worker) and in N worker processes of the project's job mechanism (src/engine/jobs). Results come
 * back to the caller's event loop, which is the only writer of the store.
 *
 * Processes, not worker threads: onnxruntime-node sessions are per process, a crash (or kill -9) of one
 * worker cannot take the writer down, and each worker's memory returns to the OS when it exits.
 */
import { JobError, JobPool, type JobPoolStats } from '../jobs/index.js';
import type { Task } from './cells.js';
import { trainUniversalFor, type UniversalDelta } from './universal.js';
import { executeTask, ModelCache, type RuntimeOptions, type TaskResult } from './execute.js';
import { UserError } from '../errors.js';

export interface TaskPool {
  /** Runs every task once; onResult is called per finished task, in completion order. */
  run(tasks: readonly Task[], onResult: (task: Task, result: TaskResult) => void, signal?: AbortSignal): Promise<void>;
  /** Trains the universal δ of a uap task (before its tasks run; universal.ts). */
  universal(task: Task): Promise<UniversalDelta>;
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

  universal(task: Task): Promise<UniversalDelta> {
    return trainUniversalFor(task, this.models);
  }

  close(): Promise<void> {
    return this.models.dispose();
  }
}

/**
 * Bounds of one local audit worker. Memory: 4 GiB resident (a film-unet worker with its gradient graph
 * peaked at 445 MB on examples/quick.json); the JobPool kills a worker that passes it and replaces, after
 * its task, one above half of it — that worker's next task then reloads the model. Time: one task (a
 * batch under one attack setting) may take an hour.
 */
export const AUDIT_WORKER_LIMITS = { memoryMb: 4096, timeoutMs: 60 * 60_000 } as const;

/**
 * N worker processes of the shared job mechanism (src/engine/jobs: task `audit:task`), so audits get its
 * memory and time bounds and its Electron-aware fork (the app bundle's job-worker entry, run as Node).
 * At most N tasks are in flight; each worker keeps its model loaded between tasks (audit-task.ts).
 * Cancelling (the signal) sends no new task and lets the cells in flight finish, as the CLI and the
 * audit:cancel call promise; a failing task cancels the others and rejects with a TaskError naming it.
 */
export class JobTaskPool implements TaskPool {
  private readonly pool: JobPool;
  constructor(
    private readonly jobs: number,
    private readonly rt: RuntimeOptions,
    limits: { memoryMb: number; timeoutMs: number } = AUDIT_WORKER_LIMITS,
  ) {
    this.pool = new JobPool({ maxWorkers: jobs, memoryMb: limits.memoryMb, timeoutMs: limits.timeoutMs, maxQueue: jobs });
  }

  run(tasks: readonly Task[], onResult: (task: Task, result: TaskResult) => void, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolveAll, reject) => {
      const stopOthers = new AbortController();
      let next = 0;
      let inFlight = 0;
      let failure: Error | undefined;
      const settle = () => {
        if (inFlight > 0) return;
        if (failure) reject(failure);
        else resolveAll();
      };
      const fail = (e: Error) => {
        failure ??= e;
        stopOthers.abort();
      };
      const give = () => {
        while (!failure && !signal?.aborted && inFlight < this.jobs && next < tasks.length) {
          const t = tasks[next++];
          inFlight++;
          this.pool
            .run('audit:task', { task: t, rt: this.rt }, { signal: stopOthers.signal, label: 'its job' })
            .then(
              (r) => {
                if (failure) return;
                try {
                  onResult(t, r);
                } catch (e) {
                  fail(e as Error);
                }
              },
              (e: unknown) => {
                // a task stopped because another failed is not the cause to report
                if (!(e instanceof JobError && e.reason === 'cancelled')) fail(new TaskError(`${describeTask(t)} failed: ${(e as Error).message}`, { cause: e }));
              },
            )
            .finally(() => {
              inFlight--;
              give();
              settle();
            });
        }
      };
      give();
      settle();
    });
  }

  async universal(task: Task): Promise<UniversalDelta> {
    try {
      return await this.pool.run('audit:universal', { task, rt: this.rt }, { label: 'its job' });
    } catch (e) {
      throw new TaskError(`Training the universal perturbation of ${describeTask(task)} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  stats(): JobPoolStats {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
