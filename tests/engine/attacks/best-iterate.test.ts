/**
 * Best iterate: the tracker's choice rule on hand-made logits, and PGD on real Kvasir-SEG images with the
 * test VLSM — the kept image is never worse for the attacker than the last iterate of the same run, and
 * the recorded step/metric are those of the returned (quantised) image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BestIterate } from '../../../src/engine/attacks/best-iterate.js';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import { predict } from '../../../src/engine/attacks/evaluate.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { pgd } from '../../../src/engine/attacks/pgd.js';
import type { AttackBatch, LossSpec } from '../../../src/engine/attacks/types.js';
import { dice } from '../../../src/engine/metrics/overlap.js';
import { masksFromLogits } from '../../../src/engine/attacks/prepare.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realBatch, testAttackModel } from './helpers.js';

const loss: LossSpec = { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 };

describe('BestIterate choice rule', () => {
  // two images of 2×2 pixels, one value per pixel (C = 1)
  const mask = Uint8Array.of(1, 1, 0, 0, 1, 0, 0, 0);
  const cfg = { batch: 2, per: 4, width: 2, height: 2, mask, targeted: false, threshold: 0.5, loss };
  const cand = (v: number) => new Float32Array(8).fill(v);
  it('keeps per image the candidate with the lowest Dice, ties to the higher loss, and records where it came from', () => {
    const t = new BestIterate(cfg, cand(0));
    // step 1: image 0 perfect (Dice 1), image 1 all wrong (Dice 0)
    t.offer(cand(0.1), cand(0.1), Float32Array.of(3, 3, -3, -3, -3, 3, 3, 3), { step: 1, restart: 0 });
    // step 2: image 0 half right (Dice 2/3), image 1 also Dice 0 but less confident (lower loss): not taken
    const better = t.offer(cand(0.2), cand(0.2), Float32Array.of(3, -3, -3, -3, -1, 1, 1, 1), { step: 2, restart: 0 });
    expect(better).toEqual([true, false]);
    expect(t.kept.map((k) => k.step)).toEqual([2, 1]);
    expect(t.metric[0]).toBeCloseTo(2 / 3, 12);
    expect(t.metric[1]).toBe(0);
    expect(t.best.subarray(0, 4).every((v) => v === Math.fround(0.2))).toBe(true);
    expect(t.best.subarray(4).every((v) => v === Math.fround(0.1))).toBe(true);
    // step 3: image 1 Dice 0 and MORE confident: the tie goes to the higher loss
    expect(t.offer(cand(0.3), cand(0.3), Float32Array.of(3, 3, -3, -3, -9, 9, 9, 9), { step: 3, restart: 1 })).toEqual([false, true]);
    expect(t.kept[1]).toEqual({ step: 3, restart: 1 });
  });
  it('targeted: Dice with the target counts up; an empty target (erase) counts the predicted area', () => {
    const target = Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0);
    const t = new BestIterate({ ...cfg, mask: target, targeted: true }, cand(0));
    expect([...t.metrics(Float32Array.of(3, 3, -3, -3, 3, 3, -3, -3))]).toEqual([-1, 0.5]);
  });
});

describe.skipIf(skipWithoutData)('best iterate in PGD on 6 real Kvasir-SEG images (test VLSM, 64²)', () => {
  const tmp = tempDir();
  let model: AttackModel;
  let batch: AttackBatch;
  beforeAll(async () => {
    model = await testAttackModel(tmp.path);
    batch = await realBatch(model, 'kvasir-seg', 6, 'polyp', true);
  });
  afterAll(async () => {
    await model.dispose();
    tmp.remove();
  });

  it('per image Dice(best) ≤ Dice(last iterate) of the same run; kept step and image are consistent', async () => {
    // a large step makes the trajectory overshoot, so the iterates differ in damage
    const budget = makeBudget({ eps: 4 / 255, alpha: 3 / 255, steps: 8 });
    const lastDice: number[] = [];
    const plane = batch.width * batch.height;
    const best = await pgd(model, batch, {
      budget,
      loss,
      seed: 0,
      onCandidate: (c) => {
        if (c.step !== 8) return;
        const masks = masksFromLogits(c.logits, model.threshold);
        for (let b = 0; b < batch.batch; b++) lastDice.push(dice({ width: batch.width, height: batch.height, data: masks.subarray(b * plane, (b + 1) * plane) }, { width: batch.width, height: batch.height, data: batch.reference.subarray(b * plane, (b + 1) * plane) }));
      },
    });
    const last = await pgd(model, batch, { budget, loss, seed: 0, bestIterate: false });
    expect(best.selection).toBe('best-iterate');
    expect(last.selection).toBe('last-iterate');
    expect(last.kept!.every((k) => k.step === 8)).toBe(true);
    expect(lastDice).toHaveLength(batch.batch);
    for (let b = 0; b < batch.batch; b++) {
      expect(best.metrics[b].adversarial.dice).toBeLessThanOrEqual(lastDice[b]);
      // α = 3/255 is a whole number of lattice steps: the last-iterate run sees the same last image
      expect(last.metrics[b].adversarial.dice).toBeCloseTo(lastDice[b], 2);
      expect(best.kept![b].step).toBeGreaterThanOrEqual(1);
      expect(best.kept![b].step).toBeLessThanOrEqual(8);
      expect(best.metrics[b].perturbation.linf255).toBeLessThanOrEqual(4);
    }
    // the returned image is the one judged: re-predicting it gives the reported Dice
    const masks = masksFromLogits(await predict(model, batch, best.adversarial), model.threshold);
    for (let b = 0; b < batch.batch; b++) {
      const v = (d: Uint8Array) => ({ width: batch.width, height: batch.height, data: d.subarray(b * plane, (b + 1) * plane) });
      expect(dice(v(masks), v(batch.reference))).toBe(best.metrics[b].adversarial.dice);
    }
    const gain = best.metrics.reduce((s, m, b) => s + lastDice[b] - m.adversarial.dice, 0) / batch.batch;
    console.log(`best vs last iterate, mean Dice gain ${gain.toFixed(4)}; kept steps ${best.kept!.map((k) => k.step).join(',')}`);
  });
});
