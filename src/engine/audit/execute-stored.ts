/**
 * Runs one stored-domain task (one image: cells.ts gives the stored domain one file per task) through
 * attackStored — the attack kind resolved by name from the one registry, with the plan's options — at the
 * image's native resolution. Metrics are the engine's, against the ground truth at the image's own size
 * (or the clean prediction, reference-free), with one change: the engine measures δ in its attack variable
 * (the whole representable stored range mapped to [0,1], e.g. 65,535 su), which no reader can use, so the
 * perturbation norms, PSNR and SSIM are recomputed on the display scale (the VOI window → [0,1]; PNG/JPEG:
 * value/levels) — the scale k/255w is measured on. The cell's ε and max |Δ stored| in su, HU and k/255w go
 * to its `stored` record (params_json in the store).
 */
import { attackStored } from '../attacks/domain/attack-stored.js';
import { loadStoredImage, storedDeltaPanel, storedToRaster, type StoredImage } from '../attacks/domain/stored-image.js';
import type { EpsAllUnits } from '../attacks/domain/units.js';
import type { ImageMetrics } from '../attacks/index.js';
import { UserError } from '../errors.js';
import { perturbationNorms } from '../metrics/perturbation.js';
import { psnr, ssim } from '../metrics/image-quality.js';
import { loadModelPackage, type ModelPackage } from '../model/index.js';
import { resolveAttack } from './attack-registry.js';
import type { Task } from './cells.js';
import { loadTaskMask } from './dicom-datasets.js';
import type { CellOutcome, RuntimeOptions, TaskResult } from './execute.js';
import { toEpsSpec } from './stored-plan.js';

/** What a stored-domain cell records beside its metrics (params_json.stored). */
export interface StoredCellRecord {
  /** ε as the plan gave it, and in all three units after flooring to whole stored units (L∞). */
  epsGiven: { value: number; units: string };
  eps: EpsAllUnits;
  alpha: EpsAllUnits;
  /** max |Δ stored| in all three units, ‖Δ‖₂ in su and modality units, pixels changed. */
  perturbation: { linf: EpsAllUnits; l2Su: number; l2Modality: number; changed: number };
  image: {
    format: string;
    width: number;
    height: number;
    channels: number;
    modality: string | null;
    storedRange: [number, number];
    rescale: { slope: number; intercept: number };
    window: { center: number; width: number; function: string; fromFile: boolean } | null;
  };
}

export class StoredCellError extends UserError {
  override name = 'StoredCellError';
  constructor(message: string) {
    super('bad-args', message);
  }
}

let cached: ModelPackage | undefined;
async function modelPackage(dir: string, sha256: string): Promise<ModelPackage> {
  if (cached?.dir !== dir) cached = await loadModelPackage(dir);
  if (cached.sha256 !== sha256) throw new Error(`Model ${dir} changed since the audit was planned (sha256 ${cached.sha256.slice(0, 12)}…, planned ${sha256.slice(0, 12)}…).`);
  return cached;
}

/** The display rendering of stored values, planar [C,H,W] in [0,1] (what the model's preprocessing sees). */
function display(img: StoredImage, values: Float64Array): Float32Array {
  if (img.format !== 'dicom') return Float32Array.from(values, (v) => v / img.levels);
  return storedToRaster(img, values).data; // grey: interleaved = planar
}

const to8bit = (x: Float32Array) => Uint8Array.from(x, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));

function displayMetrics(m: ImageMetrics, img: StoredImage, clean: Float32Array, adv: Float32Array): ImageMetrics {
  const image = (data: Float32Array) => ({ width: img.width, height: img.height, channels: img.channels, data });
  return { ...m, perturbation: perturbationNorms(clean, adv), psnr: psnr(clean, adv), ssim: img.width > 10 && img.height > 10 ? ssim(image(clean), image(adv)) : NaN };
}

export async function executeStoredTask(task: Task, rt: RuntimeOptions, worker: string): Promise<TaskResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  if (task.images.length !== 1) throw new Error(`A stored-domain task holds one image, this one ${task.images.length}.`);
  const s = task.setting;
  const attack = resolveAttack(s.name);
  if (!attack) throw new Error(`Unknown attack "${s.name}" (this worker's engine does not have it).`);
  const pkg = await modelPackage(task.modelDir, task.modelSha256);
  const im = task.images[0];
  const image = await loadStoredImage(im.path, im.frame ?? 0);
  // a dataset mask file, or a DICOM SEG/RTSTRUCT reference carried with the task (dicom-datasets.ts)
  const groundTruth = await loadTaskMask(im, image);
  if (groundTruth && (groundTruth.width !== image.width || groundTruth.height !== image.height)) {
    throw new StoredCellError(`Mask of image ${im.id} (dataset ${task.dataset}) is ${groundTruth.width}×${groundTruth.height} but the image is ${image.width}×${image.height}; the stored domain scores at the image's own size.`);
  }
  const b = s.budget;
  const r = await attackStored(
    pkg,
    {
      image, prompt: im.prompt, norm: b.norm, eps: toEpsSpec(s.eps, s.units), alpha: toEpsSpec(b.alpha, s.units), steps: b.steps, restarts: b.restarts,
      randomStart: b.randomStart, schedule: b.schedule, earlyStop: b.earlyStop, seed: s.seed, loss: s.loss, groundTruth,
      target: s.target === 'erase' ? 'empty' : undefined,
      // the plan's options (e.g. ensemble members) travel with every call, as in the model domain
      attack: (m, batch, opts) => attack.fn(m, batch, { ...s.options, ...opts }),
    },
    { provider: rt.provider, threads: rt.threads, graphCacheDir: rt.graphCacheDir },
  );
  const res = r.result;
  const clean = display(image, r.clean);
  const adversarial = display(image, r.adversarial);
  // perturbation panel: grey = ½ + Δ su/(2 ε su), so black/white are −ε/+ε whatever the display rounding hides
  const amplification = 1 / (2 * r.eps.su);
  const pert = to8bit(storedDeltaPanel(image, r.clean, r.adversarial, amplification));
  const w = image.window;
  const stored: StoredCellRecord = {
    epsGiven: { value: s.eps, units: s.units },
    eps: r.eps,
    alpha: r.alpha,
    perturbation: r.perturbation,
    image: {
      format: image.format, width: image.width, height: image.height, channels: image.channels, modality: image.modality ?? null, storedRange: image.range,
      rescale: { slope: image.slope, intercept: image.intercept },
      window: w ? { center: w.center, width: w.width, function: image.voiFunction, fromFile: image.windowFromFile } : null,
    },
  };
  const cell: CellOutcome = {
    key: task.cells[0].key,
    metrics: displayMetrics(res.metrics[0], image, clean, adversarial),
    example: {
      width: image.width, height: image.height, channels: image.channels, clean: to8bit(clean), adversarial: to8bit(adversarial),
      reference: groundTruth ? Uint8Array.from(groundTruth.data, (v) => (v ? 1 : 0)) : r.cleanMask.data, cleanMask: r.cleanMask.data, advMask: r.adversarialMask.data,
      perturbation: { data: pert, amplification },
    },
    stored,
  };
  return {
    taskKey: task.key, cells: [cell], provider: res.provider, threads: rt.threads ?? null, gradientMode: res.gradientMode, iterations: res.iterations,
    referenceKind: res.referenceKind, ms: performance.now() - t0, startedAt, finishedAt: new Date().toISOString(), worker,
  };
}
