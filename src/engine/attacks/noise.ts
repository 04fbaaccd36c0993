/**
 * Uniform random noise of the same budget — the control every attack is compared with: if random
 * noise hurts about as much as PGD, the "attack" measures noise sensitivity, not adversarial fragility.
 *
 * Threat model: none (no model access). L∞: δ ~ U[−ε, ε] per value; L2: a random direction with
 * ‖δ‖₂ = ε. Restarts draw fresh noise and keep, per image, the draw with the highest loss (so more
 * restarts give a best-of-N random search). Clipped to [0,1] and quantised like every attack.
 * Example (run by tests/engine/attacks/noise.test.ts):
 *   const r = await uniformNoise(model, batch, { budget: makeBudget({ eps: 8/255 }), loss, seed: 0 });
 */
import { createRng } from '../metrics/random.js';
import { normOf } from './budget.js';
import { finishAttack, predict } from './evaluate.js';
import { attackLoss } from './losses.js';
import type { AttackModel } from './model.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export async function uniformNoise(model: AttackModel, batch: AttackBatch, opts: AttackOptions): Promise<AttackResult> {
  const started = performance.now();
  const { norm } = normOf(opts.budget, model.std, batch.channels);
  const shape = { batch: batch.batch, channels: batch.channels, height: batch.height, width: batch.width };
  const per = batch.channels * batch.height * batch.width;
  const best = new Float32Array(batch.x);
  const bestRaw = new Float32Array(batch.x);
  const bestLoss = new Float64Array(batch.batch).fill(-Infinity);
  const trace: number[][] = [];
  for (let r = 0; r < opts.budget.restarts; r++) {
    const rng = createRng((opts.seed + r * 0x9e3779b1) >>> 0);
    let delta = norm.randomStart(rng, shape);
    if (norm.kind === 'l2') {
      // on the sphere, not inside the ball: the full budget is spent
      const scaled = Float32Array.from(delta, (v) => v * 1e6);
      norm.project(scaled, shape);
      delta = scaled;
    }
    const raw = Float32Array.from(batch.x, (v, i) => Math.min(1, Math.max(0, v + delta[i])));
    const q = norm.quantise(batch.x, raw, opts.quantise === false ? 0 : batch.levels, shape);
    const loss = attackLoss(opts.loss, { logits: await predict(model, batch, q), mask: opts.target ?? batch.reference, batch: batch.batch, targeted: !!opts.target, threshold: model.threshold });
    trace.push([...loss]);
    for (let b = 0; b < batch.batch; b++) {
      if (loss[b] <= bestLoss[b]) continue;
      bestLoss[b] = loss[b];
      best.set(q.subarray(b * per, (b + 1) * per), b * per);
      bestRaw.set(raw.subarray(b * per, (b + 1) * per), b * per);
    }
  }
  return finishAttack(model, batch, opts, best, { attack: 'uniform-noise', raw: bestRaw, trace, iterations: opts.budget.restarts * batch.batch, started });
}
