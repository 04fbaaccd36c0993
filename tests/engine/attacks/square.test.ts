import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import { diceBelow } from '../../../src/engine/attacks/criteria.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { uniformNoise } from '../../../src/engine/attacks/noise.js';
import { squareAttack, squareFraction } from '../../../src/engine/attacks/square.js';
import type { AttackBatch, LossSpec } from '../../../src/engine/attacks/types.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realBatch, testAttackModel } from './helpers.js';

const loss: LossSpec = { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 };
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('squareFraction', () => {
  it('halves p on the paper’s schedule, rescaled to the query budget', () => {
    expect(squareFraction(0.05, 1, 10000)).toBe(0.05);
    expect(squareFraction(0.05, 11, 10000)).toBe(0.025);
    expect(squareFraction(0.05, 9000, 10000)).toBe(0.05 / 512);
    expect(squareFraction(0.05, 50, 100)).toBe(0.05 / 128); // 50/100 of the budget = query 5000 ∈ (4000, 6000]
  });
});

describe.skipIf(skipWithoutData)('Square attack on real Kvasir-SEG images (test VLSM, 64²)', () => {
  const tmp = tempDir();
  let model: AttackModel;
  let batch: AttackBatch;
  beforeAll(async () => {
    model = await testAttackModel(tmp.path);
    batch = await realBatch(model, 'kvasir-seg', 6, 'polyp');
  });
  afterAll(async () => {
    await model.dispose();
    tmp.remove();
  });

  it('example from the header: reduces Dice within the budget, gradient-free, far more than noise', async () => {
    const budget = makeBudget({ eps: 8 / 255, steps: 150 });
    const r = await squareAttack(model, batch, { budget, loss, seed: 0 });
    const noise = await uniformNoise(model, batch, { budget, loss, seed: 0 });
    const clean = mean(r.metrics.map((m) => m.clean.dice));
    const adv = mean(r.metrics.map((m) => m.adversarial.dice));
    expect(clean).toBe(1); // reference = clean prediction
    expect(adv).toBeLessThan(clean - 0.05);
    expect(adv).toBeLessThan(mean(noise.metrics.map((m) => m.adversarial.dice)));
    expect(r.gradientMode).toBeNull();
    expect(model.counts.gradient).toBe(0);
    for (const m of r.metrics) expect(m.perturbation.linf255).toBeLessThanOrEqual(8);
    for (const v of r.adversarial) expect(v * 255).toBeCloseTo(Math.round(v * 255), 3);
    // random search only accepts improvements
    for (let b = 0; b < batch.batch; b++) for (let t = 1; t < r.trace.length; t++) expect(r.trace[t][b]).toBeGreaterThanOrEqual(r.trace[t - 1][b]);
    expect(r.iterations).toBe(150 * batch.batch);
  });

  it('the same seed reproduces bit-identical images; another seed differs', async () => {
    const budget = makeBudget({ eps: 4 / 255, steps: 20 });
    const a = await squareAttack(model, batch, { budget, loss, seed: 7 });
    const b = await squareAttack(model, batch, { budget, loss, seed: 7 });
    const c = await squareAttack(model, batch, { budget, loss, seed: 8 });
    expect(Buffer.from(a.adversarial.buffer).equals(Buffer.from(b.adversarial.buffer))).toBe(true);
    expect(Buffer.from(a.adversarial.buffer).equals(Buffer.from(c.adversarial.buffer))).toBe(false);
    expect(a.seed).toBe(7);
  });

  it('early stop ends images once the criterion holds, and success then holds after quantisation', async () => {
    const r = await squareAttack(model, batch, { budget: makeBudget({ eps: 16 / 255, steps: 200, earlyStop: true }), loss, seed: 0, criterion: diceBelow(0.97) });
    expect(r.iterations).toBeLessThan(200 * batch.batch);
    r.metrics.forEach((m, b) => expect(r.success[b]).toBe(m.adversarial.dice < 0.97));
    expect(r.success.some(Boolean)).toBe(true);
  });
});
