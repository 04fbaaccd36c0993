import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { prepareBatch } from '../../../src/engine/attacks/prepare.js';
import { promptRobustness, worstPromptAttack } from '../../../src/engine/attacks/prompts.js';
import { squareAttack } from '../../../src/engine/attacks/square.js';
import type { AttackBatch } from '../../../src/engine/attacks/types.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realItems, testAttackModel } from './helpers.js';

const VARIANTS = ['polyp', 'a polyp', 'round polyp', 'a pink round polyp in the colon', 'small polyp'];

describe.skipIf(skipWithoutData)('prompt robustness on real Kvasir-SEG images (test VLSM)', () => {
  const tmp = tempDir();
  let model: AttackModel;
  let batch: AttackBatch;
  beforeAll(async () => {
    model = await testAttackModel(tmp.path);
    batch = await prepareBatch(model, await realItems('kvasir-seg', 3, 'polyp'));
  });
  afterAll(async () => {
    await model.dispose();
    tmp.remove();
  });

  it('example from the header: scores every variant; worst is the minimum Dice, best the maximum', async () => {
    const res = await promptRobustness(model, batch, [VARIANTS]);
    expect(res).toHaveLength(3);
    for (const r of res) {
      expect(r.scores.map((s) => s.prompt)).toEqual(VARIANTS);
      expect(r.worst.dice).toBe(Math.min(...r.scores.map((s) => s.dice)));
      expect(r.best.dice).toBe(Math.max(...r.scores.map((s) => s.dice)));
      expect(r.spread).toBeCloseTo(r.best.dice - r.worst.dice, 12);
      expect(r.referenceKind).toBe('ground-truth');
    }
    // the phrasing matters for this model: some image sees different masks for different prompts
    expect(res.some((r) => r.spread > 0)).toBe(true);
  });

  it('a prompt scored alone gives the same Dice as within the variant batch', async () => {
    const [all] = await promptRobustness(model, batch, [VARIANTS]);
    const [alone] = await promptRobustness(model, batch, [[VARIANTS[3]]]);
    expect(alone.scores[0].dice).toBe(all.scores[3].dice);
  });

  it('worst prompt × attack runs the attack with each image’s worst prompt', async () => {
    const { prompts, result } = await worstPromptAttack(model, batch, [VARIANTS], squareAttack, {
      budget: makeBudget({ eps: 8 / 255, steps: 30 }),
      loss: { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 },
      seed: 0,
    });
    expect(result.attack).toBe('worst-prompt×square');
    result.metrics.forEach((m, b) => expect(m.clean.dice).toBeCloseTo(prompts[b].worst.dice, 12));
  });
});
