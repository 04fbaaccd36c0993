import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import { cosPgd } from '../../../src/engine/attacks/cospgd.js';
import { fgsm } from '../../../src/engine/attacks/fgsm.js';
import { createAttackModel, type AttackModel } from '../../../src/engine/attacks/model.js';
import { uniformNoise } from '../../../src/engine/attacks/noise.js';
import { pgd } from '../../../src/engine/attacks/pgd.js';
import { sliceBatch } from '../../../src/engine/attacks/prepare.js';
import { segPgd } from '../../../src/engine/attacks/segpgd.js';
import type { AttackBatch, AttackResult, LossSpec } from '../../../src/engine/attacks/types.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realBatch, testAttackModel } from './helpers.js';

const loss: LossSpec = { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 };
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const advDice = (r: AttackResult) => mean(r.metrics.map((m) => m.adversarial.dice));

function expectStorable(r: AttackResult, linf255: number): void {
  for (const m of r.metrics) expect(m.perturbation.linf255).toBeLessThanOrEqual(linf255);
  const off = r.adversarial.findIndex((v) => !(v >= 0 && v <= 1) || v !== Math.fround(Math.round(v * 255) / 255));
  expect(off, 'every value in [0,1] and exactly k/255').toBe(-1);
}

describe.skipIf(skipWithoutData)('gradient attacks on 20 real Kvasir-SEG images (test VLSM, 64²)', () => {
  const tmp = tempDir();
  let model: AttackModel;
  let batch: AttackBatch;
  beforeAll(async () => {
    model = await testAttackModel(tmp.path);
    batch = await realBatch(model, 'kvasir-seg', 20, 'polyp'); // reference: the clean prediction
  });
  afterAll(async () => {
    await model.dispose();
    tmp.remove();
  });

  it('example from the header: PGD-40 hurts at least as much as FGSM at the same ε, inside the budget', async () => {
    const f = await fgsm(model, batch, { budget: makeBudget({ eps: 8 / 255 }), loss, seed: 0 });
    const p = await pgd(model, batch, { budget: makeBudget({ eps: 8 / 255, alpha: 2 / 255, steps: 40 }), loss, seed: 0 });
    expect(advDice(p)).toBeLessThanOrEqual(advDice(f));
    expect(advDice(f)).toBeLessThan(0.9);
    expectStorable(f, 8);
    expectStorable(p, 8);
    expect(p.trace).toHaveLength(40);
    expect(p.iterations).toBe(40);
    expect(p.gradientMode).not.toBeNull();
    // the loss the attack ascends grows from the first to the last step on average
    expect(mean(p.trace[39])).toBeGreaterThan(mean(p.trace[0]));
    console.log(`PGD-40 on ${batch.batch} images: ${p.ms.toFixed(0)} ms, gradients ${p.gradientMode}; FGSM ${f.ms.toFixed(0)} ms`);
  });

  it('Dice is non-increasing in ε on average, and uniform noise of the same ε hurts far less', async () => {
    const eps = [1, 2, 4, 8, 16];
    const dices: number[] = [];
    for (const k of eps) {
      const r = await pgd(model, batch, { budget: makeBudget({ eps: k / 255, alpha: k / 255 / 4, steps: 10 }), loss, seed: 0 });
      expectStorable(r, k);
      dices.push(advDice(r));
    }
    for (let i = 1; i < dices.length; i++) expect(dices[i]).toBeLessThanOrEqual(dices[i - 1]);
    const noise = await uniformNoise(model, batch, { budget: makeBudget({ eps: 8 / 255 }), loss, seed: 0 });
    expectStorable(noise, 8);
    expect(1 - advDice(noise)).toBeLessThan(0.25 * (1 - dices[3]));
  });

  it('the same seed reproduces bit-identical results with random start and restarts', async () => {
    const opts = { budget: makeBudget({ eps: 8 / 255, steps: 3, restarts: 2, randomStart: true }), loss, seed: 11 };
    const small = sliceBatch(batch, 0, 4);
    const a = await pgd(model, small, opts);
    const b = await pgd(model, small, opts);
    const c = await pgd(model, small, { ...opts, seed: 12 });
    expect(Buffer.from(a.adversarial.buffer).equals(Buffer.from(b.adversarial.buffer))).toBe(true);
    expect(a.trace).toEqual(b.trace);
    expect(Buffer.from(a.adversarial.buffer).equals(Buffer.from(c.adversarial.buffer))).toBe(false);
    expect(a.iterations).toBe(6);
  });

  it('the fused step graph and the JavaScript step give the same attack', async () => {
    const unfused = await createAttackModel(model.pkg, { provider: 'cpu', threads: 1, fusedStep: false });
    try {
      const small = sliceBatch(batch, 0, 4);
      const opts = { budget: makeBudget({ eps: 8 / 255, steps: 5 }), loss, seed: 0 };
      const a = await pgd(model, small, opts);
      const b = await pgd(unfused, small, opts);
      expect(a.gradientMode).toBe('fused');
      expect(b.gradientMode).toBe('unfused');
      // float32 rounding of x ± α can differ in the last bit; after quantisation nearly every value agrees
      const same = a.adversarial.reduce((n, v, i) => n + (v === b.adversarial[i] ? 1 : 0), 0);
      expect(same / a.adversarial.length).toBeGreaterThan(0.99);
    } finally {
      await unfused.dispose();
    }
  });

  it('PGD-L2 keeps ‖δ‖₂ ≤ ε after quantisation and lowers Dice', async () => {
    const small = sliceBatch(batch, 0, 6);
    const r = await pgd(model, small, { budget: makeBudget({ norm: 'l2', eps: 1, alpha: 0.25, steps: 10 }), loss, seed: 0 });
    expect(r.attack).toBe('pgd-l2');
    for (const m of r.metrics) expect(m.perturbation.l2).toBeLessThanOrEqual(1 + 1e-9);
    expect(advDice(r)).toBeLessThan(0.95);
  });

  it('SegPGD and CosPGD lower Dice within the budget', async () => {
    const small = sliceBatch(batch, 0, 6);
    const budget = makeBudget({ eps: 8 / 255, alpha: 2 / 255, steps: 10 });
    for (const attack of [segPgd, cosPgd]) {
      const r = await attack(model, small, { budget, loss, seed: 0 });
      expectStorable(r, 8);
      expect(advDice(r)).toBeLessThan(0.9);
    }
  });

  it('success is the criterion on the quantised prediction; pre-quantisation figures are reported beside', async () => {
    const r = await pgd(model, sliceBatch(batch, 0, 6), { budget: makeBudget({ eps: 8 / 255, steps: 10 }), loss, seed: 0 });
    r.metrics.forEach((m, b) => {
      expect(r.success[b]).toBe(m.clean.dice > 0 && m.adversarial.dice <= 0.5 * m.clean.dice);
      expect(m.preQuantisation.dice).toBeGreaterThanOrEqual(0);
      expect(m.psnr).toBeGreaterThan(30);
      expect(m.ssim).toBeLessThan(1);
    });
  });

  it('normalised units (the paper’s convention) give a per-channel budget of ε·std', async () => {
    const r = await fgsm(model, sliceBatch(batch, 0, 4), { budget: makeBudget({ eps: 0.1, units: 'normalised' }), loss, seed: 0 });
    const std = model.std;
    const plane = batch.width * batch.height;
    for (let b = 0; b < 4; b++)
      for (let c = 0; c < 3; c++) {
        let worst = 0;
        for (let i = 0; i < plane; i++) {
          const k = (b * 3 + c) * plane + i;
          worst = Math.max(worst, Math.round(Math.abs(r.adversarial[k] - batch.x[k]) * 255));
        }
        expect(worst).toBeLessThanOrEqual(Math.floor(0.1 * std[c] * 255));
      }
  });
});
