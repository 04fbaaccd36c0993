import { describe, expect, it } from 'vitest';
import { hausdorffDistance, hd95, percentile, squaredDistanceTransform, surfaceIndices } from '../../../src/engine/metrics/hd95.js';

function mask(w: number, h: number, on: [number, number][]): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(w * h);
  for (const [y, x] of on) data[y * w + x] = 1;
  return { width: w, height: h, data };
}

describe('hd95', () => {
  it('two single pixels 3 rows and 4 columns apart → 5 px', () => {
    expect(hd95(mask(6, 6, [[0, 0]]), mask(6, 6, [[3, 4]]))).toBeCloseTo(5, 12);
  });

  it('row spacing 2 mm, column spacing 1 mm → √(6² + 4²) mm', () => {
    expect(hd95(mask(6, 6, [[0, 0]]), mask(6, 6, [[3, 4]]), { spacingMm: [2, 1] })).toBeCloseTo(Math.sqrt(52), 12);
  });

  it('a 5-pixel line vs its first pixel: directed distances 0,1,2,3,4 → 95th percentile 3.8, maximum 4', () => {
    const line = mask(5, 3, [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4]]);
    const dot = mask(5, 3, [[0, 0]]);
    expect(hd95(line, dot)).toBeCloseTo(3.8, 12);
    expect(hd95(dot, line)).toBeCloseTo(3.8, 12); // symmetric (directed=False)
    expect(hausdorffDistance(line, dot, { percentile: 100 })).toBeCloseTo(4, 12);
  });

  it('identical masks → 0', () => {
    const m = mask(8, 8, [[2, 2], [2, 3], [3, 2], [3, 3]]);
    expect(hd95(m, m)).toBe(0);
  });

  it('only surface pixels count: the centre of a filled 5×5 square is not a surface point', () => {
    const on: [number, number][] = [];
    for (let y = 1; y <= 5; y++) for (let x = 1; x <= 5; x++) on.push([y, x]);
    const s = surfaceIndices(mask(7, 7, on));
    expect(s.length).toBe(16);
    expect([...s]).not.toContain(3 * 7 + 3);
  });

  it('both empty → NaN; one empty → Infinity, or the diagonal when asked', () => {
    const empty = mask(4, 3, []);
    const one = mask(4, 3, [[1, 1]]);
    expect(hd95(empty, empty)).toBeNaN();
    expect(hd95(empty, one)).toBe(Infinity);
    expect(hd95(one, empty, { onEmpty: 'diagonal' })).toBeCloseTo(5, 12);
    expect(hd95(one, empty, { onEmpty: 'diagonal', spacingMm: [2, 1] })).toBeCloseTo(Math.hypot(6, 4), 12);
  });

  it('distance transform matches brute force on a scattered set', () => {
    const w = 13;
    const h = 9;
    const feats = Int32Array.from([0, 17, 50, 77, 100, 116]);
    const dt = squaredDistanceTransform(feats, w, h, [1.5, 0.7]);
    for (let i = 0; i < w * h; i++) {
      let best = Infinity;
      for (const f of feats) best = Math.min(best, ((Math.floor(i / w) - Math.floor(f / w)) * 1.5) ** 2 + (((i % w) - (f % w)) * 0.7) ** 2);
      expect(dt[i]).toBeCloseTo(best, 9);
    }
  });

  it('does not mutate its inputs', () => {
    const a = mask(5, 5, [[1, 1]]);
    const b = mask(5, 5, [[3, 3]]);
    const before = [...a.data, ...b.data];
    hd95(a, b);
    expect([...a.data, ...b.data]).toEqual(before);
  });

  it('percentile interpolates linearly like numpy', () => {
    expect(percentile([4, 0, 2, 1, 3], 95)).toBeCloseTo(3.8, 12);
    expect(percentile([], 50)).toBeNaN();
  });
});
