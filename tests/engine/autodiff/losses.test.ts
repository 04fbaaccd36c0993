/** Loss sub-graphs against a direct implementation of MONAI's formulas, and the sign convention. */
import { describe, expect, test } from 'vitest';
import { GraphBuilder } from '../../../src/engine/onnx/builder.js';
import { encodeModel } from '../../../src/engine/onnx/proto.js';
import { buildGradientGraph, rng, type LossConfig } from '../../../src/engine/autodiff/index.js';
import { makeRunner } from './ort.js';
import { attackLoss } from '../../../src/engine/attacks/losses.js';
import type { LossKind } from '../../../src/engine/attacks/types.js';

const [B, H, W] = [2, 4, 5];
const identityModel = () => {
  const b = new GraphBuilder('identity');
  b.input('pixel_values', 'float32', [B, H, W]);
  b.output('logits', 'float32', [B, H, W]);
  b.op('Identity', ['pixel_values'], {}, 'logits');
  return encodeModel(b.toModel(17));
};

const rand = rng(4);
const z = Float32Array.from({ length: B * H * W }, () => rand() * 6 - 3);
// image 0 has a lesion, image 1 an empty mask
const t = Float32Array.from({ length: B * H * W }, (_, i) => (i < H * W && rand() < 0.5 ? 1 : 0));
const wts = Float32Array.from({ length: B * H * W }, () => 0.5 + rand());
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

/** MONAI DiceLoss(sigmoid=True, smooth_nr=smooth_dr=1e-5, batch=False, reduction='mean'). */
function refDice(): number {
  let sum = 0;
  for (let b = 0; b < B; b++) {
    let inter = 0, ps = 0, ts = 0;
    for (let i = b * H * W; i < (b + 1) * H * W; i++) (inter += sig(z[i]) * t[i]), (ps += sig(z[i])), (ts += t[i]);
    sum += 1 - (2 * inter + 1e-5) / (ts + ps + 1e-5);
  }
  return sum / B;
}
const refBce = (w?: Float32Array) => z.reduce((s, v, i) => s + (w ? w[i] : 1) * (softplus(v) - v * t[i]), 0) / z.length;

async function lossOf(cfg: LossConfig) {
  const g = buildGradientGraph(identityModel(), { loss: cfg });
  const run = await makeRunner(g.bytes);
  const feeds = {
    pixel_values: { type: 'float32' as const, data: z, dims: [B, H, W] },
    mask: { type: 'float32' as const, data: t, dims: [B, H, W] },
    ...(cfg.weighted ? { pixel_weights: { type: 'float32' as const, data: wts, dims: [B, H, W] } } : {}),
  };
  const r = await run(feeds, ['loss', 'grad_pixel_values']);
  return { loss: (r.loss.data as Float32Array)[0], grad: r.grad_pixel_values.data as Float32Array };
}

describe('loss sub-graphs', () => {
  test('DiceCE = 1.5·Dice + 1.0·BCE by default (MONAI semantics, empty mask included)', async () => {
    const { loss } = await lossOf({ kind: 'dicece' });
    expect(loss).toBeCloseTo(1.5 * refDice() + refBce(), 5);
  });
  test('λ weights are explicit', async () => {
    const { loss } = await lossOf({ kind: 'dicece', lambdaDice: 0.25, lambdaCe: 2 });
    expect(loss).toBeCloseTo(0.25 * refDice() + 2 * refBce(), 5);
  });
  test('soft Dice alone', async () => {
    expect((await lossOf({ kind: 'dice' })).loss).toBeCloseTo(refDice(), 5);
  });
  test('BCE with logits and its gradient (σ(z) − t)/N', async () => {
    const { loss, grad } = await lossOf({ kind: 'bce' });
    expect(loss).toBeCloseTo(refBce(), 5);
    grad.forEach((g, i) => expect(g).toBeCloseTo((sig(z[i]) - t[i]) / z.length, 6));
  });
  test('per-pixel weights multiply the BCE term (SegPGD / CosPGD)', async () => {
    const { loss, grad } = await lossOf({ kind: 'bce', weighted: true });
    expect(loss).toBeCloseTo(refBce(wts), 5);
    grad.forEach((g, i) => expect(g).toBeCloseTo((wts[i] * (sig(z[i]) - t[i])) / z.length, 6));
  });
  test('targeted: loss is −L(target), so ascending it moves toward the target mask', async () => {
    const { loss, grad } = await lossOf({ kind: 'bce', targeted: true });
    expect(loss).toBeCloseTo(-refBce(), 5);
    // where the target is 1 the gradient is positive: ascent raises the logit toward the target
    grad.forEach((g, i) => t[i] === 1 && expect(g).toBeGreaterThan(0));
  });
});

/**
 * SEA's segmentation-attack losses: the graph's value equals the JavaScript definition the attacks use
 * (src/engine/attacks/losses.ts), and the graph's ANALYTIC logits gradient equals central finite
 * differences of that definition in float64 (the kept-pixel masks are step functions of z; no z lies
 * within the finite-difference step of the threshold, so the masks stay fixed).
 */
describe('segmentation-attack losses', () => {
  const perImage = (kind: LossKind, zz: Float64Array | Float32Array, threshold: number, targeted: boolean) =>
    attackLoss({ kind, lambdaDice: 1, lambdaCe: 1 }, { logits: Float32Array.from(zz), mask: Uint8Array.from(t), batch: B, targeted, threshold });
  // float64 JS value: attackLoss works in float64 on float32 logits, so perturb through a float64 copy
  const valueAt = (kind: LossKind, zz: Float64Array, threshold: number, targeted: boolean) => {
    const zt = Math.log(threshold / (1 - threshold));
    let sum = 0;
    for (let b = 0; b < B; b++) {
      const n = H * W;
      let fg = 0, bg = 0, n1 = 0, acc = 0;
      for (let i = b * n; i < (b + 1) * n; i++) {
        const v = zz[i];
        const right = (v > zt ? 1 : 0) === t[i];
        const m = (targeted ? !right : right) ? 1 : 0;
        const sz = t[i] ? v : -v;
        const q = sig(sz);
        const l = softplus(v) - v * t[i];
        if (kind === 'masked-bce') acc += m * l;
        else if (kind === 'balanced-bce') t[i] ? ((fg += l), n1++) : (bg += l);
        else if (kind === 'js') acc += Math.LN2 + 0.5 * (q * Math.log(q) - (1 + q) * Math.log(1 + q));
        else acc += (-m * q) / Math.sqrt(q * q + (1 - q) * (1 - q));
      }
      const n0 = n - n1;
      const k = (n1 > 0 ? 1 : 0) + (n0 > 0 ? 1 : 0);
      const l = kind === 'balanced-bce' ? ((n1 ? fg / n1 : 0) + (n0 ? bg / n0 : 0)) / k : acc / n;
      sum += targeted ? -l : l;
    }
    return sum / B;
  };
  const cases: [LossKind, number, boolean][] = [
    ['masked-bce', 0.5, false],
    ['masked-bce', 0.3, false],
    ['masked-bce', 0.5, true],
    ['balanced-bce', 0.5, false],
    ['js', 0.5, false],
    ['js', 0.5, true],
    ['masked-spherical', 0.5, false],
    ['masked-spherical', 0.7, true],
  ];
  test.each(cases)('%s (threshold %s, targeted %s): value and analytic gradient', async (kind, threshold, targeted) => {
    const logitThreshold = Math.log(threshold / (1 - threshold));
    expect(z.every((v) => Math.abs(v - logitThreshold) > 1e-3)).toBe(true);
    const cfg = (kind === 'masked-bce' || kind === 'masked-spherical' ? { kind, targeted, logitThreshold } : { kind, targeted }) as LossConfig;
    const { loss, grad } = await lossOf(cfg);
    const js = perImage(kind, z, threshold, targeted);
    const z64 = Float64Array.from(z);
    expect(loss).toBeCloseTo((js[0] + js[1]) / B, 5);
    expect(valueAt(kind, z64, threshold, targeted)).toBeCloseTo((js[0] + js[1]) / B, 10);
    const h = 1e-5;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < z.length; i++) {
      const up = Float64Array.from(z64);
      const down = Float64Array.from(z64);
      up[i] += h;
      down[i] -= h;
      const fd = (valueAt(kind, up, threshold, targeted) - valueAt(kind, down, threshold, targeted)) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - grad[i]));
      scale = Math.max(scale, Math.abs(fd));
    }
    expect(scale, 'the loss depends on the logits').toBeGreaterThan(1e-4);
    expect(worst / scale).toBeLessThan(1e-4);
  });
  test('the masked losses ignore pixels already wrong: their gradient there is exactly 0', async () => {
    const { grad } = await lossOf({ kind: 'masked-bce' });
    z.forEach((v, i) => (v > 0 ? 1 : 0) !== t[i] && expect(Math.abs(grad[i])).toBe(0));
    const sph = await lossOf({ kind: 'masked-spherical' });
    z.forEach((v, i) => (v > 0 ? 1 : 0) !== t[i] && expect(Math.abs(sph.grad[i])).toBe(0));
  });
});
