/**
 * Runs one task (cells.ts) on a model: decode its images, prepare the batch, run the attack by name, and
 * return per cell its metrics and the raw material of its adversarial example (8-bit planes and masks;
 * the store encodes PNGs only for the few worst cells it keeps). Stored-domain tasks go to
 * execute-stored.ts (one image at its native resolution). The same function runs in the main
 * process, in a child process and in a queue worker, so every mode gives the same numbers.
 */
import { resolve } from 'node:path';
import { createAttackModel, prepareBatch, type AttackModel, type AttackOptions, type ImageMetrics } from '../attacks/index.js';
import { loadImage } from '../imaging/index.js';
import { loadModelPackage } from '../model/index.js';
import { resolveAttack } from './attack-registry.js';
import type { Task } from './cells.js';
import { loadTaskMask } from './dicom-datasets.js';
import { executeStoredTask, type StoredCellRecord } from './execute-stored.js';
import { universalOptions } from './universal.js';

export interface RuntimeOptions {
  provider: 'auto' | 'cpu' | 'cuda';
  /** Intra-op threads per model (undefined: ONNX Runtime's default, all cores). */
  threads?: number;
  /** Folder that caches built gradient graphs (keyed by model sha256 and options). */
  graphCacheDir?: string;
}

/** The example material of one cell: planar 8-bit images at the model size and 0/1 masks. */
export interface RawExample {
  width: number;
  height: number;
  channels: number;
  clean: Uint8Array;
  adversarial: Uint8Array;
  reference: Uint8Array;
  cleanMask: Uint8Array;
  advMask: Uint8Array;
  /** Stored domain: the perturbation panel (8-bit grey ½ + Δ su·amplification), since the 8-bit display pair loses sub-step changes. */
  perturbation?: { data: Uint8Array; amplification: number };
}

export interface CellOutcome {
  key: string;
  metrics: ImageMetrics;
  example: RawExample;
  /** Stored domain: ε, α and max |Δ| in su, HU and k/255w, and the image's stored-value mapping. */
  stored?: StoredCellRecord;
}

export interface TaskResult {
  taskKey: string;
  cells: CellOutcome[];
  provider: string;
  threads: number | null;
  gradientMode: string | null;
  iterations: number;
  referenceKind: string;
  ms: number;
  startedAt: string;
  finishedAt: string;
  worker: string;
}

/** Keeps the last model loaded: tasks come model-major, so a worker loads each model once. */
export class ModelCache {
  private loaded: { dir: string; model: AttackModel } | undefined;
  constructor(private readonly rt: RuntimeOptions) {}

  async get(dir: string, sha256: string): Promise<AttackModel> {
    if (this.loaded?.dir === dir) return this.loaded.model;
    await this.dispose();
    const pkg = await loadModelPackage(dir);
    if (pkg.sha256 !== sha256) throw new Error(`Model ${dir} changed since the audit was planned (sha256 ${pkg.sha256.slice(0, 12)}…, planned ${sha256.slice(0, 12)}…).`);
    const model = await createAttackModel(pkg, { provider: this.rt.provider, threads: this.rt.threads, graphCacheDir: this.rt.graphCacheDir ?? resolve('.cache', 'gradient-graphs') });
    this.loaded = { dir, model };
    return model;
  }

  async dispose(): Promise<void> {
    const m = this.loaded?.model;
    this.loaded = undefined;
    await m?.dispose();
  }
}

const to8bit = (x: Float32Array) => Uint8Array.from(x, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));

export async function executeTask(task: Task, models: ModelCache, rt: RuntimeOptions, worker: string): Promise<TaskResult> {
  if (task.setting.domain === 'stored') return executeStoredTask(task, rt, worker);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const model = await models.get(task.modelDir, task.modelSha256);
  const attack = resolveAttack(task.setting.name);
  if (!attack) throw new Error(`Unknown attack "${task.setting.name}" (this worker's engine does not have it).`);
  const items = await Promise.all(
    task.images.map(async (im) => {
      const image = await loadImage(im.path, { frame: im.frame });
      return { id: im.id, prompt: im.prompt, image, mask: await loadTaskMask(im, image) };
    }),
  );
  // a universal δ is [3,H,W] whatever the images are (universal.ts)
  const batch = await prepareBatch(model, items, { levels: task.execution.levels, channels: task.universal ? 3 : task.execution.channels });
  const { width: W, height: H, channels: C } = batch;
  const s = task.setting;
  const opts = { ...s.options, budget: s.budget, loss: s.loss, seed: s.seed, ...(s.target === 'erase' ? { target: new Uint8Array(batch.batch * W * H) } : {}), ...universalOptions(task) } as AttackOptions;
  const res = await attack.fn(model, batch, opts);
  const plane = W * H;
  const per = C * plane;
  const cells = task.cells.map((c, b) => ({
    key: c.key,
    metrics: res.metrics[b],
    example: {
      width: W,
      height: H,
      channels: C,
      clean: to8bit(batch.x.subarray(b * per, (b + 1) * per)),
      adversarial: to8bit(res.adversarial.subarray(b * per, (b + 1) * per)),
      reference: batch.reference.slice(b * plane, (b + 1) * plane),
      cleanMask: res.cleanMask.slice(b * plane, (b + 1) * plane),
      advMask: res.adversarialMask.slice(b * plane, (b + 1) * plane),
    },
  }));
  return {
    taskKey: task.key,
    cells,
    provider: res.provider,
    threads: rt.threads ?? null,
    gradientMode: res.gradientMode,
    iterations: res.iterations,
    referenceKind: res.referenceKind,
    ms: performance.now() - t0,
    startedAt,
    finishedAt: new Date().toISOString(),
    worker,
  };
}
