/**
 * The fuzz run: mutated DICOM/PNG/JPEG files decoded in job workers exactly as the app decodes them
 * (src/engine/jobs/fuzz-task.ts), with the codec canaries re-checked every 250 cases and at the end, then
 * API arguments and model packages. A failure is: a crash of a worker, an error that is not the
 * project's own (a bug), a hang (no time bound was set and the case ran past `hangMs`), a decode over the
 * memory bound, a wrong decode (non-finite or out-of-range samples, several-line messages), a canary whose
 * decode changed. Decodes stopped by their size-scaled time bound are counted, not failed: that is the
 * bound working (the user gets "decoding took longer than … s").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FuzzDecodeOutcome } from '../../src/engine/jobs/fuzz-task.js';
import { closeDecodePool, JobError, JobPool } from '../../src/engine/jobs/index.js';
import { fuzzApiArgs, type ApiFuzzReport } from './api-args.js';
import { fuzzModelPackages, type PackageFuzzReport } from './model-package.js';
import { mutate, rng } from './mutate.js';
import { canaryPaths, loadSeeds } from './seeds.js';

export interface FuzzOptions {
  cases: number;
  seed: number;
  repoRoot: string;
  /** ../shared/data, when present: more seeds and canaries. */
  dataRoot?: string;
  /** Decode workers in parallel (default 2). */
  workers?: number;
  /** A case without a size-scaled bound that runs this long (worker start-up included) is a hang (default 30 s). */
  hangMs?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  imageCases: number;
  seeds: number;
  seconds: number;
  casesPerSecond: number;
  /** Outcome classes: decoded, rejected: <reason>, stopped: time bound. */
  outcomes: Record<string, number>;
  canaryChecks: number;
  /** Decode worker processes started (a new one after each crash, time-bound stop or canary failure). */
  workersStarted: number;
  api: ApiFuzzReport;
  packages: PackageFuzzReport;
  failures: string[];
}

/** The reason part of a rejection, without the label and numbers, for the distribution table. */
function reason(message: string): string {
  return message
    .replace(/^image bytes: /, '')
    .replace(/\([^()]*\)/g, '(…)')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 90);
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const hangMs = o.hangMs ?? 30_000;
  const r = rng(o.seed);
  const seeds = loadSeeds(o.repoRoot, o.dataRoot);
  const canaries = canaryPaths(o.repoRoot, o.dataRoot);
  const workers = o.workers ?? 2;
  const pool = new JobPool({ maxWorkers: workers, memoryMb: 2048, timeoutMs: hangMs, idleMs: 30_000, maxQueue: 10_000 });
  const outcomes: Record<string, number> = {};
  const failures: string[] = [];
  const count = (k: string): void => {
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  };
  const sandbox = mkdtempSync(join(tmpdir(), 'vlsm-fuzz-'));
  const t0 = performance.now();
  let canaryChecks = 0;
  try {
    // canary jobs decode several files (and the first starts a worker): not cases, so a generous bound
    const canaryJob = (): Promise<string[]> => pool.run('selftest:fuzz', { kind: 'canary', paths: canaries }, { timeoutMs: 180_000 }) as Promise<string[]>;
    const reference = await canaryJob();
    const bad = reference.findIndex((h) => h.startsWith('error'));
    if (bad >= 0) failures.push(`canary ${canaries[bad]} does not decode: ${reference[bad]}`);
    const checkCanaries = async (): Promise<void> => {
      // one check per worker: all workers are idle here, so each takes one
      const got = await Promise.all(Array.from({ length: workers }, canaryJob));
      canaryChecks += got.length;
      for (const g of got) g.forEach((h, k) => h !== reference[k] && failures.push(`codec canary changed: ${canaries[k]} (${h.slice(0, 16)} vs ${reference[k].slice(0, 16)})`));
    };

    const runCase = async (i: number): Promise<void> => {
      const seed = seeds[Math.floor(r() * seeds.length)];
      const other = seeds[Math.floor(r() * seeds.length)];
      const { bytes, how } = mutate(seed.bytes, seed.format, r, other.bytes);
      const label = `case ${i} (${how} of ${seed.path.split('/').slice(-2).join('/')})`;
      try {
        const res = (await pool.run('selftest:fuzz', { kind: 'decode', bytes, label }, { label })) as FuzzDecodeOutcome;
        if (res.outcome === 'bug') failures.push(`${label}: non-project error ${res.name}: ${res.message}\n${res.stack.split('\n').slice(1, 4).join('\n')}`);
        else {
          if (res.problem) failures.push(`${label}: ${res.outcome} but ${res.problem}`);
          count(res.outcome === 'decoded' ? 'decoded' : `rejected: ${reason(res.message)}`);
        }
      } catch (e) {
        if (e instanceof JobError && e.reason === 'timeout' && e.limit !== undefined && e.limit < hangMs) count('stopped: size-scaled time bound');
        else if (e instanceof JobError) failures.push(`${label}: ${e.reason === 'timeout' ? 'hang' : e.reason}: ${e.message}`);
        else failures.push(`${label}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    };

    for (let start = 0; start < o.cases; start += 250) {
      const end = Math.min(o.cases, start + 250);
      const batch: Promise<void>[] = [];
      for (let i = start; i < end; i++) batch.push(runCase(i));
      await Promise.all(batch);
      await checkCanaries();
      log(`${end}/${o.cases} image cases, ${failures.length} failures, ${((end * 1000) / (performance.now() - t0)).toFixed(1)} cases/s`);
    }
    const imageSeconds = (performance.now() - t0) / 1000;
    const api = await fuzzApiArgs(r, Math.ceil(o.cases / 10), sandbox, seeds[0].path);
    failures.push(...api.failures);
    log(`${api.cases} API cases: ${JSON.stringify(api.byCode)}`);
    const packages = await fuzzModelPackages(r, Math.ceil(o.cases / 20), sandbox);
    failures.push(...packages.failures);
    log(`${packages.cases} model-package cases: ${packages.loaded} loaded, ${packages.rejected} rejected`);
    return {
      seed: o.seed,
      imageCases: o.cases,
      seeds: seeds.length,
      seconds: (performance.now() - t0) / 1000,
      casesPerSecond: o.cases / imageSeconds,
      outcomes,
      canaryChecks,
      workersStarted: pool.stats().workersStarted,
      api,
      packages,
      failures,
    };
  } finally {
    await pool.close();
    await closeDecodePool();
    rmSync(sandbox, { recursive: true, force: true });
  }
}
