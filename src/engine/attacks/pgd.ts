/**
 * Projected Gradient Descent — Madry et al., "Towards Deep Learning Models Resistant to Adversarial
 * Attacks", ICLR 2018, arXiv:1706.06083 — and the ONE base loop every gradient attack uses:
 *   random start → gradient → normalise (sign / unit L2) → step → project onto the ε-ball → clip to [0,1]
 * FGSM, SegPGD, CosPGD and the targeted attacks supply only what differs (a `PgdVariant`).
 *
 * Threat model: white box through our own reverse-mode pass (src/engine/autodiff); L∞ or L2 ball in
 * pixel units (or the paper's normalised units, L∞ only). Untargeted ascends L(logits, reference);
 * targeted ascends −L(logits, target). Defaults: ε = 8/255, α = 2/255, 40 steps, 1 restart, no random
 * start, DiceCE with λ_dice = λ_ce = 1. The last iterate of each restart is quantised; per image the
 * restart with the highest loss on the quantised image is kept. earlyStop freezes an image once the
 * criterion holds on its unquantised prediction (success is always re-checked after quantisation).
 * When the step is plain (RGB, one ε for all channels) the graph's fused step (x_next) is used as is;
 * grey images (one perturbation for the three planes) and per-channel ε step in JavaScript.
 * Shapes: AttackBatch [B,C,H,W] in [0,1] at model size; result images in [0,1], on the lattice.
 * Example (run by tests/engine/attacks/pgd.test.ts):
 *   const r = await pgd(model, batch, { budget: makeBudget({ eps: 8/255, alpha: 2/255, steps: 10 }), loss, seed: 0 });
 */
import { createRng } from '../metrics/random.js';
import { applyDelta, normOf } from './budget.js';
import { defaultCriterion, finishAttack, predict } from './evaluate.js';
import { attackLoss } from './losses.js';
import { reduceRgbGradient, toRgbPlanes, type AttackModel } from './model.js';
import { masksFromLogits } from './prepare.js';
import type { AttackBatch, AttackOptions, AttackResult, Budget, LossSpec } from './types.js';

export interface WeightContext {
  /** Logits [B,H,W] at the current iterate. */
  logits: Float32Array;
  /** Reference (untargeted) or target (targeted), [B,H,W]. */
  mask: Uint8Array;
  targeted: boolean;
  threshold: number;
  /** Iteration, from 0, of `steps`. */
  t: number;
  steps: number;
}

export interface PgdVariant {
  name: string;
  /** Loss used instead of the caller's (SegPGD uses the paper's cross-entropy). */
  loss?: (given: LossSpec) => LossSpec;
  /** Per-pixel weights of the BCE term at the current iterate (costs one forward pass per step). */
  weights?: (c: WeightContext) => Float32Array;
}

export const PLAIN: PgdVariant = { name: 'pgd' };

/** α at iteration t: constant, or cosine-annealed from α towards 0. */
export function stepSize(b: Budget, alpha: readonly number[], t: number): number[] {
  if (b.schedule === 'constant') return [...alpha];
  const f = 0.5 * (1 + Math.cos((Math.PI * t) / b.steps));
  return alpha.map((a) => a * f);
}

export async function runPgd(model: AttackModel, batch: AttackBatch, opts: AttackOptions, variant: PgdVariant = PLAIN): Promise<AttackResult> {
  const started = performance.now();
  const { budget } = opts;
  const { norm, alpha } = normOf(budget, model.std, batch.channels);
  const { batch: B, channels: C, height: H, width: W } = batch;
  const plane = H * W;
  const per = C * plane;
  const shape = { batch: B, channels: C, height: H, width: W };
  const targeted = !!opts.target;
  const mask = opts.target ?? batch.reference;
  const loss = variant.loss ? variant.loss(opts.loss) : opts.loss;
  const criterion = opts.criterion ?? defaultCriterion(opts.target);
  const levels = opts.quantise === false ? 0 : batch.levels;
  const fused = C === 3 && norm.eps.every((e) => e === norm.eps[0]);
  const x0 = batch.x;
  const x0rgb = toRgbPlanes(x0, B, C, plane);
  const cleanLogits = await predict(model, batch, x0);
  const cleanMask = masksFromLogits(cleanLogits, model.threshold);
  const view = (d: Uint8Array, b: number) => ({ width: W, height: H, data: d.subarray(b * plane, (b + 1) * plane) });

  const best = new Float32Array(x0);
  const bestRaw = new Float32Array(x0);
  const bestLoss = new Float64Array(B).fill(-Infinity);
  const bestTrace: number[][] = [];
  let iterations = 0;

  for (let r = 0; r < budget.restarts; r++) {
    const rng = createRng((opts.seed + r * 0x9e3779b1) >>> 0);
    let x = budget.randomStart ? applyDelta(x0, norm.randomStart(rng, shape)) : new Float32Array(x0);
    const frozen = new Array<boolean>(B).fill(false);
    const trace: number[][] = [];
    for (let t = 0; t < budget.steps; t++) {
      if (opts.signal?.aborted) break;
      const a = stepSize(budget, alpha, t);
      const xrgb = toRgbPlanes(x, B, C, plane);
      const weights = variant.weights?.({ logits: await predict(model, batch, x), mask, targeted, threshold: model.threshold, t, steps: budget.steps });
      const g = await model.gradient({ x: xrgb, xOrig: x0rgb, batch: B, prompts: batch.prompts, mask, loss, targeted, weights, norm: norm.kind, eps: norm.eps[0], alpha: a[0] });
      iterations++;
      const lossNow = attackLoss(loss, { logits: g.logits, mask, batch: B, targeted, weights });
      trace.push([...lossNow]);
      opts.onStep?.(t, lossNow.reduce((s, v) => s + v, 0) / B);
      if (budget.earlyStop) {
        const masks = masksFromLogits(g.logits, model.threshold);
        for (let b = 0; b < B; b++)
          frozen[b] ||= criterion.test({ prediction: view(masks, b), reference: view(batch.reference, b), cleanPrediction: view(cleanMask, b), target: opts.target ? view(opts.target, b) : undefined });
        if (frozen.every(Boolean)) break;
      }
      let next: Float32Array;
      if (fused && g.xNext) {
        next = g.xNext;
      } else {
        const dir = norm.step(reduceRgbGradient(g.grad, B, C, plane), a, shape);
        const delta = Float32Array.from(x, (v, i) => v + dir[i] - x0[i]);
        norm.project(delta, shape);
        next = applyDelta(x0, delta);
      }
      for (let b = 0; b < B; b++) if (frozen[b]) next.set(x.subarray(b * per, (b + 1) * per), b * per);
      x = next;
    }
    const q = norm.quantise(x0, x, levels, shape);
    const finalLoss = attackLoss(opts.loss, { logits: await predict(model, batch, q), mask, batch: B, targeted });
    for (let b = 0; b < B; b++) {
      if (!(finalLoss[b] > bestLoss[b])) continue;
      bestLoss[b] = finalLoss[b];
      best.set(q.subarray(b * per, (b + 1) * per), b * per);
      bestRaw.set(x.subarray(b * per, (b + 1) * per), b * per);
      trace.forEach((row, t) => ((bestTrace[t] ??= new Array<number>(B).fill(NaN))[b] = row[b]));
    }
  }
  return finishAttack(model, batch, opts, best, { attack: variant.name, raw: bestRaw, trace: bestTrace, iterations, started, cleanLogits, gradients: true });
}

/** PGD with the budget's norm (L∞ or L2). */
export const pgd = (model: AttackModel, batch: AttackBatch, opts: AttackOptions): Promise<AttackResult> =>
  runPgd(model, batch, opts, { name: opts.budget.norm === 'l2' ? 'pgd-l2' : 'pgd' });
