/**
 * The job task `audit:task` (src/engine/jobs/tasks.ts): runs one audit task (cells.ts) inside a job worker
 * process. The worker keeps its ModelCache in this module for as long as it lives, so a worker the JobPool
 * keeps between jobs runs the next task on the model sessions (and gradient graph) it already built —
 * loading them per task would cost more than most tasks. It never touches the store: the result goes
 * back to the caller, the one writer.
 */
import type { TaskContext } from '../jobs/tasks.js';
import type { Task } from './cells.js';
import { executeTask, ModelCache, type RuntimeOptions, type TaskResult } from './execute.js';

export interface AuditTaskArgs {
  task: Task;
  rt: RuntimeOptions;
}

/** This worker's loaded model, for the runtime options it was built with. */
let warm: { rtKey: string; models: ModelCache } | undefined;

export async function auditTask(args: AuditTaskArgs, _ctx: TaskContext): Promise<TaskResult> {
  const rtKey = JSON.stringify([args.rt.provider, args.rt.threads ?? null, args.rt.graphCacheDir ?? null]);
  if (warm?.rtKey !== rtKey) {
    await warm?.models.dispose();
    warm = { rtKey, models: new ModelCache(args.rt) };
  }
  // An audit task is not interrupted half-way: a cancelled audit lets the cells in flight finish, and
  // the pool kills a worker whose job was cancelled anyway.
  return executeTask(args.task, warm.models, args.rt, `local-${process.pid}`);
}
