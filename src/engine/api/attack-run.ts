/**
 * `attack:run`, `result:get` and `result:export`. The attack itself runs in a job worker process
 * (src/engine/jobs, task `attack:run` → attack-compute.ts), so a long attack never blocks the other calls
 * and a cancelled one is killed with its worker, leaving nothing behind. Results are kept here, in the
 * engine's memory (the most recent few), so a reloaded window restores them instead of recomputing, and
 * so they can be exported to a folder later.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobError, JobPool } from '../jobs/index.js';
import { planAttack, type AttackJobResult } from './attack-compute.js';
import type { AttackResultInfo, ParsedArgs } from './contract.js';
import { ApiError } from './errors.js';

export { listAttacks } from './attack-compute.js';

export interface AttackRunDeps {
  /** Resolved, checked paths (the handler checks them against the path policy first). */
  modelDir: string;
  imagePath: string;
  maskPath: string | null;
  threads?: number;
  signal: AbortSignal;
  progress(stage: string, message: string, fraction?: number | null): void;
}

/** Bounds of an attack job: one at a time, 4 GiB resident, 30 min; the worker stays warm 5 min. */
const ATTACK_POOL = { maxWorkers: 1, memoryMb: 4096, timeoutMs: 30 * 60_000, idleMs: 5 * 60_000 };

export class AttackService {
  private pool: JobPool | null = null;
  private readonly results = new Map<string, AttackJobResult>();
  constructor(private readonly keep = 20) {}

  get(resultId: string): AttackResultInfo {
    const r = this.results.get(resultId);
    if (!r) throw new ApiError('not-found', `Result ${resultId} is no longer held by the engine (it keeps the last ${this.keep} and forgets them on restart); run the attack again.`);
    return r.info;
  }

  async export(resultId: string, dir: string): Promise<{ dir: string; files: string[] }> {
    const r = this.results.get(resultId);
    if (!r) throw new ApiError('not-found', `Result ${resultId} is no longer held by the engine; run the attack again before exporting.`);
    await mkdir(dir, { recursive: true });
    const names: string[] = [];
    for (const [name, bytes] of Object.entries(r.files)) {
      await writeFile(join(dir, name), bytes);
      names.push(name);
    }
    const { cleanInput: _a, adversarial: _b, reference: _c, cleanMask: _d, adversarialMask: _e, perturbation: _f, stored, ...summary } = r.info;
    // the stored values and Δ map are in adversarial.dcm / adversarial.png and perturbation.png, not repeated as base64
    const storedSummary = stored ? (({ adversarialStored: _g, delta: _h, ...rest }) => rest)(stored) : null;
    await writeFile(join(dir, 'metrics.json'), `${JSON.stringify({ ...summary, stored: storedSummary, ...(r.metricsJson as object) }, null, 2)}\n`);
    names.push('metrics.json');
    return { dir, files: names };
  }

  async run(args: ParsedArgs<'attack:run'>, deps: AttackRunDeps): Promise<AttackResultInfo> {
    planAttack(args); // bad arguments answer at once, before a worker starts
    this.pool ??= new JobPool(ATTACK_POOL);
    let out: AttackJobResult;
    try {
      out = await this.pool.run(
        'attack:run',
        { args, modelDir: deps.modelDir, imagePath: deps.imagePath, maskPath: deps.maskPath, threads: deps.threads },
        { signal: deps.signal, onProgress: (p) => deps.progress(p.stage, p.message, p.fraction), label: `attack on ${deps.imagePath}` },
      );
    } catch (e) {
      if (e instanceof JobError && e.reason === 'cancelled') throw new ApiError('cancelled', 'The attack was cancelled; nothing was kept.');
      if (e instanceof JobError) throw new ApiError('runtime', `The attack stopped: ${e.message}`);
      // Errors cross the process boundary by name; give the user-facing ones their codes back.
      const name = (e as Error).name;
      if (name === 'ModelPackageError') throw new ApiError('model-invalid', (e as Error).message);
      if (name === 'RuntimeError' || name === 'UnsupportedOpError' || name === 'GraphError') throw new ApiError('runtime', (e as Error).message);
      throw e;
    }
    const info = { ...out.info, resultId: randomUUID() };
    this.results.set(info.resultId, { ...out, info });
    while (this.results.size > this.keep) this.results.delete(this.results.keys().next().value as string);
    return info;
  }

  async dispose(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }
}
