import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { eraseAttack, injectAttack } from '../../../src/engine/attacks/targeted.js';
import type { AttackBatch, LossSpec } from '../../../src/engine/attacks/types.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realBatch, testAttackModel } from './helpers.js';

const loss: LossSpec = { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 };
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe.skipIf(skipWithoutData)('targeted attacks on real Kvasir-SEG images (test VLSM, 64²)', () => {
  const tmp = tempDir();
  let model: AttackModel;
  let batch: AttackBatch;
  beforeAll(async () => {
    model = await testAttackModel(tmp.path);
    batch = await realBatch(model, 'kvasir-seg', 8, 'polyp', true); // ground truth as reference
  });
  afterAll(async () => {
    await model.dispose();
    tmp.remove();
  });

  it('example from the header: erase shrinks the predicted area, within the budget', async () => {
    const r = await eraseAttack(model, batch, { budget: makeBudget({ eps: 8 / 255, alpha: 2 / 255, steps: 10 }), loss, seed: 0 });
    expect(r.targeted).toBe(true);
    expect(r.referenceKind).toBe('ground-truth');
    expect(mean(r.metrics.map((m) => m.adversarial.area))).toBeLessThan(0.5 * mean(r.metrics.map((m) => m.clean.area)));
    r.metrics.forEach((m, b) => {
      expect(m.adversarial.area).toBeLessThanOrEqual(m.clean.area);
      expect(m.perturbation.linf255).toBeLessThanOrEqual(8);
      expect(r.success[b]).toBe(m.adversarial.area <= 0.1 * m.clean.area);
    });
  });

  it('inject drives the prediction toward a given mask', async () => {
    const w = 64;
    const square = { width: w, height: w, data: Uint8Array.from({ length: w * w }, (_, i) => (i % w > 8 && i % w < 30 && i / w > 8 && i / w < 30 ? 1 : 0)) };
    const r = await injectAttack(model, batch, { budget: makeBudget({ eps: 16 / 255, alpha: 2 / 255, steps: 15 }), loss, seed: 0, masks: [square] });
    const { dice } = await import('../../../src/engine/metrics/overlap.js');
    const cleanToTarget = mean(
      Array.from({ length: batch.batch }, (_, b) => dice({ width: w, height: w, data: r.cleanMask.subarray(b * w * w, (b + 1) * w * w) }, square)),
    );
    expect(mean(r.metrics.map((m) => m.targetDice ?? 0))).toBeGreaterThan(cleanToTarget + 0.1);
  });
});
