/**
 * APGD: the checkpoint schedule, the algorithm on a gradient source with a known optimum (no model: the
 * interface the stored-domain attacks reuse), and on real Kvasir-SEG images with the test VLSM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apgd, apgdCheckpoints, apgdRun, stageSteps } from '../../../src/engine/attacks/apgd.js';
import { BestIterate } from '../../../src/engine/attacks/best-iterate.js';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import type { GradientSource } from '../../../src/engine/attacks/gradient-source.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { pgd } from '../../../src/engine/attacks/pgd.js';
import type { AttackBatch, LossSpec } from '../../../src/engine/attacks/types.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realBatch, testAttackModel } from './helpers.js';

const loss: LossSpec = { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 };
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('APGD schedule and optimiser', () => {
  it('checkpoints follow p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)', () => {
    // 100 iterations: 22, 41 (0.22 + 0.19), 57 (+0.16), 70 (+0.13), 80 (+0.10), 87 (+0.07), 93, 99
    expect(apgdCheckpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
    expect(stageSteps(20, 3)).toEqual([6, 6, 8]);
    expect(stageSteps(20, 1)).toEqual([20]);
  });

  it('on a concave objective with its maximum outside the ball, the L∞ and L2 runs end at the projection of the maximiser', async () => {
    // f(x) = −Σ (x − c)², c = x0 + 0.3 in every value: the best point of the ε-ball is x0 + ε (L∞) or
    // x0 + ε/√n (L2, along the diagonal); one image of 1×4×4.
    const n = 16;
    const x0 = new Float32Array(n).fill(0.4);
    const c = Float32Array.from(x0, (v) => v + 0.3);
    const source: GradientSource = {
      threshold: 0.5,
      async gradient(x) {
        return { grad: Float32Array.from(x, (v, i) => -2 * (v - c[i])), loss: Float64Array.of(-x.reduce((s, v, i) => s + (v - c[i]) ** 2, 0)), logits: new Float32Array(n) };
      },
      logits: async () => new Float32Array(n),
    };
    for (const [norm, eps, expected] of [['linf', 0.05, 0.45], ['l2', 0.2, 0.4 + 0.2 / 4]] as const) {
      const tracker = new BestIterate({ batch: 1, per: n, width: 4, height: 4, mask: new Uint8Array(n), targeted: false, threshold: 0.5, loss }, x0);
      const run = await apgdRun(source, { x0, shape: { batch: 1, channels: 1, height: 4, width: 4 }, levels: 0, budget: makeBudget({ norm, eps, steps: 30 }), std: [1, 1, 1], loss, seed: 0, restart: 0, tracker });
      expect(run.iterations).toBe(30);
      // the objective never ends below its start and reaches the constrained maximum
      expect(run.trace[29][0]).toBeGreaterThanOrEqual(run.trace[0][0]);
      const final = Math.max(...run.trace.map((r) => r[0]));
      expect(final).toBeCloseTo(-n * (0.7 - expected) ** 2, 4);
    }
  });
});

describe.skipIf(skipWithoutData)('APGD on 8 real Kvasir-SEG images (test VLSM, 64²)', () => {
  const tmp = tempDir();
  let model: AttackModel;
  let batch: AttackBatch;
  beforeAll(async () => {
    model = await testAttackModel(tmp.path);
    batch = await realBatch(model, 'kvasir-seg', 8, 'polyp');
  });
  afterAll(async () => {
    await model.dispose();
    tmp.remove();
  });

  it('L∞: inside the budget and on the lattice, lowers Dice, records the kept step; the same seed repeats bit for bit', async () => {
    const opts = { budget: makeBudget({ eps: 4 / 255, steps: 15 }), loss, seed: 0 };
    const r = await apgd(model, batch, opts);
    expect(r.attack).toBe('apgd');
    expect(r.selection).toBe('best-iterate');
    expect(r.iterations).toBe(15);
    for (const m of r.metrics) expect(m.perturbation.linf255).toBeLessThanOrEqual(4);
    expect(r.adversarial.every((v) => v === Math.fround(Math.round(v * 255) / 255))).toBe(true);
    expect(r.kept!.every((k) => k.step >= 0 && k.step <= 15)).toBe(true);
    expect(mean(r.metrics.map((m) => m.adversarial.dice))).toBeLessThan(0.85);
    const again = await apgd(model, batch, opts);
    expect(again.adversarial).toEqual(r.adversarial);
    // step-size free APGD-15 is no weaker than PGD-15 with a hand-picked α on average (same loss)
    const p = await pgd(model, batch, { ...opts, budget: makeBudget({ eps: 4 / 255, alpha: 1 / 255, steps: 15 }) });
    console.log(`APGD-15 mean Dice ${mean(r.metrics.map((m) => m.adversarial.dice)).toFixed(4)}, PGD-15 ${mean(p.metrics.map((m) => m.adversarial.dice)).toFixed(4)}`);
    expect(mean(r.metrics.map((m) => m.adversarial.dice))).toBeLessThanOrEqual(mean(p.metrics.map((m) => m.adversarial.dice)) + 0.05);
  });

  it('L2 with a segmentation loss and progressive radius reduction keeps ‖δ‖₂ ≤ ε', async () => {
    const r = await apgd(model, batch, { budget: makeBudget({ norm: 'l2', eps: 1, steps: 10 }), loss: { ...loss, kind: 'masked-bce' }, seed: 1, radii: [2, 1.5, 1] });
    expect(r.attack).toBe('apgd-l2');
    for (const m of r.metrics) expect(m.perturbation.l2).toBeLessThanOrEqual(1 + 1e-6);
    // only the final stage (radius ε) yields candidates: its first iterate is step 6 (stages 3/3/4)
    expect(r.kept!.every((k) => k.step >= 6)).toBe(true);
    expect(mean(r.metrics.map((m) => m.adversarial.dice))).toBeLessThan(mean(r.metrics.map((m) => m.clean.dice)));
  });
});
