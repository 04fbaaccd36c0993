/**
 * Targeted PGD: drive the predicted mask toward a target instead of away from the reference.
 *   erase  — target = empty mask: make the lesion disappear (success: predicted area ≤ 10 % of clean);
 *   inject — target = any given mask (success: Dice with the target ≥ 0.5).
 * Threat model: white box, L∞ or L2 ball; the loss ascended is −L(logits, target) (autodiff/losses.ts).
 * Defaults as PGD (ε = 8/255, α = 2/255, 40 steps, DiceCE).
 * Shapes: AttackBatch [B,C,H,W] in [0,1]; target [B,H,W] 0/1 at model size.
 * Example (run by tests/engine/attacks/targeted.test.ts):
 *   const r = await eraseAttack(model, batch, { budget: makeBudget({ steps: 10 }), loss, seed: 0 });
 */
import type { AttackModel } from './model.js';
import { resizeMask } from './prepare.js';
import { runPgd } from './pgd.js';
import type { MaskView } from '../metrics/overlap.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export function eraseAttack(model: AttackModel, batch: AttackBatch, opts: AttackOptions): Promise<AttackResult> {
  const target = new Uint8Array(batch.batch * batch.height * batch.width);
  return runPgd(model, batch, { ...opts, target }, { name: 'erase' });
}

/** `target`: one mask for every image or one per image, at any size (resized with nearest neighbour). */
export function injectAttack(model: AttackModel, batch: AttackBatch, opts: AttackOptions & { masks: readonly MaskView[] }): Promise<AttackResult> {
  const plane = batch.height * batch.width;
  if (opts.masks.length !== 1 && opts.masks.length !== batch.batch) throw new RangeError(`Give one target mask or one per image (${batch.batch}).`);
  const target = new Uint8Array(batch.batch * plane);
  for (let b = 0; b < batch.batch; b++) target.set(resizeMask(opts.masks[opts.masks.length === 1 ? 0 : b], batch.width, batch.height), b * plane);
  return runPgd(model, batch, { ...opts, target }, { name: 'inject' });
}
