/**
 * Best-iterate bookkeeping shared by every gradient attack (PGD family, APGD, the ensemble) and by any
 * other gradient source (e.g. attacks in the stored-image domain): per image, keep the candidate that is
 * worst for the model by the audit's metric, judged on the QUANTISED candidate (what would be stored),
 * not on the float iterate the optimiser holds. A robust figure from the last iterate overestimates
 * robustness whenever the ascent overshoots (DiceCE trading true positives for false-positive area).
 *
 * Metric the attacker minimises, per image:
 *   untargeted               Dice(prediction, reference)
 *   targeted, target ≠ ∅     −Dice(prediction, target)
 *   erase (target = ∅)       predicted foreground fraction
 * Ties (e.g. Dice 0 at many steps) go to the higher attack loss on the quantised candidate, then to the
 * earlier candidate. The tracker never runs the model: callers pass the logits of the quantised
 * candidate, so it serves any forward pass (model domain or stored domain).
 */
import { dice } from '../metrics/overlap.js';
import { attackLoss } from './losses.js';
import { masksFromLogits } from './prepare.js';
import type { LossSpec } from './types.js';

export interface BestIterateConfig {
  batch: number;
  /** Values per image of the candidates ([C,H,W]). */
  per: number;
  width: number;
  height: number;
  /** Reference (untargeted) or target (targeted), [B,H,W] 0/1. */
  mask: Uint8Array;
  targeted: boolean;
  threshold: number;
  /** Loss used for ties (the caller's loss, unweighted). */
  loss: LossSpec;
}

/** Where the kept candidate came from: step (0 = the start point, k = after k updates), restart, member. */
export interface KeptIterate {
  step: number;
  restart: number;
  /** Ensemble member that found it (absent for single attacks). */
  member?: string;
}

export class BestIterate {
  /** Kept quantised candidates and the float iterates they came from, [B,C,H,W]. */
  readonly best: Float32Array;
  readonly bestRaw: Float32Array;
  /** Per image: the metric (lower = worse for the model) and the tie-break loss of the kept candidate. */
  readonly metric: Float64Array;
  readonly loss: Float64Array;
  readonly kept: KeptIterate[];
  private readonly plane: number;

  constructor(readonly cfg: BestIterateConfig, start: Float32Array) {
    this.best = new Float32Array(start);
    this.bestRaw = new Float32Array(start);
    this.metric = new Float64Array(cfg.batch).fill(Infinity);
    this.loss = new Float64Array(cfg.batch).fill(-Infinity);
    this.kept = Array.from({ length: cfg.batch }, () => ({ step: 0, restart: 0 }));
    this.plane = cfg.width * cfg.height;
  }

  /** The metric of each image of a prediction (lower = worse for the model). */
  metrics(logits: Float32Array, mask = this.cfg.mask, batch = this.cfg.batch): Float64Array {
    const { width, height, targeted, threshold } = this.cfg;
    const masks = masksFromLogits(logits, threshold);
    const out = new Float64Array(batch);
    for (let b = 0; b < batch; b++) {
      const v = (d: Uint8Array) => ({ width, height, data: d.subarray(b * this.plane, (b + 1) * this.plane) });
      const pred = v(masks);
      const ref = v(mask);
      if (!targeted) out[b] = dice(pred, ref);
      else if (ref.data.some((x) => x)) out[b] = -dice(pred, ref);
      else out[b] = pred.data.reduce((a, x) => a + x, 0) / this.plane;
    }
    return out;
  }

  /**
   * Offers a candidate batch: `quantised` (what is evaluated and kept), the float iterate `raw` it came
   * from, and the logits of `quantised`. With `images`, candidate j is for image images[j] of the batch
   * (a member that ran on a subset); otherwise candidate j is image j. Returns which candidates were taken.
   */
  offer(quantised: Float32Array, raw: Float32Array, logits: Float32Array, from: KeptIterate | readonly KeptIterate[], images?: readonly number[]): boolean[] {
    const { per, targeted, loss } = this.cfg;
    const n = images ? images.length : this.cfg.batch;
    const mask = images ? pick(this.cfg.mask, images, this.plane) : this.cfg.mask;
    const m = this.metrics(logits, mask, n);
    const l = attackLoss(loss, { logits, mask, batch: n, targeted, threshold: this.cfg.threshold });
    const taken: boolean[] = [];
    for (let j = 0; j < n; j++) {
      const b = images ? images[j] : j;
      const ok = m[j] < this.metric[b] || (m[j] === this.metric[b] && l[j] > this.loss[b]);
      taken.push(ok);
      if (!ok) continue;
      this.metric[b] = m[j];
      this.loss[b] = l[j];
      this.kept[b] = { ...(Array.isArray(from) ? (from as readonly KeptIterate[])[j] : (from as KeptIterate)) };
      this.best.set(quantised.subarray(j * per, (j + 1) * per), b * per);
      this.bestRaw.set(raw.subarray(j * per, (j + 1) * per), b * per);
    }
    return taken;
  }
}

/** The planes of the given images of a [B,…] buffer, in that order. */
export function pick<T extends Uint8Array | Float32Array>(data: T, images: readonly number[], size: number): T {
  const out = new (data.constructor as new (n: number) => T)(images.length * size);
  images.forEach((b, j) => out.set(data.subarray(b * size, (b + 1) * size), j * size));
  return out;
}
