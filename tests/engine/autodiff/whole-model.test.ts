/**
 * Whole-model gradchecks on the three generated models: the test VLSM (tests/fixtures/test-vlsm.ts),
 * a CLIPSeg-style ViT graph and a channels-last tf2onnx-style U-Net, each against float64 finite
 * differences on its twin.
 */
import { describe, expect, test } from 'vitest';
import { encodeModel } from '../../../src/engine/onnx/proto.js';
import { gradcheck, type GradcheckOptions } from '../../../src/engine/autodiff/gradcheck.js';
import { buildTestVlsm } from '../../fixtures/test-vlsm.js';
import { buildClipsegStyle } from '../../fixtures/models/clipseg-style.js';
import { buildUnetTf2onnx } from '../../fixtures/models/unet-tf2onnx.js';
import { session } from './harness.js';

const text = { input_ids: [1, 6], attention_mask: [1, 6] };
const MODELS = {
  'test VLSM (64²)': { bytes: encodeModel(buildTestVlsm()), inputShapes: { ...text, pixel_values: [1, 3, 64, 64] } },
  'CLIPSeg-style ViT (32²)': { bytes: encodeModel(buildClipsegStyle()), inputShapes: { ...text, pixel_values: [1, 3, 32, 32] } },
  'U-Net tf2onnx NHWC (32²)': { bytes: encodeModel(buildUnetTf2onnx()), inputShapes: { pixel_values: [1, 32, 32, 3] } },
};

describe('whole-model gradients vs float64 finite differences', () => {
  for (const [name, m] of Object.entries(MODELS)) {
    test(`${name}: DiceCE (λ 1.5/1.0)`, async () => {
      const r = await gradcheck(m.bytes, { loss: { kind: 'dicece' }, inputShapes: m.inputShapes, samples: 16, seed: 5 }, session);
      console.log(`${name}: ${JSON.stringify({ max: r.maxRelError, dir: r.directionalRelError, f32: r.float32RelError, twin: r.forwardTwinRelDiff, nodes: r.nodes, ops: r.ops })}`);
      expect(r.maxRelError).toBeLessThanOrEqual(1e-4);
      expect(r.directionalRelError).toBeLessThanOrEqual(1e-4);
      expect(r.forwardTwinRelDiff).toBeLessThan(1e-4);
      expect(r.float32RelError).toBeLessThan(1e-2);
    });
  }

  const losses: [string, GradcheckOptions['loss']][] = [
    ['BCE with per-pixel weights', { kind: 'bce', weighted: true }],
    ['soft Dice', { kind: 'dice' }],
    ['targeted DiceCE', { kind: 'dicece', targeted: true, lambdaDice: 1, lambdaCe: 1 }],
  ];
  test.each(losses)('CLIPSeg-style ViT: %s', async (_n, loss) => {
    const m = MODELS['CLIPSeg-style ViT (32²)'];
    const r = await gradcheck(m.bytes, { loss, inputShapes: m.inputShapes, samples: 8, seed: 9 }, session);
    expect(r.maxRelError).toBeLessThanOrEqual(1e-4);
    expect(r.directionalRelError).toBeLessThanOrEqual(1e-4);
  });
});

describe('finite-difference step choice', () => {
  // 96² U-Net: DiceCE averaged over 9216 pixels gives per-pixel gradients of ~1e-5 and below; the step
  // grows for them (10·σ/(tol·|∇ᵢ|)) instead of staying at the fixed 1e-6 that failed on tf2onnx U-Nets
  // (issue 14). Here the float64 noise is low enough that 1e-6 also passes (4.5e-6), so the test checks
  // that the chosen steps pass and adapt, not that 1e-6 fails.
  const bytes = encodeModel(buildUnetTf2onnx({ size: 96 }));
  test('per-coordinate steps from the measured noise pass on small gradients', async () => {
    const r = await gradcheck(bytes, { loss: { kind: 'dicece' }, inputShapes: { pixel_values: [1, 96, 96, 3] }, samples: 8, seed: 4 }, session);
    console.log(`U-Net 96²: ${JSON.stringify({ max: r.maxRelError, dir: r.directionalRelError, noise: r.lossNoise, steps: r.steps })}`);
    expect(r.maxRelError).toBeLessThanOrEqual(1e-4);
    expect(r.directionalRelError).toBeLessThanOrEqual(1e-4);
    expect(r.lossNoise).toBeGreaterThan(0);
    expect(r.steps.max).toBeGreaterThan(1e-5);
    expect(r.steps.min).toBeGreaterThanOrEqual(1e-6);
  });
});
