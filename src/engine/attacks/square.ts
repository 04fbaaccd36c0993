/**
 * Square Attack, L∞ — Andriushchenko, Croce, Flammarion & Hein, "Square Attack: a query-efficient
 * black-box adversarial attack via random search", ECCV 2020, arXiv:1912.00049.
 *
 * Threat model: score-based black box; needs only logits (no gradients), so it attacks any model,
 * including those the autodiff pass cannot differentiate, and checks PGD for gradient masking.
 * Defaults: ε = 8/255, budget.steps = queries per image (1 query = 1 forward), p_init = 0.05 (fraction
 * of pixels in the first squares, halved on the paper's schedule), random search accepting a square only
 * when the loss (DiceCE vs reference, or −loss vs target) rises. Every candidate is quantised to the
 * lattice inside the ε-ball before it is scored, so the attack optimises exactly what is stored.
 * Shapes: AttackBatch [B,C,H,W] in [0,1] at model size; result images in [0,1], on the lattice.
 * Example (run by tests/engine/attacks/square.test.ts):
 *   const r = await squareAttack(model, batch, { budget: makeBudget({ eps: 8/255, steps: 300 }), loss, seed: 0 });
 */
import { createRng } from '../metrics/random.js';
import { latticeSteps, normOf, quantiseLinfValue } from './budget.js';
import { defaultCriterion, finishAttack, predict } from './evaluate.js';
import { attackLoss } from './losses.js';
import type { AttackModel } from './model.js';
import { masksFromLogits } from './prepare.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export interface SquareOptions extends AttackOptions {
  /** Fraction of the image's pixels in the first squares (paper: 0.05 for L∞). */
  pInit?: number;
}

/** The paper's schedule: p halves at fixed fractions of a 10 000-query budget, rescaled to `total`. */
export function squareFraction(pInit: number, query: number, total: number): number {
  const it = Math.floor((query / total) * 10000);
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let k = 0;
  while (k < bounds.length && it > bounds[k]) k++;
  return pInit / 2 ** k;
}

export async function squareAttack(model: AttackModel, batch: AttackBatch, opts: SquareOptions): Promise<AttackResult> {
  const started = performance.now();
  const { budget } = opts;
  if (budget.norm !== 'linf') throw new RangeError('The Square attack here is the L∞ version; use norm linf.');
  const { norm } = normOf(budget, model.std, batch.channels);
  const { batch: B, channels: C, height: H, width: W } = batch;
  const plane = H * W;
  const per = C * plane;
  const targeted = !!opts.target;
  const lossMask = opts.target ?? batch.reference;
  const criterion = opts.criterion ?? defaultCriterion(opts.target);
  const pInit = opts.pInit ?? 0.05;
  const cleanLogits = await predict(model, batch, batch.x);
  const cleanMask = masksFromLogits(cleanLogits, model.threshold);

  const bestX = new Float32Array(batch.x);
  const bestLoss = new Float64Array(B).fill(-Infinity);
  const bestTrace: number[][] = [];
  let queries = 0;

  const levels = opts.quantise === false ? 0 : batch.levels;
  const steps = norm.eps.map((e) => latticeSteps(e, levels));
  const all = Array.from({ length: B }, (_, b) => b);
  const view = (d: Uint8Array, i: number) => ({ width: W, height: H, data: d.subarray(i * plane, (i + 1) * plane) });
  const score = async (x: Float32Array, idx: number[]): Promise<{ loss: Float64Array; logits: Float32Array }> => {
    const prompts = batch.prompts.length === 1 ? batch.prompts : idx.map((i) => batch.prompts[i]);
    const logits = await predict(model, { ...batch, batch: idx.length, prompts }, x);
    const mask = new Uint8Array(idx.length * plane);
    idx.forEach((b, k) => mask.set(lossMask.subarray(b * plane, (b + 1) * plane), k * plane));
    queries += idx.length;
    return { loss: attackLoss(opts.loss, { logits, mask, batch: idx.length, targeted, threshold: model.threshold }), logits };
  };

  for (let r = 0; r < budget.restarts; r++) {
    const rng = createRng((opts.seed + r * 0x9e3779b1) >>> 0);
    // start: vertical stripes of ±ε per channel and column; each value of cur is quantise(x0 ± ε)
    const cur = new Float32Array(B * per);
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++)
        for (let x = 0; x < W; x++) {
          const v = rng.next() < 0.5 ? -norm.eps[c] : norm.eps[c];
          for (let y = 0; y < H; y++) {
            const i = b * per + c * plane + y * W + x;
            cur[i] = quantiseLinfValue(batch.x[i], batch.x[i] + v, steps[c], levels);
          }
        }
    const curLoss = (await score(cur, all)).loss;
    const done = new Array<boolean>(B).fill(false);
    const trace: number[][] = [[...curLoss]];
    for (let q = 1; q < budget.steps; q++) {
      if (opts.signal?.aborted) break;
      const active = all.filter((b) => !done[b]);
      if (active.length === 0) break;
      const p = squareFraction(pInit, q, budget.steps);
      const s = Math.min(Math.max(Math.round(Math.sqrt(p * plane)), 1), H - 1, W - 1);
      const cand = new Float32Array(active.length * per);
      active.forEach((b, k) => {
        cand.set(cur.subarray(b * per, (b + 1) * per), k * per);
        const y0 = rng.int(H - s + 1);
        const x0 = rng.int(W - s + 1);
        const signs = new Float32Array(C);
        // redraw the square's signs until the candidate differs from the current image (paper; ≤ 10 tries)
        for (let attempt = 0; attempt < 10; attempt++) {
          let differs = false;
          for (let c = 0; c < C; c++) {
            signs[c] = rng.next() < 0.5 ? -norm.eps[c] : norm.eps[c];
            for (let y = y0; y < y0 + s; y++)
              for (let x = x0; x < x0 + s; x++) {
                const j = c * plane + y * W + x;
                const v = quantiseLinfValue(batch.x[b * per + j], batch.x[b * per + j] + signs[c], steps[c], levels);
                cand[k * per + j] = v;
                differs ||= v !== cur[b * per + j];
              }
          }
          if (differs) break;
        }
      });
      const { loss, logits } = await score(cand, active);
      const masks = masksFromLogits(logits, model.threshold);
      active.forEach((b, k) => {
        if (!(loss[k] > curLoss[b])) return;
        curLoss[b] = loss[k];
        cur.set(cand.subarray(k * per, (k + 1) * per), b * per);
        if (budget.earlyStop) {
          done[b] = criterion.test({
            prediction: view(masks, k),
            reference: view(batch.reference, b),
            cleanPrediction: view(cleanMask, b),
            target: opts.target ? view(opts.target, b) : undefined,
          });
        }
      });
      trace.push([...curLoss]);
      opts.onStep?.(q, curLoss.reduce((a, v) => a + v, 0) / B);
    }
    for (let b = 0; b < B; b++) {
      if (curLoss[b] > bestLoss[b]) {
        bestLoss[b] = curLoss[b];
        bestX.set(cur.subarray(b * per, (b + 1) * per), b * per);
        trace.forEach((row, t) => ((bestTrace[t] ??= new Array<number>(B).fill(NaN))[b] = row[b]));
      }
    }
  }
  return finishAttack(model, batch, opts, bestX, { attack: 'square', raw: bestX, trace: bestTrace, iterations: queries, started, cleanLogits });
}
