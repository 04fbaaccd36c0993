/** PNG and JPEG files of the real datasets, masks, and the PNG encoder round trip. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodeMaskPng, encodePng, loadImage, loadMask, toRgb, type RasterImage } from '../../../src/engine/imaging/index.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

function stats(img: RasterImage): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of img.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, max, mean: sum / img.data.length };
}

describe.skipIf(skipWithoutData)('PNG / JPEG images of the datasets', () => {
  it('Kvasir-SEG JPEG decodes to RGB in [0,1] with the size of its mask', async () => {
    const id = 'cju0qkwl35piu0993l0dewei2';
    const img = await loadImage(dataPath('kvasir-seg', 'images', `${id}.jpg`));
    expect(img.channels).toBe(3);
    expect(img.levels).toBe(255);
    expect(img.source.format).toBe('jpeg');
    expect(img.data.length).toBe(img.width * img.height * 3);
    const s = stats(img);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThanOrEqual(1);
    expect(s.max - s.min).toBeGreaterThan(0.5);
    const mask = await loadMask(dataPath('kvasir-seg', 'masks', `${id}.png`));
    expect([mask.width, mask.height]).toEqual([img.width, img.height]);
    expect(mask.data.every((v) => v === 0 || v === 1)).toBe(true);
    expect(mask.data.some((v) => v === 1)).toBe(true);
  });

  it('BUSI grey PNG stays one channel, values on the 1/255 lattice', async () => {
    const img = await loadImage(dataPath('busi', 'images', 'benign_1.png'));
    expect(img.channels).toBe(1);
    expect(img.levels).toBe(255);
    for (let i = 0; i < img.data.length; i += 97) expect(Math.abs(img.data[i] * 255 - Math.round(img.data[i] * 255))).toBeLessThan(1e-4);
    const rgb = toRgb(img);
    expect(rgb.channels).toBe(3);
    expect([rgb.data[0], rgb.data[1], rgb.data[2]]).toEqual([img.data[0], img.data[0], img.data[0]]);
    const mask = await loadMask(dataPath('busi', 'masks', 'benign_1.png'));
    expect(mask.data.some((v) => v === 1)).toBe(true);
  });

  it('PH2 RGB PNG decodes to three channels', async () => {
    const img = await loadImage(dataPath('ph2', 'images', 'IMD002.png'));
    expect(img.channels).toBe(3);
    expect(img.source.format).toBe('png');
    const mask = await loadMask(dataPath('ph2', 'masks', 'IMD002.png'));
    expect([mask.width, mask.height]).toEqual([img.width, img.height]);
    const ones = mask.data.reduce((s, v) => s + v, 0);
    expect(ones).toBeGreaterThan(0);
    expect(ones).toBeLessThan(mask.data.length);
  });

  it('the format comes from magic bytes, not the file name', async () => {
    const bytes = readFileSync(dataPath('kvasir-seg', 'images', 'cju0qkwl35piu0993l0dewei2.jpg'));
    const img = await loadImage(new Uint8Array(bytes));
    expect(img.source.format).toBe('jpeg');
    expect(img.source.path).toBeUndefined();
  });

  it('encodePng → loadImage is exact for 8-bit images (grey and RGB)', async () => {
    for (const p of [dataPath('busi', 'images', 'benign_1.png'), dataPath('ph2', 'images', 'IMD002.png'), dataPath('kvasir-seg', 'images', 'cju0qkwl35piu0993l0dewei2.jpg')]) {
      const img = await loadImage(p);
      const back = await loadImage(encodePng(img));
      expect(back.channels).toBe(img.channels);
      expect([back.width, back.height]).toEqual([img.width, img.height]);
      let mismatches = 0;
      for (let i = 0; i < img.data.length; i++) if (back.data[i] !== img.data[i]) mismatches++;
      expect(mismatches, p).toBe(0);
    }
  });
});

describe('PNG encoding', () => {
  it('rounds x·255 and clips to [0,1]', async () => {
    const img: RasterImage = { width: 4, height: 1, channels: 1, data: Float32Array.of(-0.5, 0.5, 1 / 255 + 0.001, 2), levels: 255, source: { format: 'png' } };
    const png = PNG.sync.read(Buffer.from(encodePng(img)));
    expect([png.data[0], png.data[4], png.data[8], png.data[12]]).toEqual([0, 128, 1, 255]);
  });

  it('mask PNG is 0/255 grey and loads back to the same mask', async () => {
    const mask = { width: 3, height: 2, data: Uint8Array.of(0, 1, 0, 1, 1, 0) };
    const bytes = encodeMaskPng(mask);
    const png = PNG.sync.read(Buffer.from(bytes));
    expect(png.colorType).toBe(0);
    expect(Array.from({ length: 6 }, (_, i) => png.data[4 * i])).toEqual([0, 255, 0, 255, 255, 0]);
    const dir = tempDir('imaging-');
    try {
      const path = join(dir.path, 'm.png');
      writeFileSync(path, bytes);
      expect(await loadMask(path)).toEqual(mask);
    } finally {
      dir.remove();
    }
  });
});
