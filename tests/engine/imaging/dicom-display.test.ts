/** Display pipeline maths on hand-built DICOM: rescale, BitsStored masking, VOI windows, MONOCHROME1, colour. */
import { describe, expect, it } from 'vitest';
import { decodeDicom, loadImage, minMaxWindow, windowValue } from '../../../src/engine/imaging/index.js';
import { buildDicom, u16le } from './build-dicom.js';

const close = (a: ArrayLike<number>, b: number[]): void => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 5));
};

describe('VOI window (PS3.3 C.11.2.1.2)', () => {
  it('LINEAR: c=0, w=101 maps ≤ −50.5 to 0, > 49.5 to 1, linear between', () => {
    const win = { center: 0, width: 101 };
    expect(windowValue(-50.5, win)).toBe(0);
    expect(windowValue(-50, win)).toBeCloseTo(0.005, 10);
    expect(windowValue(0, win)).toBeCloseTo(0.505, 10);
    expect(windowValue(49.5, win)).toBeCloseTo(1, 10);
    expect(windowValue(50, win)).toBe(1);
  });
  it('LINEAR with width 1 is a threshold at c − ½', () => {
    expect(windowValue(9.5, { center: 10, width: 1 })).toBe(0);
    expect(windowValue(9.6, { center: 10, width: 1 })).toBe(1);
  });
  it('LINEAR_EXACT and SIGMOID', () => {
    expect(windowValue(10, { center: 10, width: 20 }, 'LINEAR_EXACT')).toBe(0.5);
    expect(windowValue(15, { center: 10, width: 20 }, 'LINEAR_EXACT')).toBe(0.75);
    expect(windowValue(10, { center: 10, width: 20 }, 'SIGMOID')).toBe(0.5);
    expect(windowValue(15, { center: 10, width: 20 }, 'SIGMOID')).toBeCloseTo(1 / (1 + Math.exp(-1)), 10);
  });
  it('min/max default maps min to exactly 0 and max to exactly 1', () => {
    const v = Float32Array.of(-7, 3, 13);
    const w = minMaxWindow(v);
    expect([windowValue(-7, w), windowValue(3, w), windowValue(13, w)]).toEqual([0, 0.5, 1]);
  });
});

describe('hand-built DICOM', () => {
  // 2x2 signed 16-bit: stored −50, 0, 25, 100
  const stored = [-50, 0, 25, 100];
  const ct = (extra: object = {}): Uint8Array =>
    buildDicom({ rows: 2, columns: 2, pixelRepresentation: 1, rescaleSlope: 2, rescaleIntercept: -1000, pixels: u16le(stored), ...extra });

  it('getFrame applies slope and intercept', async () => {
    const s = await decodeDicom(ct());
    close(s.getFrame(0), stored.map((v) => v * 2 - 1000));
    expect([s.rescaleSlope, s.rescaleIntercept, s.bitsStored, s.pixelRepresentation]).toEqual([2, -1000, 16, 1]);
  });

  it('file window is used; MONOCHROME1 inverts it', async () => {
    const window = { center: -950, width: 201 };
    const expected = [-1100, -1000, -950, -800].map((x) => windowValue(x, window));
    close(expected, [0, (-1000 + 950.5) / 200 + 0.5, 0.5025, 1]);
    const m2 = (await decodeDicom(ct({ window }))).toRaster(0);
    close(m2.data, expected);
    expect(m2.source.window).toEqual(window);
    expect(m2.levels).toBe(100); // (w − 1) / slope stored steps
    const m1 = (await decodeDicom(ct({ window, photometric: 'MONOCHROME1' }))).toRaster(0);
    close(m1.data, expected.map((y) => 1 - y));
  });

  it('without a window the frame min/max is used; an explicit window overrides the file', async () => {
    const r = (await decodeDicom(ct())).toRaster(0);
    close(r.data, [0, 50 / 150, 75 / 150, 1]);
    expect(r.levels).toBe(150);
    const o = await loadImage(ct({ window: { center: 0, width: 10 } }), { window: { center: -1000, width: 2 } });
    close(o.data, [0, windowValue(-1000, { center: -1000, width: 2 }), 1, 1]);
  });

  it('BitsStored 12 of 16: high bits are ignored and the sign comes from bit 11', async () => {
    const raw = [0xffff, 0x0fff, 0x07ff, 0xf7ff, 0x0800, 0x1001];
    const s = await decodeDicom(buildDicom({ rows: 1, columns: 6, bitsStored: 12, pixelRepresentation: 1, pixels: u16le(raw) }));
    close(s.getFrame(0), [-1, -1, 2047, 2047, -2048, 1]);
    const u = await decodeDicom(buildDicom({ rows: 1, columns: 6, bitsStored: 12, pixelRepresentation: 0, pixels: u16le(raw) }));
    close(u.getFrame(0), [4095, 4095, 2047, 2047, 2048, 1]);
  });

  it('RGB with planar configuration 1 comes out interleaved', async () => {
    const planes = Uint8Array.of(10, 20, 30, 40, 50, 60); // R R G G B B
    const s = await decodeDicom(buildDicom({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', planarConfiguration: 1, pixels: planes }));
    close(s.getFrame(0), [10, 30, 50, 20, 40, 60]);
    const r = s.toRaster(0);
    expect(r.channels).toBe(3);
    close(r.data, [10, 30, 50, 20, 40, 60].map((v) => v / 255));
  });

  it('YBR_FULL and YBR_FULL_422 are converted to RGB', async () => {
    // Y=100, Cb=128, Cr=228 → R = 100 + 1.402·100, G = 100 − 0.714136·100, B = 100
    const full = await decodeDicom(buildDicom({ rows: 1, columns: 1, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'YBR_FULL', pixels: Uint8Array.of(100, 128, 228) }));
    close(full.getFrame(0), [240, 29, 100]);
    // 422: Y0 Y1 Cb Cr for a pixel pair
    const half = await decodeDicom(buildDicom({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'YBR_FULL_422', pixels: Uint8Array.of(100, 50, 128, 228) }));
    close(half.getFrame(0), [240, 29, 100, 190, 0, 50]);
  });

  it('multi-frame: frames are separate and out-of-range frames are refused', async () => {
    const s = await decodeDicom(buildDicom({ rows: 1, columns: 2, frames: 2, pixels: u16le([1, 2, 3, 4]) }), { path: 'mf.dcm' });
    close(s.getFrame(1), [3, 4]);
    expect(() => s.getFrame(2)).toThrow(/mf\.dcm: frame 2 requested, but the file has 2 frame/);
  });
});
