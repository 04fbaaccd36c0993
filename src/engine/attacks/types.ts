/**
 * The one signature every attack shares (Foolbox-style): attack(model, batch, options) → result.
 * Images are planar [B,C,H,W] in [0,1] at the model's input size — the resolution the attack runs at —
 * and C is 1 for grey images (one perturbation shared by the three RGB planes the model sees) or 3.
 * Budgets are in image intensity units before normalisation (DESIGN.md "Attack semantics"); the
 * `normalised` unit reproduces the paper's convention (ε measured after (x − mean)/std).
 */
import type { Criterion } from './criteria.js';
import type { KeptIterate } from './best-iterate.js';
import type { ImageMetrics } from './evaluate.js';

export type NormKind = 'linf' | 'l2';
export type Units = 'pixel' | 'normalised';
/** dicece/bce/dice: MONAI semantics; the other four are SEA's segmentation-attack losses (losses.ts). */
export type LossKind = 'dicece' | 'bce' | 'dice' | 'masked-bce' | 'balanced-bce' | 'js' | 'masked-spherical';
export const LOSS_KINDS: readonly LossKind[] = ['dicece', 'bce', 'dice', 'masked-bce', 'balanced-bce', 'js', 'masked-spherical'];

export interface Budget {
  norm: NormKind;
  /** Radius: [0,1] scale in pixel units (8/255), or normalised units (paper). */
  eps: number;
  /** Step size in the same units (L2: length of each step). */
  alpha: number;
  /** Iterations (gradient attacks) or queries (Square). */
  steps: number;
  /** Independent runs; per image the most damaging one is kept. */
  restarts: number;
  /** Start from a random point of the ε-ball (uniform for L∞, random direction and radius for L2). */
  randomStart: boolean;
  units: Units;
  /** α per iteration: constant, or cosine-annealed from α to 0. */
  schedule: 'constant' | 'cosine';
  /** Stop updating an image once the criterion holds on its current (unquantised) prediction. */
  earlyStop: boolean;
}

export interface LossSpec {
  kind: LossKind;
  /** DiceCE weights, stated explicitly (MONAI DiceCELoss lambda_dice / lambda_ce). */
  lambdaDice: number;
  lambdaCe: number;
}

export interface AttackBatch {
  /** [B,C,H,W] planar in [0,1] at the model's input size, on the stored lattice when levels > 0. */
  x: Float32Array;
  batch: number;
  channels: 1 | 3;
  height: number;
  width: number;
  /** One prompt for all images or one per image. */
  prompts: readonly string[];
  /** [B,H,W] 0/1: the ground truth, or the clean prediction when there is none (see referenceKind). */
  reference: Uint8Array;
  referenceKind: 'ground-truth' | 'clean-prediction';
  /** Stored-value lattice (255 for 8-bit images); 0 = no quantisation. */
  levels: number;
  /** Per image [row, column] spacing in mm at the model resolution, when known (HD95 in mm). */
  spacingMm?: readonly ([number, number] | undefined)[];
  /** Image identifiers, carried into results. */
  ids?: readonly string[];
}

export interface AttackOptions {
  budget: Budget;
  loss: LossSpec;
  /** Targeted: [B,H,W] 0/1 mask the prediction is driven toward (all zeros = erase the lesion). */
  target?: Uint8Array;
  seed: number;
  /** Success criterion; default: Dice drop ≥ 0.5 × clean (untargeted) or Dice to target ≥ 0.5 (targeted). */
  criterion?: Criterion;
  /** Quantise the result to the batch's lattice (default true; DESIGN.md requires it for reports). */
  quantise?: boolean;
  /**
   * Keep per image the iterate worst for the model, judged on its quantised image (default true;
   * best-iterate.ts). false: the last iterate of each restart, as Madry's PGD (the paper protocol).
   */
  bestIterate?: boolean;
  /**
   * Called with every candidate a best-iterate attack judges: its step, restart, quantised image and the
   * logits of that image (e.g. to read the last iterate's metrics from the same run).
   */
  onCandidate?: (c: { step: number; restart: number; quantised: Float32Array; logits: Float32Array }) => void;
  /** Called after every iteration with the iteration number and the mean loss. */
  onStep?: (iteration: number, meanLoss: number) => void;
  /** Stops the attack at the next iteration (the result then covers the iterations run). */
  signal?: AbortSignal;
}

export interface AttackResult {
  attack: string;
  seed: number;
  budget: Budget;
  loss: LossSpec;
  targeted: boolean;
  referenceKind: AttackBatch['referenceKind'];
  /** Clipped adversarial images before quantisation, [B,C,H,W]. */
  raw: Float32Array;
  /** Clipped and quantised: what would be stored and what every metric below is computed on. */
  adversarial: Float32Array;
  /** Predicted masks [B,H,W] 0/1 on the clean and on the (quantised) adversarial images. */
  cleanMask: Uint8Array;
  adversarialMask: Uint8Array;
  /** Loss per iteration (rows) and image (columns), for the restart that was kept per image. */
  trace: number[][];
  /** Gradient evaluations (gradient attacks) or forward queries (Square), all restarts together. */
  iterations: number;
  /** How the returned image was chosen: best iterate (default), last iterate, or absent (no iterates). */
  selection?: 'best-iterate' | 'last-iterate';
  /** Per image: step (0 = start point, k = after k updates), restart and ensemble member of the kept image. */
  kept?: KeptIterate[];
  success: boolean[];
  metrics: ImageMetrics[];
  ms: number;
  /** Execution provider (cpu/cuda) and how gradients were computed (null: no gradients used). */
  provider: string;
  gradientMode: 'fused' | 'unfused' | null;
}

export interface AttackModelLike {
  readonly width: number;
  readonly height: number;
}
