/**
 * The task table: every job a worker process can run, by name. Each entry lazily imports the module
 * that implements it, so a worker loads only what its task needs (a decode never loads ONNX Runtime).
 * A task is `(args, ctx) => Promise<result>`; args and result cross the process boundary by structured
 * clone (plain data and typed arrays; no functions or class instances).
 *
 * To add a task: write it in its own module and add one line here; the pool's `run()` is then typed by
 * the task's own signature.
 */
import type { JobProgress } from './protocol.js';

export interface TaskContext {
  /** Fires when the job is cancelled; long tasks check it between steps and clean up what they started. */
  readonly signal: AbortSignal;
  progress(stage: string, message: string, fraction?: number | null): void;
  /**
   * Tightens the job's time bound to `ms` from now, once the task knows how much work it has (a decode
   * after reading the frame size). It can only shorten the bound the caller set, never extend it.
   */
  limitTime(ms: number): void;
}

export type TaskFunction = (args: never, ctx: TaskContext) => Promise<unknown>;

export const taskTable = {
  /** Decode a study file for display (study:open): size, format, frames and an 8-bit PNG. */
  'study:open': () => import('./imaging-tasks.js').then((m) => m.openStudyTask),
  /** Decode an image file to a RasterImage (what segmentation and attacks consume). */
  'image:load': () => import('./imaging-tasks.js').then((m) => m.loadImageTask),
  /** Decode a mask file for display (mask:open): size, area and a PNG. */
  'mask:open': () => import('./imaging-tasks.js').then((m) => m.openMaskTask),
  /** Decode a mask file to a BinaryMask. */
  'mask:load': () => import('./imaging-tasks.js').then((m) => m.loadMaskTask),
  /** Workstation (issue 10): viewer pixels, folder scan, DICOM SEG/RTSTRUCT ground truth, one attack. */
  'image:pixels': () => import('../api/workstation-tasks.js').then((m) => m.pixelsTask),
  /** The stored-domain unit conversions of one image (su, HU, k/255w) for the attack panel. */
  'image:units': () => import('../api/workstation-tasks.js').then((m) => m.unitsTask),
  'study:scan': () => import('../api/workstation-tasks.js').then((m) => m.scanTask),
  'groundtruth:open': () => import('../api/workstation-tasks.js').then((m) => m.groundTruthTask),
  'attack:run': () => import('../api/attack-compute.js').then((m) => m.attackTask),
  /** One task of an audit (its cells under one attack setting); the worker keeps its model loaded. */
  'audit:task': () => import('../audit/audit-task.js').then((m) => m.auditTask),
  /** Trains the universal perturbation of an audit's uap setting, once, before its tasks run. */
  'audit:universal': () => import('../audit/audit-task.js').then((m) => m.universalTask),
  /** The PDF report of an audit from its results store (report:export), off the caller's event loop. */
  'report:export': () => import('../api/report-export.js').then((m) => m.reportTask),
  /** The pool's own checks (tests, diagnostics): sleep, allocate, crash, report progress. */
  'selftest:run': () => import('./selftest-task.js').then((m) => m.selftestTask),
  /** The fuzz harness's decoder side (scripts/fuzz/): one mutated file, or the codec canaries. */
  'selftest:fuzz': () => import('./fuzz-task.js').then((m) => m.fuzzTask),
} satisfies Record<string, () => Promise<TaskFunction>>;

export type TaskName = keyof typeof taskTable;
type TaskFn<K extends TaskName> = Awaited<ReturnType<(typeof taskTable)[K]>>;
export type TaskArgs<K extends TaskName> = Parameters<TaskFn<K>>[0];
export type TaskResult<K extends TaskName> = Awaited<ReturnType<TaskFn<K>>>;
export type { JobProgress };

export function isTaskName(name: string): name is TaskName {
  return Object.prototype.hasOwnProperty.call(taskTable, name);
}
