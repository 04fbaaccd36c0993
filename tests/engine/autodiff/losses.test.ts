/** Loss sub-graphs against a direct implementation of MONAI's formulas, and the sign convention. */
import { describe, expect, test } from 'vitest';
import { GraphBuilder } from '../../../src/engine/onnx/builder.js';
import { encodeModel } from '../../../src/engine/onnx/proto.js';
import { buildGradientGraph, rng, type LossConfig } from '../../../src/engine/autodiff/index.js';
import { makeRunner } from './ort.js';

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
