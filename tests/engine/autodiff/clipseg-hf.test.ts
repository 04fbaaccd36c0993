/**
 * The Hugging Face CLIPSeg layout (tests/fixtures/models/clipseg-hf.ts) at its real spatial size, 352²
 * with 16×16 patches, narrowed to 64 channels so the test stays small. Before the patch-embedding
 * backward (ConvTranspose 16/16) had its own lowering, the float64 twin built a 64·256·352² im2col
 * Gather for it (16 GB), so this check could not run; the full ViT-B/16 width asked for 195 GB.
 * The full-size run (≈129M parameters in the graph) is `vlsm-audit gradcheck` on the folder
 * bench/make-clipseg-b16.ts writes; its figures are in docs/autodiff.md.
 */
import { describe, expect, test } from 'vitest';
import { encodeModel } from '../../../src/engine/onnx/proto.js';
import { gradcheck } from '../../../src/engine/autodiff/gradcheck.js';
import { buildGradientGraph } from '../../../src/engine/autodiff/build.js';
import { float64Twin } from '../../../src/engine/autodiff/twin.js';
import { decodeModel } from '../../../src/engine/onnx/proto.js';
import { buildClipsegHf } from '../../fixtures/models/clipseg-hf.js';
import { session } from './harness.js';

const narrow = { visionWidth: 64, visionLayers: 3, visionHeads: 2, extract: [1, 2, 3], textWidth: 16, textLayers: 1, textHeads: 2, vocab: 50, projection: 16, reduce: 16, decoderHeads: 2, decoderMlp: 32 };
const inputShapes = { pixel_values: [1, 3, 352, 352], input_ids: [1, 5], attention_mask: [1, 5] };

describe('CLIPSeg, HF layout, 352² / 16×16 patches', () => {
  test('float64 twin holds no im2col larger than the image (patch-embedding backward lowered by blocks)', () => {
    const gg = buildGradientGraph(encodeModel(buildClipsegHf(narrow)), { loss: { kind: 'dicece' }, inputShapes });
    const twin = float64Twin(decodeModel(gg.bytes));
    const numel = (dims: readonly bigint[]) => dims.reduce((a, d) => a * Number(d), 1);
    const biggestIndex = Math.max(0, ...twin.graph!.initializer.filter((t) => t.dataType === 7).map((t) => numel(t.dims)));
    expect(biggestIndex).toBeLessThanOrEqual(3 * 352 * 352);
  });

  test('DiceCE gradient vs float64 finite differences', async () => {
    const r = await gradcheck(encodeModel(buildClipsegHf(narrow)), { loss: { kind: 'dicece' }, inputShapes, samples: 8, seed: 3 }, session);
    console.log(`clipseg-hf narrow 352²: ${JSON.stringify({ max: r.maxRelError, dir: r.directionalRelError, f32: r.float32RelError, twin: r.forwardTwinRelDiff, noise: r.lossNoise, steps: r.steps, nodes: r.nodes })}`);
    expect(r.maxRelError).toBeLessThanOrEqual(1e-4);
    expect(r.directionalRelError).toBeLessThanOrEqual(1e-4);
    expect(r.forwardTwinRelDiff).toBeLessThan(1e-4);
  });
});
