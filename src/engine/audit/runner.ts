/**
 * Runs an audit locally: expand the plan, skip the cells the store already holds (resume), run the rest
 * in a TaskPool (this process, or N child processes) and write each finished cell in its own transaction.
 * Killed at any moment — even with SIGKILL — the store holds exactly the cells that finished; running the
 * same plan with `resume` then runs only the others, and because every cell is deterministic in its key
 * the final store equals an uninterrupted run's (the acceptance test in tests/cli/audit.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { expandPlan, type Expansion, type Task } from './cells.js';
import type { RuntimeOptions } from './execute.js';
import type { AuditPlan } from './plan.js';
import { InProcessPool, JobTaskPool, type TaskPool } from './pool.js';
import { appInfo, engineVersion, hostInfo } from './provenance.js';
import { storeTaskResult } from './record.js';
import { AuditStore } from './store.js';
import { attachUniversals } from './universal.js';
import { UserError } from '../errors.js';

export class AuditError extends UserError {
  override name = 'AuditError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime', message, options);
  }
}

export interface AuditProgress {
  auditId: string;
  name: string;
  total: number;
  /** Cells in the store (finished in this run or before it). */
  done: number;
  /** Cells found already finished when this run started. */
  resumed: number;
  /** Finished cells per minute in this run (NaN before the first). */
  cellsPerMinute: number;
  /** Seconds left at that rate (NaN when unknown). */
  etaSeconds: number;
  elapsedSeconds: number;
}

export interface RunAuditOptions extends RuntimeOptions {
  db: string;
  /** Local workers: 1 runs in this process, N > 1 in N child processes (threads default 1 each). */
  jobs: number;
  resume: boolean;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
  /** Recorded with the session (the command line, or the API call). */
  argv?: string;
  /** Replaces the local pool (the shared job mechanism, or a test's). */
  pool?: TaskPool;
}

export interface AuditSummary {
  auditId: string;
  name: string;
  total: number;
  ran: number;
  resumed: number;
  status: 'done' | 'cancelled';
  seconds: number;
  db: string;
}

/** Registers the audit, its models and datasets and a session; refuses to mix into a run without resume. */
export function openAudit(store: AuditStore, x: Expansion, o: { resume: boolean; mode: 'local' | 'queue'; jobs: number | null; provider: string | null; threads: number | null; argv?: string }): { sessionId: string; done: Set<string> } {
  const existing = store.audits().find((a) => a.auditId === x.auditId);
  if (existing && existing.cellsDone > 0 && !o.resume) {
    throw new AuditError(`${store.file} already holds ${existing.cellsDone} of ${existing.cellsTotal} cells of audit "${existing.name}"; pass --resume to continue it, or choose another --db.`);
  }
  store.beginAudit(x.auditId, x.plan.name, x.plan, x.cellsTotal);
  for (const m of x.models) store.putModel(m.record);
  for (const d of x.datasets) store.putDataset(d.record);
  const sessionId = randomUUID();
  const { appVersion, gitCommit } = appInfo();
  store.beginSession({ sessionId, auditId: x.auditId, mode: o.mode, jobs: o.jobs, provider: o.provider, threads: o.threads, appVersion, gitCommit, engineVersion: engineVersion(), ...hostInfo(), argv: o.argv ?? process.argv.slice(2).join(' ') });
  return { sessionId, done: store.doneKeys(x.auditId) };
}

export const pendingTasks = (tasks: readonly Task[], done: Set<string>): Task[] => tasks.filter((t) => t.cells.some((c) => !done.has(c.key)));

/** Progress bookkeeping shared by the local runner and the queue coordinator. */
export function progressTracker(x: Expansion, resumed: number, onProgress?: (p: AuditProgress) => void) {
  const t0 = performance.now();
  let done = resumed;
  const report = () => {
    const elapsed = (performance.now() - t0) / 1000;
    const ran = done - resumed;
    const perMin = ran > 0 ? (ran / elapsed) * 60 : NaN;
    onProgress?.({ auditId: x.auditId, name: x.plan.name, total: x.cellsTotal, done, resumed, cellsPerMinute: perMin, etaSeconds: ran > 0 ? ((x.cellsTotal - done) / perMin) * 60 : NaN, elapsedSeconds: elapsed });
  };
  return {
    add(n: number) {
      done += n;
      report();
    },
    report,
    get done() {
      return done;
    },
    get seconds() {
      return (performance.now() - t0) / 1000;
    },
  };
}

export async function runAudit(plan: AuditPlan, o: RunAuditOptions): Promise<AuditSummary> {
  const x = await expandPlan(plan);
  const store = AuditStore.open(o.db);
  const threads = o.threads ?? (o.jobs > 1 ? 1 : undefined);
  const rt: RuntimeOptions = { provider: o.provider, threads, graphCacheDir: o.graphCacheDir };
  let sessionId: string | undefined;
  const pool = o.pool ?? (o.jobs > 1 ? new JobTaskPool(o.jobs, rt) : new InProcessPool(rt));
  try {
    const opened = openAudit(store, x, { resume: o.resume, mode: 'local', jobs: o.jobs, provider: o.provider, threads: threads ?? null, argv: o.argv });
    sessionId = opened.sessionId;
    const resumed = opened.done.size;
    const progress = progressTracker(x, resumed, o.onProgress);
    progress.report();
    // uap settings: each universal δ is trained once (in a worker) and stored before any task uses it
    const todo = await attachUniversals(store, pendingTasks(x.tasks, opened.done), (t) => pool.universal(t), { signal: o.signal, concurrency: o.pool ? 1 : o.jobs });
    await pool.run(todo, (task, result) => progress.add(storeTaskResult(store, task, result, sessionId!, plan.store.worstExamples)), o.signal);
    return finishSession(store, x, sessionId, { name: plan.name, done: progress.done, resumed, seconds: progress.seconds, db: o.db });
  } catch (e) {
    failSession(store, x.auditId, sessionId, e);
    throw e;
  } finally {
    await pool.close();
    store.close();
  }
}

/** Ends a session whose tasks all returned: done when every cell is stored, else cancelled (local and queue runs). */
export function finishSession(
  store: AuditStore,
  x: { auditId: string; cellsTotal: number },
  sessionId: string,
  r: { name: string; done: number; resumed: number; seconds: number; db: string },
): AuditSummary {
  const status = store.countCells(x.auditId) === x.cellsTotal ? 'done' : 'cancelled';
  store.endSession(sessionId, status);
  store.setAuditStatus(x.auditId, status);
  return { auditId: x.auditId, name: r.name, total: x.cellsTotal, ran: r.done - r.resumed, resumed: r.resumed, status, seconds: r.seconds, db: r.db };
}

/** Marks the session and its audit failed with the error's sentence (when a session was opened). */
export function failSession(store: AuditStore, auditId: string, sessionId: string | undefined | null, e: unknown): void {
  if (!sessionId) return;
  store.endSession(sessionId, 'failed', (e as Error).message);
  store.setAuditStatus(auditId, 'failed');
}
