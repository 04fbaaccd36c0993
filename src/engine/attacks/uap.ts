/**
 * Universal adversarial perturbation: ONE δ for every image — Moosavi-Dezfooli et al., CVPR 2017,
 * arXiv:1610.08401 — computed here by stochastic projected gradient ascent on the mean loss over a
 * training split (Shafahi et al., "Universal Adversarial Training", AAAI 2020, arXiv:1812.03705), and
 * evaluated on a DISJOINT split so the figure measures universality, not memorisation.
 *
 * Threat model: white box on the training split; at test time the same δ is added to unseen images.
 * L∞ or L2 ball (pixel units). budget.steps = epochs over the training batches; α per update; loss
 * as PGD (DiceCE vs each image's reference, or −loss vs a target for a targeted UAP).
 * Each update: δ ← Π_ε(δ + α·dir(Σ_images ∇ₓ L)), images visited in a seeded random batch order.
 * Applying δ: x = clip(x0 + δ) per image, then quantised inside the ball like every attack.
 * Shapes: δ is [C,H,W] at the model's input size; batches must share C (prepare with channels: 3).
 * Example (run by tests/engine/attacks/uap.test.ts):
 *   const u = await trainUniversal(model, [train], { budget: makeBudget({ steps: 3 }), loss, seed: 0 });
 *   const r = await applyUniversal(model, test, u.delta, { budget, loss, seed: 0 });
 */
import { createRng } from '../metrics/random.js';
import { normOf } from './budget.js';
import { finishAttack } from './evaluate.js';
import { attackLoss } from './losses.js';
import { reduceRgbGradient, toRgbPlanes, type AttackModel } from './model.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export interface UniversalResult {
  /** [C,H,W] perturbation, pixel units. */
  delta: Float32Array;
  channels: 1 | 3;
  /** Mean loss over the training images per epoch (measured before each update). */
  trace: number[];
  images: number;
  updates: number;
  seed: number;
  ms: number;
}

function addDelta(batch: AttackBatch, delta: Float32Array): Float32Array {
  const per = delta.length;
  return Float32Array.from(batch.x, (v, i) => Math.min(1, Math.max(0, v + delta[i % per])));
}

export async function trainUniversal(model: AttackModel, batches: readonly AttackBatch[], opts: AttackOptions): Promise<UniversalResult> {
  const started = performance.now();
  if (batches.length === 0) throw new RangeError('A universal perturbation needs at least one training batch.');
  const { channels: C, height: H, width: W } = batches[0];
  if (batches.some((b) => b.channels !== C || b.height !== H || b.width !== W)) throw new RangeError('All training batches must share channels and size (prepare them with channels: 3).');
  const { budget } = opts;
  const { norm, alpha } = normOf(budget, model.std, C);
  const plane = H * W;
  const per = C * plane;
  const one = { batch: 1, channels: C, height: H, width: W };
  const rng = createRng(opts.seed);
  const delta = budget.randomStart ? norm.randomStart(rng, one) : new Float32Array(per);
  const trace: number[] = [];
  let updates = 0;
  const images = batches.reduce((a, b) => a + b.batch, 0);
  for (let epoch = 0; epoch < budget.steps; epoch++) {
    if (opts.signal?.aborted) break;
    const order = batches.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    for (const k of order) {
      const batch = batches[k];
      const x = addDelta(batch, delta);
      const mask = opts.target ? opts.target.subarray(0, batch.batch * plane) : batch.reference;
      const g = await model.gradient({
        x: toRgbPlanes(x, batch.batch, C, plane),
        xOrig: toRgbPlanes(batch.x, batch.batch, C, plane),
        batch: batch.batch,
        prompts: batch.prompts,
        mask,
        loss: opts.loss,
        targeted: !!opts.target,
        norm: norm.kind,
        eps: norm.eps[0],
        alpha: alpha[0],
      });
      lossSum += attackLoss(opts.loss, { logits: g.logits, mask, batch: batch.batch, targeted: !!opts.target, threshold: model.threshold }).reduce((a, v) => a + v, 0);
      // the gradient of the summed loss with respect to the shared δ is the sum over images
      const grad = reduceRgbGradient(g.grad, batch.batch, C, plane);
      const total = new Float32Array(per);
      for (let i = 0; i < grad.length; i++) total[i % per] += grad[i];
      const dir = norm.step(total, alpha, one);
      for (let i = 0; i < per; i++) delta[i] += dir[i];
      norm.project(delta, one);
      updates++;
    }
    trace.push(lossSum / images);
    opts.onStep?.(epoch, lossSum / images);
  }
  return { delta, channels: C, trace, images, updates, seed: opts.seed, ms: performance.now() - started };
}

/** Adds a universal δ to every image of a batch (clipped, quantised inside the ball) and evaluates it. */
export async function applyUniversal(model: AttackModel, batch: AttackBatch, delta: Float32Array, opts: AttackOptions): Promise<AttackResult> {
  const started = performance.now();
  const per = batch.channels * batch.height * batch.width;
  if (delta.length !== per) throw new RangeError(`The perturbation has ${delta.length} values; images of this batch need ${per} (channels ${batch.channels}).`);
  const { norm } = normOf(opts.budget, model.std, batch.channels);
  const raw = addDelta(batch, delta);
  const shape = { batch: batch.batch, channels: batch.channels, height: batch.height, width: batch.width };
  const adversarial = norm.quantise(batch.x, raw, opts.quantise === false ? 0 : batch.levels, shape);
  return finishAttack(model, batch, opts, adversarial, { attack: 'uap', raw, trace: [], iterations: 0, started });
}
