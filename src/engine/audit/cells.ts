/**
 * Plan → cells. A cell is one (model × image × prompt × attack × ε × seed): the unit of work, storage and
 * resume. Its key is the sha256 of everything that determines its metrics — engine version, model sha256,
 * image and mask content hashes, the prompt text, the attack name and full parameters, the seed and the
 * execution settings that change results — so the same cell has the same key on any machine, in any run,
 * and a finished cell is never run twice.
 *
 * Cells execute in tasks: up to `execution.batch` images of one model, dataset and prompt under one attack
 * setting, sent through the model together. With batch > 1 an image's result can depend on its batch-mates
 * (a random draw covers the whole [B,C,H,W] batch, and `channels: auto` looks at every image), so those
 * cells' keys also carry the batch context (batch_key: the batch's images in order, and the position).
 * Everything here is plain JSON so that a task can travel to a child process or a queue worker.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { makeBudget, type Budget, type LossSpec } from '../attacks/index.js';
import { loadDataset, splitIds, type Dataset } from '../data/dataset.js';
import { loadModelPackage, type ModelPackage } from '../model/index.js';
import { resolveAttack } from './attack-registry.js';
import { resolveDicomDataset, segmentPrompt, type DicomImageInputs } from './dicom-datasets.js';
import { amount, PlanError, type AttackSpec, type AuditPlan, type DatasetSpec, type PromptSpec } from './plan.js';
import { engineVersion } from './provenance.js';
import { checkStoredTasks, storedAttackSettings } from './stored-plan.js';
import type { DatasetRecord, ModelRecord } from './store.js';
import { universalFor, type UniversalSpec } from './universal.js';

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** JSON with object keys sorted: the canonical text a key is hashed from. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/** One attack run at one ε with one seed: everything the attack function receives, as JSON. */
export interface AttackSetting {
  name: string;
  label: string;
  units: string;
  eps: number;
  epsText: string;
  domain: 'model' | 'stored';
  seed: number;
  budget: Budget;
  loss: LossSpec;
  target: 'none' | 'erase';
  options: Record<string, unknown>;
  /** Dataset names this setting is restricted to (null: all). Not part of the key. */
  datasets: string[] | null;
}

export interface TaskImage {
  id: string;
  path: string;
  maskPath: string | null;
  /** Frame of a multi-frame DICOM (0-based; default 0). */
  frame?: number;
  /** DICOM SEG / RTSTRUCT reference at the slice's size, as a mask PNG data URL (dicom-datasets.ts). */
  maskDataUrl?: string;
  imageSha256: string;
  maskSha256: string | null;
  prompt: string;
}

export interface TaskCell {
  key: string;
  ordinal: number;
  imageId: string;
  imageSha256: string;
  prompt: string;
  batchKey: string | null;
}

/** A batch of cells that run together; plain JSON. */
export interface Task {
  key: string;
  auditId: string;
  modelDir: string;
  modelSha256: string;
  datasetKey: string;
  dataset: string;
  promptSpec: string;
  setting: AttackSetting;
  execution: { levels: number; channels: 'auto' | 3 };
  images: TaskImage[];
  cells: TaskCell[];
  /** uap only: the universal perturbation's training set and key (universal.ts). */
  universal?: UniversalSpec;
}

export interface ResolvedModel {
  pkg: ModelPackage;
  record: ModelRecord;
}

export interface ResolvedDataset {
  record: DatasetRecord;
  ds: Dataset | null;
  /** Dataset name used to find a model's default prompt. */
  name: string;
  /** Per image id, the frame and reference of a DICOM folder with SEG / RTSTRUCT ground truth. */
  dicom?: Map<string, DicomImageInputs>;
}

export interface Expansion {
  auditId: string;
  plan: AuditPlan;
  models: ResolvedModel[];
  datasets: ResolvedDataset[];
  tasks: Task[];
  cellsTotal: number;
}

/**
 * Folders where a plan's bundled model names (e.g. "film-unet") are looked up, after resources/models of
 * the working folder (the CLI in the repository): the app registers its own bundled-models folder, since
 * its working folder is not the repository.
 */
const bundledModelRoots: string[] = [];
export function addBundledModelRoot(dir: string): void {
  if (!bundledModelRoots.includes(dir)) bundledModelRoots.push(dir);
}

function modelDir(spec: string): string {
  if (existsSync(spec) && statSync(spec).isDirectory()) return resolve(spec);
  for (const root of [resolve('resources', 'models'), ...bundledModelRoots]) {
    const bundled = join(root, spec);
    if (basename(spec) === spec && existsSync(bundled)) return bundled;
  }
  throw new PlanError(`Model "${spec}" is neither a folder nor a bundled model in resources/models.`);
}

const fileHash = (path: string) => sha256(readFileSync(path));
const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.dcm']);

function resolveDataset(spec: DatasetSpec, dataRoot: string): ResolvedDataset {
  if (spec.kind === 'dataset') {
    const ds = loadDataset(spec.path ?? join(dataRoot, spec.name!));
    let ids = spec.ids ?? splitIds(ds, spec.split);
    if (spec.ids) {
      const all = new Set(Object.values(ds.splits).flat());
      const missing = spec.ids.find((id) => !all.has(id));
      if (missing) throw new PlanError(`Dataset ${ds.name} has no image "${missing}" in its splits.`);
    }
    ids = ids.slice(0, spec.limit);
    const splitsText = readFileSync(join(ds.dir, 'splits.json'));
    const images = ids.map((id) => {
      const path = ds.imagePath(id);
      return { id, path: relative(ds.dir, path), imageSha256: fileHash(path), maskSha256: fileHash(ds.maskPath(id)) };
    });
    const splitsSha256 = sha256(splitsText);
    return { ds, name: ds.name, record: { key: sha256(canonical({ kind: 'dataset', dir: ds.dir, split: spec.ids ? null : spec.split, splitsSha256 })), name: ds.name, kind: 'dataset', dir: ds.dir, split: spec.ids ? null : spec.split, splitsSha256, images, groundTruth: true } };
  }
  const dir = resolve(spec.path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new PlanError(`Image folder ${spec.path} does not exist.`);
  const files = readdirSync(dir)
    .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()) || (spec.kind === 'dicom' && extname(f) === ''))
    .sort()
    .slice(0, spec.limit);
  if (files.length === 0) throw new PlanError(`Image folder ${spec.path} holds no PNG, JPEG or DICOM files.`);
  const images = files.map((f) => ({ id: f, path: f, imageSha256: fileHash(join(dir, f)), maskSha256: null }));
  return { ds: null, name: basename(dir), record: { key: sha256(canonical({ kind: spec.kind, dir, files: images.map((i) => i.imageSha256) })), name: basename(dir), kind: spec.kind, dir, split: null, splitsSha256: null, images, groundTruth: false } };
}

/** Per image, the prompt texts of one prompt spec (several for `variants`); `describe` names the spec. */
function promptTexts(spec: PromptSpec, d: ResolvedDataset, pkg: ModelPackage): { describe: string; forImage(id: string): string[] } {
  const ds = d.ds;
  const needKey = (key: string) => {
    if (!ds?.hasPrompts) throw new PlanError(`Dataset ${d.name} has no prompt keys; use a fixed prompt.`);
    if (!ds.promptKeys.includes(key)) throw new PlanError(`Dataset ${d.name} has no prompt key ${key} (keys: ${ds.promptKeys.join(', ')}).`);
    return ds;
  };
  switch (spec.mode) {
    case 'fixed':
      return { describe: 'fixed', forImage: () => [spec.text] };
    case 'key': {
      const s = needKey(spec.key);
      return { describe: `key ${spec.key}`, forImage: (id) => [s.prompt(id, spec.key)] };
    }
    case 'variants': {
      const s = needKey(spec.key);
      return { describe: `variants ${spec.key}`, forImage: (id) => s.promptVariants(id, spec.key) };
    }
    case 'default': {
      // DICOM ground truth: the segment label when the model knows it (dicom-datasets.ts segmentPrompt)
      const dicom = d.dicom;
      if (dicom) return { describe: 'default', forImage: (id) => [segmentPrompt(dicom.get(id)!.label, pkg, d.name)] };
      // the dataset's p1 when it has prompts, else the model's default prompt for this dataset
      if (ds?.hasPrompts && ds.promptKeys.includes('p1')) return { describe: 'default', forImage: (id) => [ds.prompt(id, 'p1')] };
      const fallback = pkg.manifest.prompts[d.name]?.default;
      if (!fallback) throw new PlanError(`Dataset ${d.name} has no prompts and model ${pkg.manifest.name} names no default prompt for it; give a fixed prompt in the plan.`);
      return { describe: 'default', forImage: () => [fallback] };
    }
  }
}

/** The frame and reference a DICOM ground-truth image adds to its task image (nothing for other kinds). */
function dicomInputs(d: ResolvedDataset, id: string): Pick<TaskImage, 'frame' | 'maskDataUrl'> {
  const x = d.dicom?.get(id);
  return x ? { frame: x.frame, maskDataUrl: x.maskDataUrl } : {};
}

/** k/255 when ε is a whole number of 8-bit levels in pixel units, else the number with its unit. */
export function epsText(eps: number, units: string): string {
  const k = eps * 255;
  if (units === 'pixel' && Math.abs(k - Math.round(k)) < 1e-9) return `${Math.round(k)}/255`;
  return units === 'normalised' ? `${eps} norm.` : `${eps} ${units}`;
}

export function attackSettings(spec: AttackSpec, seeds: readonly number[], where: string): AttackSetting[] {
  const resolved = resolveAttack(spec.name);
  if (!resolved) throw new PlanError(`${where}: unknown attack "${spec.name}".`);
  const norm = spec.norm ?? resolved.norm;
  if (spec.domain === 'stored') return storedAttackSettings(spec, seeds, where, norm, resolved.defaultSteps);
  if (norm === 'l2' && spec.units === 'normalised') throw new PlanError(`${where}: normalised units exist for L∞ attacks only (the paper's convention).`);
  const out: AttackSetting[] = [];
  spec.eps.forEach((e, j) => {
    const eps = spec.name === 'clean' ? 0 : amount(e, `${where}.eps.${j}`);
    const alpha = spec.alpha !== undefined ? amount(spec.alpha, `${where}.alpha`) : norm === 'l2' ? eps / 5 || 2 / 255 : 2 / 255;
    let budget: Budget;
    try {
      budget = makeBudget({ norm, eps, alpha, steps: spec.steps ?? resolved.defaultSteps, restarts: spec.restarts, randomStart: spec.randomStart, units: spec.units as Budget['units'], schedule: spec.schedule, earlyStop: spec.earlyStop });
    } catch (err) {
      throw new PlanError(`${where}: ${(err as Error).message}`);
    }
    for (const seed of seeds) {
      out.push({ name: spec.name, label: spec.label ?? spec.name, units: spec.units, eps, epsText: epsText(eps, spec.units), domain: spec.domain, seed, budget, loss: spec.loss as LossSpec, target: spec.target, options: spec.options ?? {}, datasets: spec.datasets ?? null });
    }
  });
  return out;
}

/** The key of one cell (see the header). */
export function cellKey(parts: { modelSha256: string; image: TaskImage; setting: AttackSetting; execution: Task['execution']; batch: { key: string; position: number } | null }): string {
  const { setting: s, image } = parts;
  return sha256(
    canonical({
      engine: engineVersion(),
      model: parts.modelSha256,
      image: image.imageSha256,
      mask: image.maskSha256,
      prompt: image.prompt,
      attack: s.name,
      params: { budget: s.budget, loss: s.loss, target: s.target, options: s.options, domain: s.domain },
      seed: s.seed,
      execution: parts.execution,
      batch: parts.batch,
    }),
  );
}

/**
 * Resolves models and datasets (hashing every file) and expands the plan into tasks. Ordinals follow
 * model → dataset → prompt → attack → ε → seed → image; tasks are listed model-major so a worker keeps
 * one model loaded while it can.
 */
export async function expandPlan(plan: AuditPlan): Promise<Expansion> {
  const auditId = sha256(canonical(plan));
  const models: ResolvedModel[] = [];
  for (const spec of plan.models) {
    const pkg = await loadModelPackage(modelDir(spec));
    models.push({ pkg, record: { sha256: pkg.sha256, name: pkg.manifest.name, version: pkg.manifest.version ?? null, dir: pkg.dir, manifest: pkg.manifest } });
  }
  const dataRoot = resolve(plan.dataRoot);
  const datasets: ResolvedDataset[] = [];
  for (const d of plan.datasets) datasets.push(d.kind === 'dicom' && d.groundTruth !== 'none' ? await resolveDicomDataset(d) : resolveDataset(d, dataRoot));
  const settings = plan.attacks.flatMap((a, i) => attackSettings(a, plan.seeds, `attacks.${i}`));
  const execution = { levels: plan.execution.levels, channels: plan.execution.channels };
  const B = plan.execution.batch;
  const tasks: Task[] = [];
  let ordinal = 0;
  for (const m of models) {
    for (const d of datasets) {
      for (const p of plan.prompts) {
        const prompt = promptTexts(p, d, m.pkg);
        const texts = d.record.images.map((im) => prompt.forImage(im.id));
        const variants = Math.max(...texts.map((t) => t.length));
        for (let v = 0; v < variants; v++) {
          const promptSpec = p.mode === 'variants' ? `${prompt.describe} #${v}` : prompt.describe;
          const images: TaskImage[] = d.record.images
            .map((im, i) => ({ im, text: texts[i][v] }))
            .filter(({ text }) => text !== undefined)
            .map(({ im, text }) => ({ id: im.id, path: join(d.record.dir, im.path), maskPath: d.ds ? d.ds.maskPath(im.id) : null, ...dicomInputs(d, im.id), imageSha256: im.imageSha256, maskSha256: im.maskSha256, prompt: text }));
          for (const planned of settings) {
            if (planned.datasets && !planned.datasets.includes(d.name)) continue;
            const uni = planned.name === 'uap' ? universalFor({ setting: planned, dataset: d, prompts: prompt.forImage, variant: v, modelSha256: m.pkg.sha256, levels: execution.levels, evaluated: images }) : null;
            const setting = uni?.setting ?? planned;
            const first = ordinal;
            ordinal += images.length;
            // the stored domain attacks one file at a time (each has its own size)
            const perTask = setting.domain === 'stored' ? 1 : B;
            for (let start = 0; start < images.length; start += perTask) {
              const batchImages = images.slice(start, start + perTask);
              const batchKey = batchImages.length > 1 ? sha256(canonical(batchImages.map((im) => [im.imageSha256, im.maskSha256, im.prompt]))) : null;
              const cells = batchImages.map((image, pos) => ({
                key: cellKey({ modelSha256: m.pkg.sha256, image, setting, execution, batch: batchKey ? { key: batchKey, position: pos } : null }),
                ordinal: first + start + pos,
                imageId: image.id,
                imageSha256: image.imageSha256,
                prompt: image.prompt,
                batchKey,
              }));
              tasks.push({ key: sha256(cells.map((c) => c.key).join('')), auditId, modelDir: m.pkg.dir, modelSha256: m.pkg.sha256, datasetKey: d.record.key, dataset: d.name, promptSpec, setting, execution, images: batchImages, cells, ...(uni ? { universal: uni.spec } : {}) });
            }
          }
        }
      }
    }
  }
  const keys = new Set(tasks.flatMap((t) => t.cells.map((c) => c.key)));
  if (keys.size !== ordinal) throw new PlanError('The plan names the same cell twice (a model, dataset, prompt, attack or seed is repeated).');
  await checkStoredTasks(tasks);
  return { auditId, plan, models, datasets, tasks, cellsTotal: ordinal };
}
