/** The fused PGD step graph: normalisation inside, projection and clipping in pixel space. */
import { describe, expect, test } from 'vitest';
import { buildGradientGraph, gradcheck, rng } from '../../../src/engine/autodiff/index.js';
import { buildTestVlsm } from '../../fixtures/test-vlsm.js';
import { makeRunner } from './ort.js';
import { session } from './harness.js';

const S = 32;
const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
const shapes = { input_ids: [1, 4], attention_mask: [1, 4], pixel_values: [1, 3, S, S] };
const model = buildTestVlsm({ size: S });
const n = 3 * S * S;
const rand = rng(12);
const x0 = Float32Array.from({ length: n }, () => rand());
const x = Float32Array.from(x0, (v) => Math.min(1, Math.max(0, v + (rand() - 0.5) * 0.05)));
const mask = Float32Array.from({ length: S * S }, () => (rand() < 0.3 ? 1 : 0));
const eps = 8 / 255, alpha = 2 / 255;
const f = (data: Float32Array, dims: number[]) => ({ type: 'float32' as const, data, dims });
const text = { input_ids: { type: 'int64' as const, data: BigInt64Array.from([2n, 4n, 5n, 3n]), dims: [1, 4] }, attention_mask: { type: 'int64' as const, data: BigInt64Array.from([1n, 1n, 1n, 1n]), dims: [1, 4] } };

async function step(norm: 'linf' | 'l2') {
  const g = buildGradientGraph(model, { loss: { kind: 'dicece' }, inputShapes: shapes, step: { mean, std, norm } });
  const run = await makeRunner(g.bytes);
  const r = await run(
    { ...text, x: f(x, [1, 3, S, S]), x_orig: f(x0, [1, 3, S, S]), epsilon: f(Float32Array.of(eps), []), alpha: f(Float32Array.of(alpha), []), mask: f(mask, [1, S, S]) },
    ['loss', 'grad_x', 'x_next'],
  );
  return { g, next: r.x_next.data as Float32Array, grad: r.grad_x.data as Float32Array, loss: (r.loss.data as Float32Array)[0] };
}

describe('fused PGD step', () => {
  test('L∞: x_next = clip₀¹(clip_[x₀±ε](x + α·sign ∇ₓ)), inputs and outputs in pixel space', async () => {
    const { g, next, grad } = await step('linf');
    expect(g.outputs.xNext).toBe('x_next');
    expect(g.inputs.map((i) => i.name).sort()).toEqual(['alpha', 'attention_mask', 'epsilon', 'input_ids', 'mask', 'x', 'x_orig']);
    for (let i = 0; i < n; i++) {
      const want = Math.min(1, Math.max(0, Math.min(x0[i] + eps, Math.max(x0[i] - eps, x[i] + alpha * Math.sign(grad[i])))));
      expect(next[i]).toBeCloseTo(want, 6);
      expect(Math.abs(next[i] - x0[i])).toBeLessThanOrEqual(eps + 1e-6);
    }
  });

  test('∇ₓ is the model gradient chained through (x − mean)/std', async () => {
    const { grad, loss } = await step('linf');
    const plain = buildGradientGraph(model, { loss: { kind: 'dicece' }, inputShapes: shapes });
    const pv = Float32Array.from(x, (v, i) => (v - mean[Math.floor(i / (S * S))]) / std[Math.floor(i / (S * S))]);
    const r = await (await makeRunner(plain.bytes))({ ...text, pixel_values: f(pv, [1, 3, S, S]), mask: f(mask, [1, S, S]) }, ['loss', 'grad_pixel_values']);
    expect((r.loss.data as Float32Array)[0]).toBeCloseTo(loss, 5);
    const gp = r.grad_pixel_values.data as Float32Array;
    const scale = gp.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    gp.forEach((v, i) => expect(Math.abs(grad[i] - v / std[Math.floor(i / (S * S))])).toBeLessThan(1e-4 * scale));
  });

  test('L2: ‖x_next − x₀‖₂ ≤ ε and x_next ∈ [0,1]', async () => {
    const { next } = await step('l2');
    let sq = 0;
    next.forEach((v, i) => ((sq += (v - x0[i]) ** 2), expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1)));
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(eps * (1 + 1e-5));
  });

  test('the step graph gradient passes the float64 finite-difference check', async () => {
    const r = await gradcheck(model, { loss: { kind: 'dicece' }, inputShapes: shapes, step: { mean, std }, samples: 8, seed: 2 }, session);
    expect(r.maxRelError).toBeLessThanOrEqual(1e-4);
    expect(r.directionalRelError).toBeLessThanOrEqual(1e-4);
  });
});
