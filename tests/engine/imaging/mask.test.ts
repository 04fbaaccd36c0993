/**
 * What counts as a mask (src/engine/imaging/mask.ts): a two-level image. Real dataset masks — also
 * after lossy JPEG re-encoding — are taken; colour photos and grey pictures are refused, never silently
 * thresholded into a ground truth (issue 14).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../../../src/engine/imaging/errors.js';
import { loadImage, loadMask } from '../../../src/engine/imaging/index.js';
import { binariseMask } from '../../../src/engine/imaging/mask.js';
import { encodePngBytes } from '../../../src/engine/imaging/png.js';
import type { RasterImage } from '../../../src/engine/imaging/types.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const raster = (w: number, h: number, channels: 1 | 3, f: (i: number, c: number) => number): RasterImage => ({
  width: w,
  height: h,
  channels,
  data: Float32Array.from({ length: w * h * channels }, (_, k) => f(Math.floor(k / channels), k % channels)),
  levels: 255,
  source: { format: 'png' },
});

describe('binariseMask', () => {
  it('a clean 0/1 grey mask: foreground where ≥ 128/255', () => {
    const m = binariseMask(raster(4, 4, 1, (i) => (i % 2 ? 1 : 0)), 'm.png');
    expect([...m.data]).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });
  it('an empty (all black) mask is a mask', () => {
    expect(binariseMask(raster(8, 8, 3, () => 0), 'm.png').data.every((v) => v === 0)).toBe(true);
  });
  it('a few mid-grey edge pixels (anti-aliasing, compression) are tolerated: 4% of pixels', () => {
    expect(() => binariseMask(raster(10, 10, 1, (i) => (i < 4 ? 0.5 : i < 50 ? 0 : 1)), 'm.png')).not.toThrow();
  });
  it('a grey picture (6% mid-grey) is refused', () => {
    expect(() => binariseMask(raster(10, 10, 1, (i) => (i < 6 ? 0.5 : 0)), 'm.png')).toThrow(/m\.png: has many grey levels \(6\.0% of its pixels are mid-grey\)/);
  });
  it('a 0/1 label map (8-bit or 16-bit) is read with every non-zero pixel as foreground', () => {
    for (const one of [1 / 255, 1 / 65535]) {
      const m = binariseMask(raster(4, 4, 1, (i) => (i < 5 ? one : 0)), 'labels.png');
      expect(Array.from(m.data)).toEqual(Array.from({ length: 16 }, (_, i) => (i < 5 ? 1 : 0)));
    }
  });
  it('an all-black mask stays empty; a multi-class label map is refused with its classes named', () => {
    expect(binariseMask(raster(4, 4, 1, () => 0), 'm.png').data.every((v) => v === 0)).toBe(true);
    expect(() => binariseMask(raster(4, 4, 1, (i) => (i % 3) / 255), 'classes.png')).toThrow(/classes\.png: is a label map with 2 classes \(values 1, 2\)/);
  });
  it('a colour image (2% coloured pixels) is refused; 1% is tolerated', () => {
    const red = (n: number) => raster(10, 10, 3, (i, c) => (i < n ? (c === 0 ? 1 : 0) : 0));
    expect(() => binariseMask(red(1), 'm.png')).not.toThrow();
    expect(() => binariseMask(red(2), 'm.png')).toThrow(ImageDecodeError);
    expect(() => binariseMask(red(2), 'm.png')).toThrow(/is a colour image/);
  });
});

describe.skipIf(skipWithoutData)('real files', () => {
  const id = 'cju0qkwl35piu0993l0dewei2';
  it('a Kvasir-SEG image given as a mask is refused', async () => {
    await expect(loadMask(dataPath('kvasir-seg', 'images', `${id}.jpg`))).rejects.toThrow(/is a colour image|has many grey levels/);
  });
  it('a BUSI ultrasound image (grey) given as a mask is refused', async () => {
    await expect(loadMask(dataPath('busi', 'images', 'benign_1.png'))).rejects.toThrow(/has many grey levels/);
  });
  it('its mask, also re-saved as JPEG quality 30, is taken and agrees with the PNG on ≥ 99% of pixels', async () => {
    const png = await loadMask(dataPath('kvasir-seg', 'masks', `${id}.png`));
    const img = await loadImage(dataPath('kvasir-seg', 'masks', `${id}.png`));
    const rgba = Buffer.alloc(img.width * img.height * 4);
    for (let i = 0; i < img.width * img.height; i++) rgba.fill(Math.round(img.data[i * img.channels] * 255), i * 4, i * 4 + 3), (rgba[i * 4 + 3] = 255);
    const file = join(tmp.path, 'mask.jpg');
    writeFileSync(file, jpeg.encode({ data: rgba, width: img.width, height: img.height }, 30).data);
    const fromJpeg = await loadMask(file);
    let same = 0;
    for (let i = 0; i < png.data.length; i++) if (png.data[i] === fromJpeg.data[i]) same++;
    expect(same / png.data.length).toBeGreaterThanOrEqual(0.99);
  });
  it('its mask saved as a 0/1 label map loads to the same mask as the 0/255 PNG', async () => {
    const png = await loadMask(dataPath('kvasir-seg', 'masks', `${id}.png`));
    const file = join(tmp.path, 'labels.png');
    writeFileSync(file, encodePngBytes(png.width, png.height, 1, png.data, 1)); // samples 0 and 1
    const labels = await loadMask(file);
    expect(png.data.some((v) => v === 1)).toBe(true);
    expect(Buffer.from(labels.data).equals(Buffer.from(png.data))).toBe(true);
  });
});
