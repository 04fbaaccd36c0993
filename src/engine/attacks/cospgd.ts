/**
 * CosPGD — Agnihotri & Keuper, "CosPGD: an efficient white-box adversarial attack for pixel-wise
 * prediction tasks", ICML 2024, arXiv:2302.02213.
 *
 * Threat model: white box, L∞ (or L2) ball; untargeted or targeted. The base PGD loop with each pixel's
 * cross-entropy weighted by the cosine similarity between its two-class prediction [1 − p, p] and the
 * one-hot reference (targeted: 1 − similarity to the target), recomputed every step from the current
 * prediction (one extra forward pass per step; losses.ts: cosPgdWeights). Loss: the caller's (its BCE
 * term is the weighted one). Defaults as PGD (ε = 8/255, α = 2/255, 40 steps).
 * Shapes: AttackBatch [B,C,H,W] in [0,1] at model size; result images in [0,1], on the lattice.
 * Example (run by tests/engine/attacks/pgd.test.ts):
 *   const r = await cosPgd(model, batch, { budget: makeBudget({ steps: 10 }), loss, seed: 0 });
 */
import { cosPgdWeights } from './losses.js';
import type { AttackModel } from './model.js';
import { runPgd } from './pgd.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export function cosPgd(model: AttackModel, batch: AttackBatch, opts: AttackOptions): Promise<AttackResult> {
  return runPgd(model, batch, opts, { name: 'cospgd', weights: (c) => cosPgdWeights(c.logits, c.mask, c.targeted) });
}
