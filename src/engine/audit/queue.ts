/**
 * Scale-out on BullMQ (Redis): `audit PLAN --queue URL` enqueues the plan's unfinished tasks and collects
 * their results into the store (the coordinator is the one writer); `worker --queue URL` processes (any
 * number of them, on any machine that sees the same model and data paths). Same tasks, keys and executeTask
 * as a local run, so the same seeds give the same store.
 *
 * Exactly-once on the store side: a task's job id is its audit and task key, so enqueueing twice (a resumed
 * coordinator) adds nothing; a worker killed mid-task leaves its job locked until the lock expires, then
 * BullMQ's stalled check hands it to another worker; a result that arrives twice is ignored by the store's
 * primary key. The coordinator polls completed jobs (rather than listening to events) so that results
 * finished while it was down are still collected when it resumes.
 */
import { hostname } from 'node:os';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { expandPlan, type Task } from './cells.js';
import { executeTask, ModelCache, type RuntimeOptions, type TaskResult } from './execute.js';
import type { AuditPlan } from './plan.js';
import { describeTask, InProcessPool } from './pool.js';
import { storeTaskResult } from './record.js';
import { failSession, finishSession, openAudit, pendingTasks, progressTracker, type AuditProgress, type AuditSummary } from './runner.js';
import { AuditStore, decodeNumbers, encodeNumbers } from './store.js';
import { attachUniversals } from './universal.js';
import { UserError } from '../errors.js';

export const QUEUE_NAME = 'vlsm-audit';

export class QueueError extends UserError {
  override name = 'QueueError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime', message, options);
  }
}

interface Connection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  maxRetriesPerRequest: null;
}

export function parseRedisUrl(url: string): Connection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`--queue must be a redis:// URL such as redis://127.0.0.1:6379, got "${url}".`);
  }
  if (u.protocol !== 'redis:') throw new QueueError(`--queue must be a redis:// URL such as redis://127.0.0.1:6379, got "${url}".`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueError(`Redis database in ${url} must be a non-negative integer.`);
  return { host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379, db, ...(u.username ? { username: decodeURIComponent(u.username) } : {}), ...(u.password ? { password: decodeURIComponent(u.password) } : {}), maxRetriesPerRequest: null };
}

/** Fails in one sentence when Redis does not answer, instead of retrying forever. */
async function checkReachable(url: string, c: Connection, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...c, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let first: Error | undefined;
  client.on('error', (e: Error) => (first ??= e)); // the socket's own error (ECONNREFUSED …) says more
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new QueueError(`Cannot reach Redis at ${url} (${(first ?? (e as Error)).message}).`);
  } finally {
    client.disconnect();
  }
}

const jobId = (t: Task) => `${t.auditId.slice(0, 16)}-${t.key}`;

/** Job return values are JSON: numbers via encodeNumbers (NaN, −0 kept), byte arrays as base64. */
export function encodeResult(r: TaskResult): string {
  const b64 = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  return encodeNumbers({
    ...r,
    cells: r.cells.map((c) => {
      const e = c.example;
      // stored-domain cells bring their own perturbation panel (grey Δ in stored units)
      const pert = e.perturbation ? { perturbation: b64(e.perturbation.data), amplification: e.perturbation.amplification } : {};
      return { ...c, example: { ...e, clean: b64(e.clean), adversarial: b64(e.adversarial), reference: b64(e.reference), cleanMask: b64(e.cleanMask), advMask: b64(e.advMask), ...pert } };
    }),
  });
}

export function decodeResult(text: string): TaskResult {
  type Wire = Omit<TaskResult, 'cells'> & { cells: Array<Omit<TaskResult['cells'][number], 'example'> & { example: Record<string, string | number> }> };
  const w = decodeNumbers<Wire>(text);
  const bytes = (s: string | number) => new Uint8Array(Buffer.from(String(s), 'base64'));
  return {
    ...w,
    cells: w.cells.map((c) => ({
      ...c,
      example: {
        width: Number(c.example.width), height: Number(c.example.height), channels: Number(c.example.channels), clean: bytes(c.example.clean), adversarial: bytes(c.example.adversarial),
        reference: bytes(c.example.reference), cleanMask: bytes(c.example.cleanMask), advMask: bytes(c.example.advMask),
        ...(c.example.perturbation !== undefined ? { perturbation: { data: bytes(c.example.perturbation), amplification: Number(c.example.amplification) } } : {}),
      },
    })),
  };
}

export interface QueueAuditOptions {
  db: string;
  url: string;
  resume: boolean;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
  argv?: string;
  /** How often the coordinator looks for finished jobs. */
  pollMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((r) => {
  const t = setTimeout(r, ms);
  signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
});

/** Enqueues the plan's unfinished tasks and stores results until every cell is in (or cancelled). */
export async function runQueuedAudit(plan: AuditPlan, o: QueueAuditOptions): Promise<AuditSummary> {
  const connection = parseRedisUrl(o.url);
  await checkReachable(o.url, connection);
  const x = await expandPlan(plan);
  const store = AuditStore.open(o.db);
  const queue = new Queue(QUEUE_NAME, { connection });
  let sessionId: string | undefined;
  try {
    const opened = openAudit(store, x, { resume: o.resume, mode: 'queue', jobs: null, provider: null, threads: null, argv: o.argv });
    sessionId = opened.sessionId;
    const resumed = opened.done.size;
    const progress = progressTracker(x, resumed, o.onProgress);
    progress.report();
    // uap: the coordinator trains each missing universal δ once, here, and sends it with the tasks
    const trainer = new InProcessPool({ provider: 'auto' });
    let todo: Task[];
    try {
      todo = await attachUniversals(store, pendingTasks(x.tasks, opened.done), (t) => trainer.universal(t), { signal: o.signal });
    } finally {
      await trainer.close();
    }
    const byJob = new Map(todo.map((t) => [jobId(t), t]));
    for (let i = 0; i < todo.length; i += 500) {
      await queue.addBulk(todo.slice(i, i + 500).map((t) => ({ name: 'task', data: { task: t }, opts: { jobId: jobId(t), attempts: 3, removeOnComplete: false, removeOnFail: false } })));
    }
    while (store.countCells(x.auditId) < x.cellsTotal && !o.signal?.aborted) {
      let collected = 0;
      // page through every completed job: other audits' jobs may sit in the same queue before ours
      for (let start = 0; ; start += 200) {
        const page = (await queue.getCompleted(start, start + 199)) as Job[];
        if (page.length === 0) break;
        for (const job of page) {
          const task = job.id ? byJob.get(job.id) : undefined;
          if (!task) continue; // another audit's job, or one stored before this session
          progress.add(storeTaskResult(store, task, decodeResult(String(job.returnvalue)), sessionId, plan.store.worstExamples));
          await job.remove();
          collected++;
        }
      }
      for (const job of (await queue.getFailed(0, 199)) as Job[]) {
        const task = job.id ? byJob.get(job.id) : undefined;
        if (task) throw new QueueError(`${describeTask(task)} failed on a worker after ${job.attemptsMade} attempts: ${job.failedReason}`);
      }
      if (collected === 0) await sleep(o.pollMs ?? 300, o.signal);
    }
    return finishSession(store, x, sessionId, { name: plan.name, done: progress.done, resumed, seconds: progress.seconds, db: o.db });
  } catch (e) {
    failSession(store, x.auditId, sessionId, e);
    throw e;
  } finally {
    await queue.close();
    store.close();
  }
}

export interface QueueWorkerOptions extends RuntimeOptions {
  url: string;
  signal?: AbortSignal;
  /** Job lock in ms: a killed worker's task goes back to the queue this long after its last renewal. */
  lockMs?: number;
  onTask?: (event: { task: Task; result?: TaskResult; error?: string }) => void;
  /** Called once Redis has answered and the worker is listening. */
  onReady?: () => void;
}

/** Processes tasks from the queue, one at a time, until the signal aborts. */
export async function runQueueWorker(o: QueueWorkerOptions): Promise<void> {
  const connection = parseRedisUrl(o.url);
  await checkReachable(o.url, connection);
  const rt: RuntimeOptions = { provider: o.provider, threads: o.threads, graphCacheDir: o.graphCacheDir };
  const models = new ModelCache(rt);
  const name = `queue-${hostname()}-${process.pid}`;
  const lockDuration = o.lockMs ?? 30_000;
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job<{ task: Task }>) => {
      const task = job.data.task;
      try {
        const result = await executeTask(task, models, rt, name);
        o.onTask?.({ task, result });
        return encodeResult(result);
      } catch (e) {
        o.onTask?.({ task, error: (e as Error).message });
        throw e;
      }
    },
    { connection, concurrency: 1, lockDuration, stalledInterval: Math.max(1000, Math.round(lockDuration / 2)), maxStalledCount: 5 },
  );
  worker.on('error', () => undefined); // connection hiccups: ioredis reconnects
  o.onReady?.();
  await new Promise<void>((resolveRun) => {
    if (o.signal?.aborted) return resolveRun();
    o.signal?.addEventListener('abort', () => resolveRun(), { once: true });
  });
  await worker.close();
  await models.dispose();
}
