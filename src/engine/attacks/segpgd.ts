/**
 * SegPGD — Gu, Zhao, Tresp & Torr, "SegPGD: An Effective and Efficient Adversarial Attack for
 * Evaluating and Boosting Segmentation Robustness", ECCV 2022, arXiv:2207.12391.
 *
 * Threat model: white box, L∞ (or L2) ball; untargeted. The base PGD loop with the paper's per-pixel
 * weighting of the cross-entropy: at iteration t of T, λ = t/(2T); pixels still classified correctly
 * weigh 1 − λ and pixels already wrong weigh λ (losses.ts: segPgdWeights). The loss is the paper's
 * (binary) cross-entropy regardless of the caller's choice. Each step costs one extra forward pass to
 * read the current prediction. Defaults as PGD (ε = 8/255, α = 2/255, 40 steps).
 * Shapes: AttackBatch [B,C,H,W] in [0,1] at model size; result images in [0,1], on the lattice.
 * Example (run by tests/engine/attacks/pgd.test.ts):
 *   const r = await segPgd(model, batch, { budget: makeBudget({ steps: 10 }), loss, seed: 0 });
 */
import { segPgdWeights } from './losses.js';
import type { AttackModel } from './model.js';
import { runPgd } from './pgd.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export function segPgd(model: AttackModel, batch: AttackBatch, opts: AttackOptions): Promise<AttackResult> {
  if (opts.target) throw new RangeError('SegPGD is untargeted here (as in its paper); use pgd with a target.');
  return runPgd(model, batch, opts, {
    name: 'segpgd',
    loss: (l) => ({ ...l, kind: 'bce' }),
    weights: (c) => segPgdWeights(c.logits, c.mask, c.threshold, c.t, c.steps),
  });
}
