import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/engine/metrics/random.js';

describe('createRng', () => {
  it('the same seed gives the same sequence, another seed another one', () => {
    const a = createRng(42);
    const b = createRng(42);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    const c = createRng(43);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });
  it('values lie in [0,1) with a mean near 1/2; int(n) in [0,n)', () => {
    const r = createRng(7);
    let s = 0;
    for (let i = 0; i < 10000; i++) {
      const v = r.next();
      expect(v >= 0 && v < 1).toBe(true);
      s += v;
    }
    expect(s / 10000).toBeCloseTo(0.5, 1);
    for (let i = 0; i < 100; i++) expect(r.int(3)).toBeLessThan(3);
  });
  it('rejects seeds that are not 32-bit unsigned integers', () => {
    expect(() => createRng(-1)).toThrow(RangeError);
    expect(() => createRng(1.5)).toThrow(RangeError);
  });
});
