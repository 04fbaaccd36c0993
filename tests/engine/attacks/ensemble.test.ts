/** The ensemble keeps per image the worst of its members, names the member, and skips images at the floor. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import { DEFAULT_ENSEMBLE, ensemble, largeEps, memberName, parseMembers, pickBatch } from '../../../src/engine/attacks/ensemble.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { ATTACK_KINDS, runAttackKind } from '../../../src/engine/attacks/registry.js';
import { LOSS_KINDS, type AttackBatch, type LossSpec } from '../../../src/engine/attacks/types.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realBatch, testAttackModel } from './helpers.js';

const loss: LossSpec = { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 };

describe('ensemble configuration', () => {
  it('member names round-trip; bad names are one-sentence errors', () => {
    expect(parseMembers(DEFAULT_ENSEMBLE.map(memberName).join(','), LOSS_KINDS)).toEqual(DEFAULT_ENSEMBLE);
    expect(() => parseMembers('apgd-hinge', LOSS_KINDS)).toThrow(/not <apgd\|pgd>-<loss>/);
    expect(() => parseMembers('pgd-js-prr', LOSS_KINDS)).toThrow(/APGD only/);
    expect(largeEps(makeBudget({ eps: 8 / 255 }))).toBe(true);
    expect(largeEps(makeBudget({ eps: 4 / 255 }))).toBe(false);
    expect(ATTACK_KINDS).toContain('ensemble');
  });
});

describe.skipIf(skipWithoutData)('ensemble on 6 real Kvasir-SEG images (test VLSM, 64²)', () => {
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

  it('per image never weaker than any member; reports the member; the budget holds; runs by kind name', async () => {
    const members = parseMembers('apgd-dicece,apgd-masked-bce,apgd-js,pgd-dice', LOSS_KINDS);
    const seen: { name: string; dice: Map<number, number> }[] = [];
    const r = await runAttackKind('ensemble', model, batch, {
      budget: makeBudget({ eps: 2 / 255, alpha: 0.5 / 255, steps: 6 }),
      loss,
      seed: 0,
      members,
      onMember: (name, res, images) => seen.push({ name, dice: new Map(images.map((b, j) => [b, res.metrics[j].adversarial.dice])) }),
    });
    expect(r.attack).toBe('ensemble');
    expect(seen[0].name).toBe('apgd-dicece');
    expect(seen[0].dice.size).toBe(batch.batch); // the first member sees every image
    for (let b = 0; b < batch.batch; b++) {
      const m = r.metrics[b];
      expect(m.perturbation.linf255).toBeLessThanOrEqual(2);
      for (const s of seen) if (s.dice.has(b)) expect(m.adversarial.dice).toBeLessThanOrEqual(s.dice.get(b)!);
      // the kept member found exactly the reported Dice
      const from = seen.find((s) => s.name === r.kept![b].member)!;
      expect(from.dice.get(b)).toBe(m.adversarial.dice);
      // a member skips only images already at Dice 0
      for (const s of seen) if (!s.dice.has(b)) expect(m.adversarial.dice).toBe(0);
    }
    console.log(`ensemble kept: ${r.kept!.map((k) => `${k.member}@${k.step}`).join(', ')}; Dice ${r.metrics.map((m) => m.adversarial.dice.toFixed(3)).join(', ')}`);
  });

  it('pickBatch takes the given images in order', () => {
    const sub = pickBatch(batch, [4, 1]);
    const per = batch.channels * batch.width * batch.height;
    expect(sub.batch).toBe(2);
    expect(sub.ids).toEqual([batch.ids![4], batch.ids![1]]);
    expect(sub.x.subarray(0, per)).toEqual(batch.x.subarray(4 * per, 5 * per));
  });
});
