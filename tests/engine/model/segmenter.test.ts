import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSegmenter, loadModelPackage, type Segmenter } from '../../../src/engine/model/index.js';
import { seededRandom, writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir();
let seg: Segmenter;

function noiseImage(width: number, height: number, channels: 1 | 3, seed: number) {
  const rand = seededRandom(seed);
  return { width, height, channels, data: Float32Array.from({ length: width * height * channels }, rand) };
}

beforeAll(async () => {
  seg = await createSegmenter(await loadModelPackage(writeTestVlsm(join(tmp.path, 'm'))), { provider: 'auto', threads: 1 });
});
afterAll(async () => {
  await seg.dispose();
  tmp.remove();
});

describe('segmenter on the generated test VLSM', () => {
  it('reports the execution provider it chose (CPU here, as no CUDA provider is installed)', () => {
    expect(seg.provider).toBe('cpu');
  });
  it('returns masks at each image’s own size, with probabilities in (0,1)', async () => {
    const [a, b] = await seg.segment([noiseImage(97, 53, 3, 1), noiseImage(40, 120, 1, 2)], ['polyp']);
    expect([a.mask.width, a.mask.height, a.mask.data.length]).toEqual([97, 53, 97 * 53]);
    expect([b.mask.width, b.mask.height]).toEqual([40, 120]);
    expect(a.probabilities.every((p) => p > 0 && p < 1)).toBe(true);
    expect(Array.from(a.mask.data).every((v, i) => v === (a.probabilities[i] > 0.5 ? 1 : 0))).toBe(true);
  });
  it('a batch gives the same result as one image at a time', async () => {
    const imgs = [noiseImage(64, 64, 3, 3), noiseImage(80, 70, 3, 4)];
    const batch = await seg.segment(imgs, ['left lung', 'a polyp']);
    const single = [await seg.segment([imgs[0]], ['left lung']), await seg.segment([imgs[1]], ['a polyp'])];
    for (let i = 0; i < 2; i++) {
      const d = batch[i].probabilities.reduce((m, p, j) => Math.max(m, Math.abs(p - single[i][0].probabilities[j])), 0);
      expect(d).toBeLessThan(1e-5);
    }
  });
  it('the text matters: different prompts give different logits for the same image', async () => {
    const img = noiseImage(64, 64, 3, 5);
    const [a] = await seg.segment([img], ['left lung']);
    const [b] = await seg.segment([img], ['skin lesion']);
    const diff = a.probabilities.reduce((m, p, j) => Math.max(m, Math.abs(p - b.probabilities[j])), 0);
    expect(diff).toBeGreaterThan(1e-3);
  });
  it('is deterministic', async () => {
    const img = noiseImage(50, 50, 3, 6);
    const [a] = await seg.segment([img], ['polyp']);
    const [b] = await seg.segment([img], ['polyp']);
    expect(b.probabilities).toEqual(a.probabilities);
  });
  it('a prompt count that matches neither 1 nor the batch is an error', async () => {
    await expect(seg.segment([noiseImage(8, 8, 3, 7), noiseImage(8, 8, 3, 8), noiseImage(8, 8, 3, 9)], ['a', 'b'])).rejects.toThrow(
      /2 prompts for 3 images/,
    );
  });
});
