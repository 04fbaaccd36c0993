/**
 * Fast Gradient Sign Method — Goodfellow, Shlens & Szegedy, "Explaining and Harnessing Adversarial
 * Examples", ICLR 2015, arXiv:1412.6572. FGSM is PGD with one step of size ε and no random start.
 *
 * Threat model: white box, L∞ ball of radius ε (pixel units, or the paper's normalised units).
 * Defaults: ε = 8/255; α and steps are ignored (α = ε, one step); restarts are meaningless (1).
 * Shapes: AttackBatch [B,C,H,W] in [0,1] at model size; result images in [0,1], on the lattice.
 * Example (run by tests/engine/attacks/fgsm.test.ts):
 *   const r = await fgsm(model, batch, { budget: makeBudget({ eps: 8/255 }), loss, seed: 0 });
 */
import type { AttackModel } from './model.js';
import { runPgd } from './pgd.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export function fgsm(model: AttackModel, batch: AttackBatch, opts: AttackOptions): Promise<AttackResult> {
  if (opts.budget.norm !== 'linf') throw new RangeError('FGSM is an L∞ attack; use pgd with norm l2 for L2 budgets.');
  const budget = { ...opts.budget, alpha: opts.budget.eps, steps: 1, restarts: 1, randomStart: false, schedule: 'constant' as const, earlyStop: false };
  return runPgd(model, batch, { ...opts, budget }, { name: 'fgsm' });
}
