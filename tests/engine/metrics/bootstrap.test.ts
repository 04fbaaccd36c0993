import { describe, expect, it } from 'vitest';
import { bootstrapCi } from '../../../src/engine/metrics/bootstrap.js';

describe('bootstrapCi', () => {
  it('constant values → a zero-width interval at the value', () => {
    const ci = bootstrapCi([0.7, 0.7, 0.7, 0.7]);
    expect(ci).toMatchObject({ estimate: 0.7, valid: 4, level: 0.95 });
    expect(ci.low).toBeCloseTo(0.7, 12);
    expect(ci.high).toBeCloseTo(0.7, 12);
  });
  it('the same seed gives the same interval; it contains the mean and lies within the data range', () => {
    const v = Array.from({ length: 40 }, (_, i) => ((i * 37) % 17) / 17);
    const a = bootstrapCi(v, { seed: 3 });
    expect(bootstrapCi(v, { seed: 3 })).toEqual(a);
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
    expect(a.low).toBeGreaterThanOrEqual(Math.min(...v));
    expect(a.high).toBeLessThanOrEqual(Math.max(...v));
  });
  it('two values {0, 1}: resampled means are k/2, so the 95% interval is [0, 1]', () => {
    const ci = bootstrapCi([0, 1], { resamples: 4000 });
    expect(ci.low).toBe(0);
    expect(ci.high).toBe(1);
  });
  it('NaN values are excluded and counted; none valid → NaN', () => {
    expect(bootstrapCi([NaN, 1, 1]).valid).toBe(2);
    const none = bootstrapCi([NaN]);
    expect(none.valid).toBe(0);
    expect(none.low).toBeNaN();
  });
});
