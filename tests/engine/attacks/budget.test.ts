import { describe, expect, it } from 'vitest';
import { l2Norm, linfNorm, makeBudget, normOf, parseFraction, quantiseLinfValue, toLattice } from '../../../src/engine/attacks/budget.js';
import { createRng } from '../../../src/engine/metrics/random.js';
import { perturbationNorms } from '../../../src/engine/metrics/perturbation.js';

const shape = { batch: 2, channels: 3, height: 4, width: 5 };
const n = 2 * 3 * 4 * 5;
const rng = createRng(1);
const x0 = toLattice(Float32Array.from({ length: n }, () => rng.next()), 255);
const wild = Float32Array.from({ length: n }, (_, i) => x0[i] + (rng.next() - 0.5) * 0.4);

describe('L∞ budget', () => {
  it.each([8 / 255, 0.03, 1 / 255, 0])('quantised images stay inside ε = %f exactly, in [0,1] and on the lattice', (eps) => {
    const q = linfNorm([eps, eps, eps]).quantise(x0, wild, 255, shape);
    const p = perturbationNorms(x0, q);
    expect(p.linf255).toBeLessThanOrEqual(Math.floor(eps * 255 + 1e-9));
    for (const v of q) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-4);
      expect(v).toBe(Math.fround(Math.round(v * 255) / 255)); // exactly what an 8-bit decoder returns
    }
  });
  it('ε = 8/255 uses the whole budget where the image allows it', () => {
    const q = linfNorm([8 / 255, 8 / 255, 8 / 255]).quantise(x0, wild, 255, shape);
    expect(perturbationNorms(x0, q).linf255).toBe(8);
  });
  it('project clamps each value to ±ε of its channel', () => {
    const d = Float32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1));
    linfNorm([0.1, 0.2, 0.3]).project(d, shape);
    expect(d[0]).toBeCloseTo(-0.1, 6);
    expect(d[21]).toBeCloseTo(0.2, 6); // channel 1 of image 0
    expect(d[60 + 40 + 1]).toBeCloseTo(0.3, 6); // channel 2 of image 1
  });
  it('the step is α·sign(g)', () => {
    const s = linfNorm([1, 1, 1]).step(Float32Array.from([3, -0.1, 0, 2]), [0.5, 0.5, 0.5], { batch: 1, channels: 1, height: 2, width: 2 });
    expect([...s]).toEqual([0.5, -0.5, 0, 0.5]);
  });
  it('random starts lie inside the ball', () => {
    const d = linfNorm([0.05, 0.05, 0.05]).randomStart(createRng(3), shape);
    expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(0.05);
  });
  it('a single value: rounded, clamped to the allowed steps and to [0, levels]', () => {
    expect(quantiseLinfValue(100 / 255, 110 / 255, 8, 255)).toBe(Math.fround(108 / 255));
    expect(quantiseLinfValue(1, 1.2, 8, 255)).toBe(1);
    expect(quantiseLinfValue(0.5, 0.51, 8, 0)).toBe(0.51);
  });
});

describe('L2 budget', () => {
  it.each([0.5, 0.1, 0.02])('quantised images stay inside ‖δ‖₂ ≤ %f', (eps) => {
    const q = l2Norm(eps).quantise(x0, wild, 255, shape);
    for (let b = 0; b < 2; b++) {
      const p = perturbationNorms(x0.subarray(b * 60, b * 60 + 60), q.subarray(b * 60, b * 60 + 60));
      expect(p.l2).toBeLessThanOrEqual(eps + 1e-12);
    }
  });
  it('project scales δ onto the sphere only when it is outside', () => {
    const d = Float32Array.from({ length: n }, () => 1);
    l2Norm(2).project(d, shape);
    expect(Math.hypot(...d.subarray(0, 60))).toBeCloseTo(2, 5);
    const small = Float32Array.from({ length: n }, () => 0.01);
    l2Norm(2).project(small, shape);
    expect(small[0]).toBeCloseTo(0.01, 8);
  });
  it('each image step has length α', () => {
    const g = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const s = l2Norm(1).step(g, [0.25, 0.25, 0.25], shape);
    expect(Math.hypot(...s.subarray(60))).toBeCloseTo(0.25, 6);
  });
});

describe('budgets', () => {
  it('normalised units scale ε and α by each channel’s std (the paper’s convention)', () => {
    const { norm, alpha } = normOf(makeBudget({ eps: 0.03, alpha: 0.01, units: 'normalised' }), [0.2, 0.25, 0.5], 3);
    expect(norm.eps).toEqual([0.03 * 0.2, 0.03 * 0.25, 0.03 * 0.5]);
    expect(alpha).toEqual([0.01 * 0.2, 0.01 * 0.25, 0.01 * 0.5]);
  });
  it('normalised units exist for L∞ and RGB only', () => {
    expect(() => normOf(makeBudget({ norm: 'l2', units: 'normalised' }), [1, 1, 1], 3)).toThrow(/L∞/);
    expect(() => normOf(makeBudget({ units: 'normalised' }), [1, 1, 1], 1)).toThrow(/3-channel/);
  });
  it('parses k/255 and decimals', () => {
    expect(parseFraction('8/255')).toBe(8 / 255);
    expect(parseFraction('0.03')).toBe(0.03);
    expect(parseFraction('eight')).toBeNaN();
  });
  it('rejects impossible budgets', () => {
    expect(() => makeBudget({ steps: 0 })).toThrow(RangeError);
    expect(() => makeBudget({ eps: -1 })).toThrow(RangeError);
  });
});
