/**
 * Losses computed in JavaScript from logits, per image, with exactly the definitions of the gradient
 * graph (src/engine/autodiff/losses.ts, MONAI semantics):
 *   BCE    = mean over pixels of w·(max(z,0) − z·t + log(1 + e^{−|z|}))
 *   Dice   = 1 − (2Σσ(z)t + 1e-5)/(Σt + Σσ(z) + 1e-5)
 *   DiceCE = λ_dice·Dice + λ_ce·BCE
 * and the segmentation-attack losses below. Targeted attacks ascend −L(logits, target). Used for the loss trace, by score-based attacks (Square)
 * and to pick the most damaging restart. Per-pixel weights for SegPGD and CosPGD are computed here too.
 */
import type { LossKind, LossSpec } from './types.js';

const SMOOTH = 1e-5;

export interface LossInput {
  logits: Float32Array;
  /** [B,H,W] 0/1: reference (untargeted) or target (targeted). */
  mask: Uint8Array;
  batch: number;
  targeted: boolean;
  /** [B,H,W] per-pixel weights of the BCE term. */
  weights?: Float32Array;
  /** Decision threshold on σ(z) (the masked losses keep pixels by it); default 0.5. */
  threshold?: number;
}

const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

/**
 * One image's value of the segmentation-attack losses (SEA, arXiv:2306.12941, for one sigmoid channel;
 * q = σ(s·z) is the probability of the reference class, s = 2t − 1; kept pixels m: prediction still
 * equal to the reference — targeted: not yet equal to the target):
 *   masked-bce        Σ m·w·BCE / N
 *   balanced-bce      mean over the classes present of the class's mean BCE
 *   js                mean of log 2 + ½(q log q − (1 + q) log(1 + q))
 *   masked-spherical  mean of −m·q/√(q² + (1 − q)²)
 */
function segmentationLoss(kind: LossKind, inp: LossInput, from: number, to: number): number {
  const zt = Math.log((inp.threshold ?? 0.5) / (1 - (inp.threshold ?? 0.5)));
  const n = to - from;
  let sum = 0;
  let fg = 0;
  let bg = 0;
  let n1 = 0;
  for (let i = from; i < to; i++) {
    const z = inp.logits[i];
    const t = inp.mask[i];
    const w = inp.weights ? inp.weights[i] : 1;
    const right = (z > zt ? 1 : 0) === t;
    const m = (inp.targeted ? !right : right) ? 1 : 0;
    const bce = softplus(z) - z * t;
    const sz = t ? z : -z;
    const q = 1 / (1 + Math.exp(-sz));
    if (kind === 'masked-bce') sum += m * w * bce;
    else if (kind === 'balanced-bce') t ? ((fg += w * bce), n1++) : (bg += w * bce);
    else if (kind === 'js') sum += Math.LN2 + 0.5 * (q * -softplus(-sz) - (1 + q) * Math.log1p(q));
    else sum += (-m * q) / Math.sqrt(q * q + (1 - q) * (1 - q));
  }
  if (kind !== 'balanced-bce') return sum / n;
  const n0 = n - n1;
  const k = (n1 > 0 ? 1 : 0) + (n0 > 0 ? 1 : 0);
  return ((n1 > 0 ? fg / n1 : 0) + (n0 > 0 ? bg / n0 : 0)) / k;
}

/** The objective the attack ascends, one value per image. */
export function attackLoss(spec: LossSpec, inp: LossInput): Float64Array {
  const n = inp.logits.length / inp.batch;
  const out = new Float64Array(inp.batch);
  for (let b = 0; b < inp.batch; b++) {
    if (spec.kind !== 'bce' && spec.kind !== 'dice' && spec.kind !== 'dicece') {
      const l = segmentationLoss(spec.kind, inp, b * n, (b + 1) * n);
      out[b] = inp.targeted ? -l : l;
      continue;
    }
    let bce = 0;
    let inter = 0;
    let sp = 0;
    let st = 0;
    for (let i = b * n; i < (b + 1) * n; i++) {
      const z = inp.logits[i];
      const t = inp.mask[i];
      const w = inp.weights ? inp.weights[i] : 1;
      bce += w * (Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z))));
      const p = 1 / (1 + Math.exp(-z));
      inter += p * t;
      sp += p;
      st += t;
    }
    bce /= n;
    const dice = 1 - (2 * inter + SMOOTH) / (st + sp + SMOOTH);
    const l = spec.kind === 'bce' ? bce : spec.kind === 'dice' ? dice : spec.lambdaDice * dice + spec.lambdaCe * bce;
    out[b] = inp.targeted ? -l : l;
  }
  return out;
}

/**
 * SegPGD (Gu et al., ECCV 2022, arXiv:2207.12391) at iteration t of T (t from 0):
 * λ = t/(2T); weight 1 − λ on pixels still classified correctly, λ on those already wrong, so early
 * steps push the correct pixels over and later steps keep the wrong ones wrong.
 */
export function segPgdWeights(logits: Float32Array, reference: Uint8Array, threshold: number, t: number, T: number): Float32Array {
  const lambda = t / (2 * T);
  const zt = Math.log(threshold / (1 - threshold));
  return Float32Array.from(logits, (z, i) => ((z > zt ? 1 : 0) === reference[i] ? 1 - lambda : lambda));
}

/**
 * CosPGD (Agnihotri & Keuper, ICML 2024, arXiv:2302.02213) for one sigmoid channel: the weight of a
 * pixel is the cosine similarity between its two-class prediction [1 − p, p] and the one-hot reference,
 * p_ref / √(p² + (1 − p)²), so pixels that are still right weigh most. Targeted: 1 − cos toward the
 * target (pixels already at the target weigh least).
 */
export function cosPgdWeights(logits: Float32Array, mask: Uint8Array, targeted: boolean): Float32Array {
  return Float32Array.from(logits, (z, i) => {
    const p = 1 / (1 + Math.exp(-z));
    const cos = (mask[i] ? p : 1 - p) / Math.sqrt(p * p + (1 - p) * (1 - p));
    return targeted ? 1 - cos : cos;
  });
}
