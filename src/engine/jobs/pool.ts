/**
 * JobPool: runs named tasks (tasks.ts) in separate worker processes with a time bound, a memory bound,
 * progress events and cancellation. See index.ts for the API and an example.
 *
 * Why child processes and not worker_threads: a thread's `resourceLimits` bound only the V8 heap, while
 * what decode bombs and codecs allocate is off-heap (WASM linear memory, typed-array backing stores), and
 * an allocation failure there, a native abort or a poisoned WASM instance takes the whole process down
 * with it. A process can be measured from outside (/proc) while it is stuck inside one synchronous WASM
 * call, killed at any instruction, and replaced; its memory returns to the system at once. The cost is a
 * start-up of ~0.1–0.3 s and a structured-clone copy of arguments and results, small next to a decode or
 * an attack; an idle worker is kept for `idleMs` to amortise the start-up.
 *
 * Rules: one job per worker at a time; a worker whose task failed, crashed, was cancelled or ended above
 * half its memory bound is discarded (so no codec state or leaked memory reaches the next job); a
 * cancelled job is reported only once its worker is gone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { JobError, reviveError } from './errors.js';
import type { FromWorker, JobProgress, ToWorker } from './protocol.js';
import { readProcessMemory } from './rss.js';
import type { TaskArgs, TaskName, TaskResult } from './tasks.js';

export interface JobPoolOptions {
  /** Worker processes running at once (default 2); further jobs wait in a queue. */
  maxWorkers?: number;
  /** Resident-memory bound of one worker in MB (default 2048); the worker is killed when it passes it. */
  memoryMb?: number;
  /** Default time bound of one job in ms (default 10 min). */
  timeoutMs?: number;
  /** How long an idle worker is kept for the next job (default 10 s). */
  idleMs?: number;
  /** Jobs allowed to wait (default 100); beyond that `run` fails with `queue-full`. */
  maxQueue?: number;
  /** After a cancel, how long a task may take to clean up before its worker is killed (default 1 s). */
  cancelGraceMs?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** Overrides the pool's time bound for this job. */
  timeoutMs?: number;
  /** Names the job in error messages (e.g. the file being decoded); default "job <task>". */
  label?: string;
}

export interface JobPoolStats {
  workersStarted: number;
  jobsDone: number;
  jobsFailed: number;
  /** Highest worker resident memory seen, MB (Linux; 0 elsewhere). */
  peakRssMb: number;
}

interface Job {
  id: number;
  task: TaskName;
  args: unknown;
  opts: RunOptions;
  label: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  cancelled: boolean;
}

interface Worker {
  child: ChildProcess;
  job?: Job;
  /** Set once the worker is being killed; the reason its job (if any) fails with. */
  ending?: JobError | 'discard';
  timers: NodeJS.Timeout[];
  /** The running job's time bound: when it ends (epoch ms) and its timer. */
  deadline?: { at: number; timer: NodeJS.Timeout };
  reportedRssMb: number;
}

const MEMORY_POLL_MS = 50;

/** The worker script: the compiled .js beside this file, the app bundle's chunk, or the .ts sources. */
function workerEntry(): { file: string; execArgv: string[] } {
  const override = process.env.VLSM_JOB_WORKER;
  if (override) return { file: override, execArgv: [] };
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) {
    // running from sources (vitest, scripts): strip types in the worker as well
    const register = resolve(dir, '../../../scripts/ts-register.mjs');
    return { file: join(dir, 'worker-main.ts'), execArgv: ['--import', pathToFileURL(register).href] };
  }
  // tsc output (dist/engine/jobs/), the app bundle (out/main/, or out/main/chunks/ when this code was split off)
  for (const file of [join(dir, 'worker-main.js'), join(dir, 'job-worker.js'), join(dir, '..', 'job-worker.js')]) {
    if (existsSync(file)) return { file, execArgv: [] };
  }
  throw new Error(`the job worker script is missing beside ${here} (expected worker-main.js or job-worker.js); rebuild the app`);
}

export class JobPool {
  private readonly maxWorkers: number;
  private readonly memoryMb: number;
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  private readonly maxQueue: number;
  private readonly cancelGraceMs: number;
  private readonly workers = new Set<Worker>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly counters: JobPoolStats = { workersStarted: 0, jobsDone: 0, jobsFailed: 0, peakRssMb: 0 };

  constructor(opts: JobPoolOptions = {}) {
    this.maxWorkers = Math.max(1, opts.maxWorkers ?? 2);
    this.memoryMb = opts.memoryMb ?? 2048;
    this.timeoutMs = opts.timeoutMs ?? 10 * 60_000;
    this.idleMs = opts.idleMs ?? 10_000;
    this.maxQueue = opts.maxQueue ?? 100;
    this.cancelGraceMs = opts.cancelGraceMs ?? 1000;
  }

  /** Runs `task` in a worker; resolves with its result or rejects with its error or a JobError. */
  run<K extends TaskName>(task: K, args: TaskArgs<K>, opts: RunOptions = {}): Promise<TaskResult<K>> {
    const label = opts.label ?? `job ${task}`;
    if (this.closed) return Promise.reject(new JobError('closed', `${label} was refused: the job pool is shut down`));
    if (opts.signal?.aborted) return Promise.reject(new JobError('cancelled', `${label} was cancelled`));
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(new JobError('queue-full', `${label} was refused: ${this.queue.length} jobs are already waiting; try again when they finish`));
    }
    return new Promise<TaskResult<K>>((resolvePromise, rejectPromise) => {
      const onAbort = (): void => this.cancel(job);
      const job: Job = {
        id: this.nextId++,
        task,
        args,
        opts,
        label,
        cancelled: false,
        resolve: (v) => {
          opts.signal?.removeEventListener('abort', onAbort);
          this.counters.jobsDone++;
          resolvePromise(v as TaskResult<K>);
        },
        reject: (e) => {
          opts.signal?.removeEventListener('abort', onAbort);
          this.counters.jobsFailed++;
          rejectPromise(e);
        },
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  stats(): JobPoolStats {
    return { ...this.counters };
  }

  /** Rejects waiting jobs, kills every worker; resolves when they have exited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new JobError('closed', `${job.label} was not run: the job pool is shut down`));
    const exits = [...this.workers].map((w) => new Promise<void>((r) => (w.child.exitCode !== null || w.child.signalCode !== null ? r() : w.child.once('exit', () => r()))));
    for (const w of this.workers) this.kill(w, w.job ? new JobError('closed', `${w.job.label} was stopped: the job pool is shut down`) : 'discard');
    await Promise.all(exits);
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let w = [...this.workers].find((x) => !x.job && !x.ending);
      if (!w) {
        if (this.workers.size >= this.maxWorkers) return;
        w = this.spawn();
      }
      this.assign(w, this.queue.shift() as Job);
    }
  }

  private spawn(): Worker {
    const entry = workerEntry();
    const child = fork(entry.file, [], {
      execArgv: [...entry.execArgv, `--max-old-space-size=${this.memoryMb}`],
      serialization: 'advanced',
      // the worker's stdout goes to our stderr: nothing a task prints may mix into a CLI's --json output
      stdio: ['ignore', 2, 'inherit', 'ipc'],
      env: process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env,
    });
    this.counters.workersStarted++;
    const w: Worker = { child, timers: [], reportedRssMb: 0 };
    this.workers.add(w);
    child.on('message', (m: FromWorker) => this.onMessage(w, m));
    child.on('error', () => this.kill(w, 'discard'));
    child.on('exit', (code, signal) => this.onExit(w, code, signal));
    return w;
  }

  private assign(w: Worker, job: Job): void {
    this.clearTimers(w);
    w.job = job;
    setRef(w.child, true);
    this.setDeadline(w, job, job.opts.timeoutMs ?? this.timeoutMs);
    const pid = w.child.pid;
    if (pid !== undefined) {
      w.timers.push(
        setInterval(() => {
          const mem = readProcessMemory(pid);
          if (!mem) return;
          this.counters.peakRssMb = Math.max(this.counters.peakRssMb, mem.rssMb);
          if (mem.rssMb > this.memoryMb) {
            this.kill(w, new JobError('memory', `${job.label} needed more than ${this.memoryMb} MB of memory and was stopped`, this.memoryMb));
          }
        }, MEMORY_POLL_MS),
      );
    }
    const msg: ToWorker = { type: 'run', id: job.id, task: job.task, args: job.args };
    w.child.send(msg);
  }

  /** Sets (or, when earlier than the current one, tightens) the running job's time bound. */
  private setDeadline(w: Worker, job: Job, ms: number): void {
    const at = Date.now() + ms;
    if (w.deadline && w.deadline.at <= at) return;
    if (w.deadline) clearTimeout(w.deadline.timer);
    const timer = setTimeout(() => this.kill(w, new JobError('timeout', `${job.label} did not finish within ${formatSeconds(ms)} and was stopped`, ms)), ms);
    w.deadline = { at, timer };
  }

  private cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(new JobError('cancelled', `${job.label} was cancelled`));
      return;
    }
    const w = [...this.workers].find((x) => x.job === job);
    if (!w || job.cancelled) return;
    job.cancelled = true;
    const msg: ToWorker = { type: 'cancel', id: job.id };
    if (w.child.connected) w.child.send(msg);
    w.timers.push(setTimeout(() => this.kill(w, new JobError('cancelled', `${job.label} was cancelled`)), this.cancelGraceMs));
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (m.type === 'memory') {
      w.reportedRssMb = m.rssMb;
      return;
    }
    const job = w.job;
    if (!job || m.id !== job.id || w.ending) return;
    if (m.type === 'progress') {
      if (!job.cancelled) job.opts.onProgress?.(m.progress);
      return;
    }
    if (m.type === 'deadline') {
      if (Number.isFinite(m.ms) && m.ms >= 0) this.setDeadline(w, job, m.ms);
      return;
    }
    if (job.cancelled) {
      // the task stopped (or finished anyway); the job is reported cancelled once its worker is gone
      this.kill(w, new JobError('cancelled', `${job.label} was cancelled`));
      return;
    }
    w.job = undefined;
    this.clearTimers(w);
    if (m.type === 'done') {
      job.resolve(m.value);
      this.release(w);
    } else {
      job.reject(reviveError(m.error));
      this.kill(w, 'discard'); // a failed task may have left codec or heap state behind
    }
    this.pump();
  }

  /** Keeps a worker for the next job unless it holds too much memory or the pool is closing. */
  private release(w: Worker): void {
    const rss = (w.child.pid !== undefined ? readProcessMemory(w.child.pid)?.rssMb : undefined) ?? w.reportedRssMb;
    if (this.closed || rss > this.memoryMb / 2) {
      this.kill(w, 'discard');
      return;
    }
    setRef(w.child, false);
    const idle = setTimeout(() => this.kill(w, 'discard'), this.idleMs);
    idle.unref();
    w.timers.push(idle);
  }

  private kill(w: Worker, reason: JobError | 'discard'): void {
    if (w.ending) return;
    w.ending = reason;
    this.clearTimers(w);
    setRef(w.child, true); // referenced until 'exit', so whoever awaits its job (or close()) is told
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.clearTimers(w);
    this.workers.delete(w);
    const job = w.job;
    w.job = undefined;
    if (job) {
      const reason = job.cancelled ? new JobError('cancelled', `${job.label} was cancelled`) : w.ending instanceof JobError ? w.ending : undefined;
      job.reject(
        reason ??
          new JobError('crashed', `${job.label} stopped unexpectedly: its worker process ended (${signal ? `signal ${signal}` : `exit code ${code}`})`),
      );
    }
    this.pump();
  }

  private clearTimers(w: Worker): void {
    for (const t of w.timers) clearTimeout(t);
    w.timers = [];
    if (w.deadline) clearTimeout(w.deadline.timer);
    w.deadline = undefined;
  }
}

/** A busy worker keeps the caller's process alive; an idle one does not (a CLI can exit at once). */
function setRef(child: ChildProcess, on: boolean): void {
  const channel = child.channel as { ref?(): void; unref?(): void } | null | undefined;
  if (on) {
    child.ref();
    channel?.ref?.();
  } else {
    child.unref();
    channel?.unref?.();
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
