import { describe, expect, it } from 'vitest';
import { perturbationNorms } from '../../../src/engine/metrics/perturbation.js';

const q = (k: number) => Math.fround(k / 255);

describe('perturbationNorms', () => {
  it('8-bit images 8 and 6 levels apart: L∞ = 8 exactly, L2 = 10 (×255)', () => {
    const clean = Float32Array.from([q(100), q(10), q(0), q(255)]);
    const adv = Float32Array.from([q(108), q(4), q(0), q(255)]);
    const n = perturbationNorms(clean, adv);
    expect(n.linf255).toBe(8);
    expect(n.l2255).toBe(10);
    expect(n.l2).toBeCloseTo(10 / 255, 12);
    expect(n.l0).toBe(0.5);
  });
  it('off-lattice differences are not snapped', () => {
    expect(perturbationNorms([0], [0.5 / 255]).linf255).toBeCloseTo(0.5, 6);
  });
  it('no change → all zero', () => {
    expect(perturbationNorms([0.2, 0.3], [0.2, 0.3])).toEqual({ linf: 0, l2: 0, linf255: 0, l2255: 0, l0: 0 });
  });
});
