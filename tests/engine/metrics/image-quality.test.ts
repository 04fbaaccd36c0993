import { describe, expect, it } from 'vitest';
import { psnr, ssim } from '../../../src/engine/metrics/image-quality.js';

const plane = (w: number, h: number, f: (x: number, y: number) => number, channels = 1) => ({
  width: w,
  height: h,
  channels,
  data: Float64Array.from({ length: w * h * channels }, (_, i) => f(i % w, Math.floor(i / w) % h)),
});

describe('psnr', () => {
  it('a uniform difference of 0.1 gives MSE 0.01 → 20 dB', () => {
    expect(psnr(new Float32Array(16).fill(0.2), new Float32Array(16).fill(0.3))).toBeCloseTo(20, 5);
  });
  it('on the 0–255 scale a difference of 1 everywhere → 10·log10(255²) dB', () => {
    expect(psnr([0, 0, 0], [1, 1, 1], 255)).toBeCloseTo(20 * Math.log10(255), 12);
  });
  it('identical images → Infinity', () => {
    expect(psnr([0.5, 0.25], [0.5, 0.25])).toBe(Infinity);
  });
});

describe('ssim', () => {
  it('identical textured images → 1', () => {
    const a = plane(20, 16, (x, y) => ((x * 7 + y * 3) % 11) / 10, 3);
    expect(ssim(a, a)).toBeCloseTo(1, 12);
  });
  it('two constant images a, b → (2ab + C1)/(a² + b² + C1) (variances are 0)', () => {
    const c1 = 0.01 ** 2;
    expect(ssim(plane(16, 16, () => 0.5), plane(16, 16, () => 0.25))).toBeCloseTo((2 * 0.5 * 0.25 + c1) / (0.25 + 0.0625 + c1), 12);
  });
  it('is symmetric and falls with added noise', () => {
    const a = plane(24, 24, (x, y) => 0.5 + 0.3 * Math.sin(x / 3) * Math.cos(y / 4));
    const small = plane(24, 24, (x, y) => a.data[y * 24 + x] + ((x * 13 + y * 7) % 5 - 2) * 0.004);
    const big = plane(24, 24, (x, y) => a.data[y * 24 + x] + ((x * 13 + y * 7) % 5 - 2) * 0.04);
    expect(ssim(a, small)).toBeCloseTo(ssim(small, a), 12);
    expect(ssim(a, big)).toBeLessThan(ssim(a, small));
    expect(ssim(a, small)).toBeLessThan(1);
  });
  it('refuses images smaller than its window', () => {
    expect(() => ssim(plane(8, 8, () => 0), plane(8, 8, () => 0))).toThrow(/larger than 11×11/);
  });
});
