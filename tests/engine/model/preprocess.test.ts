import { describe, expect, it } from 'vitest';
import { resizePlanar } from '../../../src/engine/model/preprocess.js';

describe('resizePlanar (torch bilinear, align_corners=False)', () => {
  it('identity size is exact', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    expect(resizePlanar(src, 1, 3, 4, 3, 4)).toEqual(src);
  });
  it('2× upsample of [0,1] matches torch.nn.functional.interpolate', () => {
    // torch: F.interpolate(torch.tensor([[[[0.,1.]]]]), size=(1,4), mode='bilinear', align_corners=False)
    // → [0, 0.25, 0.75, 1]
    expect(Array.from(resizePlanar(Float32Array.from([0, 1]), 1, 1, 2, 1, 4))).toEqual([0, 0.25, 0.75, 1]);
  });
  it('2× downsample averages pixel pairs (no antialias)', () => {
    // half_pixel source coords 0.5 and 2.5 → means of (0,1) and (2,3)
    expect(Array.from(resizePlanar(Float32Array.from([0, 1, 2, 3]), 1, 1, 4, 1, 2))).toEqual([0.5, 2.5]);
  });
  it('nearest picks floor(dst·in/out)', () => {
    expect(Array.from(resizePlanar(Float32Array.from([0, 1, 2]), 1, 1, 3, 1, 6, 'nearest'))).toEqual([0, 0, 1, 1, 2, 2]);
  });
  it('keeps channels apart', () => {
    const src = Float32Array.from([1, 1, 1, 1, 5, 5, 5, 5]);
    const out = resizePlanar(src, 2, 2, 2, 3, 3);
    expect(Array.from(out.subarray(0, 9)).every((v) => v === 1)).toBe(true);
    expect(Array.from(out.subarray(9)).every((v) => v === 5)).toBe(true);
  });
});
