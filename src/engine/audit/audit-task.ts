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
import { trainUniversalFor, type UniversalDelta } from './universal.js';

export interface AuditTaskArgs {
  task: Task;
  rt: RuntimeOptions;
}

/** This worker's loaded model, for the runtime options it was built with. */
let warm: { rtKey: string; models: ModelCache } | undefined;

async function models(rt: RuntimeOptions): Promise<ModelCache> {
  const rtKey = JSON.stringify([rt.provider, rt.threads ?? null, rt.graphCacheDir ?? null]);
  if (warm?.rtKey !== rtKey) {
    await warm?.models.dispose();
    warm = { rtKey, models: new ModelCache(rt) };
  }
  return warm.models;
}

export async function auditTask(args: AuditTaskArgs, _ctx: TaskContext): Promise<TaskResult> {
  // An audit task is not interrupted half-way: a cancelled audit lets the cells in flight finish, and
  // the pool kills a worker whose job was cancelled anyway.
  return executeTask(args.task, await models(args.rt), args.rt, `local-${process.pid}`);
}

/** `audit:universal`: trains the universal δ of a uap task (universal.ts) on this worker's model. */
export async function universalTask(args: AuditTaskArgs, _ctx: TaskContext): Promise<UniversalDelta> {
  return trainUniversalFor(args.task, await models(args.rt));
}
