/**
 * The `uap` audit attack: ONE universal perturbation δ per (model, dataset, prompt spec, ε, seed and
 * parameters), trained by src/engine/attacks/uap.ts on a stated set of the dataset's images — the first
 * `trainLimit` ids of split `trainSplit`, never an evaluated image — and added to every evaluated image.
 *
 * Plan: { name: 'uap', eps: [...], steps: epochs [5], alpha [2/255], options: { trainSplit ['train'],
 * trainLimit [16], batch [4] } }. Expansion (cells.ts) gives each such task a UniversalSpec whose key
 * hashes everything δ depends on (engine, model, training images, masks and prompts, budget, loss, seed,
 * target, lattice); the key is also in every cell's params (options.universal), so a cell names its δ.
 * Before any task runs, the runner (or queue coordinator) trains each δ that the store does not hold yet
 * — once, in a worker — and keeps it in the store's `universals` table (with its sha256), then sends it
 * with the tasks. Resume, any worker count and queue workers therefore apply the same δ bytes, and a δ is
 * never trained per cell. δ is [3,H,W] (training and evaluation use 3 channels whatever
 * `execution.channels` says: grey and colour images share one δ).
 */
import { readFileSync } from 'node:fs';
import { prepareBatch, trainUniversal, type AttackBatch, type AttackOptions } from '../attacks/index.js';
import { splitIds } from '../data/dataset.js';
import { loadImage, loadMask } from '../imaging/index.js';
import { canonical, sha256, type AttackSetting, type ResolvedDataset, type Task, type TaskImage } from './cells.js';
import type { ModelCache } from './execute.js';
import { PlanError } from './plan.js';
import { engineVersion } from './provenance.js';

export const UAP_DEFAULTS = { trainSplit: 'train', trainLimit: 16, batch: 4 } as const;

/** What a uap task needs to train (or find) its δ; `delta` is attached by attachUniversals. */
export interface UniversalSpec {
  key: string;
  trainSplit: string;
  batch: number;
  train: TaskImage[];
  /** δ as float32 little-endian bytes in base64 (JSON-safe for the queue) and its sha256. */
  delta?: { base64: string; sha256: string };
}

/** A trained δ as the store keeps it. */
export interface UniversalDelta {
  key: string;
  sha256: string;
  channels: number;
  height: number;
  width: number;
  base64: string;
  images: number;
  updates: number;
  lossPerEpoch: number[];
  ms: number;
}

function uapOptions(options: Record<string, unknown>, where: string): { trainSplit: string; trainLimit: number; batch: number } {
  const known = new Set(['trainSplit', 'trainLimit', 'batch']);
  const extra = Object.keys(options).find((k) => !known.has(k));
  if (extra) throw new PlanError(`${where}.options: uap takes trainSplit, trainLimit and batch, not "${extra}".`);
  const o = { ...UAP_DEFAULTS, ...options };
  if (typeof o.trainSplit !== 'string' || !o.trainSplit) throw new PlanError(`${where}.options.trainSplit must be a split name.`);
  for (const k of ['trainLimit', 'batch'] as const) {
    if (!Number.isInteger(o[k]) || (o[k] as number) < 1) throw new PlanError(`${where}.options.${k} must be a positive integer, got ${JSON.stringify(o[k])}.`);
  }
  return o as { trainSplit: string; trainLimit: number; batch: number };
}

const hashCache = new Map<string, string>();
const fileHash = (path: string): string => {
  let h = hashCache.get(path);
  if (!h) hashCache.set(path, (h = sha256(readFileSync(path))));
  return h;
};

/**
 * The δ of one uap setting on one dataset and prompt: its training images (disjoint from `evaluated`)
 * and key, and the setting with the key in its options (so cell keys and params name the δ).
 */
export function universalFor(p: {
  setting: AttackSetting;
  dataset: ResolvedDataset;
  prompts: (id: string) => string[];
  variant: number;
  modelSha256: string;
  levels: number;
  evaluated: readonly TaskImage[];
}): { setting: AttackSetting; spec: UniversalSpec } {
  const { setting: s, dataset: d } = p;
  const where = `attack uap on ${d.name}`;
  if (!d.ds) throw new PlanError(`${where}: a universal perturbation trains on a dataset split; ${d.name} is a folder of images without splits.`);
  const o = uapOptions(s.options, where);
  let ids: string[];
  try {
    ids = splitIds(d.ds, o.trainSplit).slice(0, o.trainLimit);
  } catch (e) {
    throw new PlanError(`${where}: ${(e as Error).message}`);
  }
  const evaluated = new Set(p.evaluated.map((im) => im.id));
  const shared = ids.find((id) => evaluated.has(id));
  if (shared) throw new PlanError(`${where}: training split ${o.trainSplit} holds the evaluated image ${shared}; choose a split disjoint from the evaluated one.`);
  const ds = d.ds;
  const train = ids.map((id) => {
    const path = ds.imagePath(id);
    const maskPath = ds.maskPath(id);
    const texts = p.prompts(id);
    return { id, path, maskPath, imageSha256: fileHash(path), maskSha256: fileHash(maskPath), prompt: texts[p.variant] ?? texts[0] };
  });
  const key = sha256(
    canonical({
      engine: engineVersion(),
      model: p.modelSha256,
      train: train.map((im) => [im.imageSha256, im.maskSha256, im.prompt]),
      budget: s.budget,
      loss: s.loss,
      target: s.target,
      seed: s.seed,
      batch: o.batch,
      levels: p.levels,
      channels: 3,
    }),
  );
  return { setting: { ...s, options: { ...s.options, universal: key } }, spec: { key, trainSplit: o.trainSplit, batch: o.batch, train } };
}

const toBase64 = (d: Float32Array): string => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
export function deltaFromBase64(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Trains the δ of a uap task (in whichever process runs it; deterministic in its key). */
export async function trainUniversalFor(task: Task, models: ModelCache): Promise<UniversalDelta> {
  const spec = task.universal;
  if (!spec) throw new Error(`Task ${task.key} is not a uap task.`);
  const model = await models.get(task.modelDir, task.modelSha256);
  const batches: AttackBatch[] = [];
  for (let i = 0; i < spec.train.length; i += spec.batch) {
    const items = await Promise.all(
      spec.train.slice(i, i + spec.batch).map(async (im) => ({ id: im.id, prompt: im.prompt, image: await loadImage(im.path), mask: im.maskPath ? await loadMask(im.maskPath) : undefined })),
    );
    batches.push(await prepareBatch(model, items, { levels: task.execution.levels, channels: 3 }));
  }
  const s = task.setting;
  const largest = Math.max(...batches.map((b) => b.batch * b.width * b.height));
  const u = await trainUniversal(model, batches, { budget: s.budget, loss: s.loss, seed: s.seed, ...(s.target === 'erase' ? { target: new Uint8Array(largest) } : {}) });
  const bytes = Buffer.from(u.delta.buffer, u.delta.byteOffset, u.delta.byteLength);
  return { key: spec.key, sha256: sha256(bytes), channels: u.channels, height: batches[0].height, width: batches[0].width, base64: toBase64(u.delta), images: u.images, updates: u.updates, lossPerEpoch: u.trace, ms: u.ms };
}

/** Store side of the universals (AuditStore implements it). */
export interface UniversalStore {
  universal(key: string): UniversalDelta | null;
  putUniversal(d: UniversalDelta): void;
}

/**
 * Gives every uap task its δ: from the store, or trained once (by `train`, e.g. in a job worker; up to
 * `concurrency` at a time) and stored before any task uses it. Other tasks pass through unchanged.
 */
export async function attachUniversals(
  store: UniversalStore,
  tasks: readonly Task[],
  train: (t: Task) => Promise<UniversalDelta>,
  o: { signal?: AbortSignal; concurrency?: number } = {},
): Promise<Task[]> {
  const deltas = new Map<string, UniversalDelta>();
  const missing = new Map<string, Task>();
  for (const t of tasks) {
    const key = t.universal?.key;
    if (!key || deltas.has(key) || missing.has(key)) continue;
    const d = store.universal(key);
    if (d) deltas.set(key, d);
    else missing.set(key, t);
  }
  const queue = [...missing.values()];
  const trainNext = async (): Promise<void> => {
    for (let t = queue.shift(); t && !o.signal?.aborted; t = queue.shift()) {
      const d = await train(t);
      store.putUniversal(d);
      deltas.set(d.key, d);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 1) }, trainNext));
  return tasks.map((t) => {
    const d = t.universal && deltas.get(t.universal.key);
    return d ? { ...t, universal: { ...t.universal!, delta: { base64: d.base64, sha256: d.sha256 } } } : t;
  });
}

/** The extra attack options of a task: its δ for uap (the runner attaches it before the task runs). */
export function universalOptions(task: Task): Partial<AttackOptions> & { universalDelta?: Float32Array } {
  if (!task.universal) return {};
  if (!task.universal.delta) throw new Error(`The universal perturbation ${task.universal.key.slice(0, 12)}… of this uap task was not trained before the task ran.`);
  return { universalDelta: deltaFromBase64(task.universal.delta.base64) };
}
