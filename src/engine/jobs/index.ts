/**
 * Jobs: long or risky work (decoding untrusted files, attacks, audits) run off the caller's event loop,
 * in a separate worker process, with bounds. Why processes and not threads: see pool.ts.
 *
 *   const pool = new JobPool({ maxWorkers: 2, memoryMb: 2048, timeoutMs: 60_000 });
 *   const abort = new AbortController();
 *   const study = await pool.run('study:open', { path: '/data/ct.dcm' }, {
 *     signal: abort.signal,                                   // abort.abort() cancels
 *     onProgress: (p) => console.log(p.stage, p.message, p.fraction),
 *     label: 'decoding /data/ct.dcm',                         // names the job in JobError messages
 *   });
 *   await pool.close();
 *
 * - Tasks are named in tasks.ts (one line each, lazily imported in the worker); `run` is typed by them.
 * - Time bound: `timeoutMs` (pool default, per-job override); memory bound: `memoryMb` of resident memory
 *   per worker, polled every 50 ms from outside the worker, plus V8's heap limit. Passing either kills the
 *   worker and rejects with JobError `timeout` / `memory`; a dying worker gives `crashed`.
 * - Cancel: the AbortSignal aborts the task's own `ctx.signal`; a task that has not stopped within
 *   `cancelGraceMs` is killed. The job rejects with JobError `cancelled` only after its worker is gone,
 *   and that worker is never reused, so a cancelled job leaves no half state in memory. Tasks that write
 *   files write them whole (temporary name, then rename) so a kill cannot leave half a file.
 * - A worker whose task failed or crashed is discarded (codec state cannot leak into the next job); a
 *   worker that succeeded is kept `idleMs` for the next job and does not keep a CLI process alive.
 * - Task errors come back as their own class where it is known (errors.ts), e.g. ImageDecodeError.
 *
 * For decoding, decode-jobs.ts keeps one shared pool and turns its limits into ImageDecodeErrors.
 */
export { JobError, type JobErrorCode } from './errors.js';
export { JobPool, type JobPoolOptions, type JobPoolStats, type RunOptions } from './pool.js';
export type { JobProgress } from './protocol.js';
export { isTaskName, type TaskArgs, type TaskContext, type TaskName, type TaskResult } from './tasks.js';
export type { OpenedMask, OpenedStudy } from './imaging-tasks.js';
export { closeDecodePool, decodeLimits, decodePool, loadImageJob, loadMaskJob, openMaskJob, openStudyJob } from './decode-jobs.js';
