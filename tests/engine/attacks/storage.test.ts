/** What is stored is what was reported: adversarial PNGs re-read through the ordinary segment path. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { pgd } from '../../../src/engine/attacks/pgd.js';
import { batchImage } from '../../../src/engine/attacks/prepare.js';
import type { AttackResult, LossSpec } from '../../../src/engine/attacks/types.js';
import { encodePng, loadImage } from '../../../src/engine/imaging/index.js';
import { perturbationNorms } from '../../../src/engine/metrics/perturbation.js';
import { createSegmenter } from '../../../src/engine/model/segmenter.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realBatch, testAttackModel } from './helpers.js';

const loss: LossSpec = { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 };

async function expectRereadMatches(model: AttackModel, r: AttackResult, batch: Parameters<typeof batchImage>[1] & { batch: number; prompts: readonly string[]; x: Float32Array }): Promise<void> {
  const seg = await createSegmenter(model.pkg, { provider: 'cpu', threads: 1 });
  try {
    const plane = batch.width * batch.height;
    for (let b = 0; b < batch.batch; b++) {
      const png = encodePng({ ...batchImage(r.adversarial, batch, b), levels: 255, source: { format: 'png' } });
      const cleanPng = encodePng({ ...batchImage(batch.x, batch, b), levels: 255, source: { format: 'png' } });
      const img = await loadImage(png);
      const clean = await loadImage(cleanPng);
      expect(img.channels).toBe(batch.channels);
      // the budget can be verified from the two PNGs alone
      expect(perturbationNorms(clean.data, img.data).linf255).toBe(r.metrics[b].perturbation.linf255);
      const [res] = await seg.segment([img], [batch.prompts.length === 1 ? batch.prompts[0] : batch.prompts[b]]);
      expect(Buffer.from(res.mask.data).equals(Buffer.from(r.adversarialMask.subarray(b * plane, (b + 1) * plane)))).toBe(true);
    }
  } finally {
    await seg.dispose();
  }
}

describe.skipIf(skipWithoutData)('adversarial images survive saving (test VLSM, 64²)', () => {
  const tmp = tempDir();
  let model: AttackModel;
  beforeAll(async () => {
    model = await testAttackModel(tmp.path);
  });
  afterAll(async () => {
    await model.dispose();
    tmp.remove();
  });

  it('RGB (Kvasir-SEG): the re-read adversarial PNG gives the reported prediction', async () => {
    const batch = await realBatch(model, 'kvasir-seg', 3, 'polyp', true);
    const r = await pgd(model, batch, { budget: makeBudget({ eps: 8 / 255, steps: 5 }), loss, seed: 0 });
    await expectRereadMatches(model, r, batch);
  });

  it('grey (chest X-ray): one perturbation for the three planes, stored as a grey PNG', async () => {
    const batch = await realBatch(model, 'cxr-lungs', 3, 'lungs', true);
    expect(batch.channels).toBe(1);
    const r = await pgd(model, batch, { budget: makeBudget({ eps: 8 / 255, steps: 5 }), loss, seed: 0 });
    expect(r.adversarial.length).toBe(3 * 64 * 64);
    expect(r.gradientMode).toBe('fused'); // the model graph is fused; the grey step itself runs in JS
    for (const m of r.metrics) expect(m.perturbation.linf255).toBeLessThanOrEqual(8);
    expect(r.metrics.some((m) => m.perturbation.linf255 === 8)).toBe(true);
    await expectRereadMatches(model, r, batch);
  });
});
