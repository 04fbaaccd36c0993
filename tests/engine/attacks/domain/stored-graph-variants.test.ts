/**
 * Every branch of the composed stored-domain graph on the small generated test VLSM (32²), on synthetic
 * stored images: the three VOI functions (LINEAR, LINEAR_EXACT, SIGMOID), MONOCHROME1 inversion, rescale
 * slope/intercept, down- and up-sampling to the model size, the `nearest` resample, and RGB 8-bit rasters.
 * Each: the graph's native-size logits equal the engine path (storedToRaster → toPixelValues → segmenter
 * → bilinear resize), and its gradient matches float64 finite differences (≤ 1e-4).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { gradcheck, rng } from '../../../../src/engine/autodiff/gradcheck.js';
import { chainOf, composeStoredModel, NATIVE_LOGITS, STORED_INPUT } from '../../../../src/engine/attacks/domain/stored-graph.js';
import { storedToRaster, type StoredImage } from '../../../../src/engine/attacks/domain/stored-image.js';
import { loadModelPackage, type ModelPackage } from '../../../../src/engine/model/index.js';
import { resizePlanar, toPixelValues } from '../../../../src/engine/model/preprocess.js';
import { createSegmenter } from '../../../../src/engine/model/segmenter.js';
import { encodeModel } from '../../../../src/engine/onnx/proto.js';
import { writeTestVlsm } from '../../../fixtures/test-vlsm.js';
import { tempDir } from '../../../helpers/tmp.js';
import { session } from '../../autodiff/harness.js';
import { makeRunner } from '../../autodiff/ort.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const bilinear = writeTestVlsm(join(tmp.path, 'bilinear'), { size: 32 });
const nearest = writeTestVlsm(join(tmp.path, 'nearest'), { size: 32 });
const manifest = JSON.parse(readFileSync(join(nearest, 'vlsm.json'), 'utf8'));
manifest.input.resample = 'nearest';
writeFileSync(join(nearest, 'vlsm.json'), JSON.stringify(manifest));
// Hugging Face packages resample with Pillow's filters (pil-*): the graph uses the same separable weights
const pilBicubic = writeTestVlsm(join(tmp.path, 'pil-bicubic'), { size: 32 });
writeFileSync(join(pilBicubic, 'vlsm.json'), JSON.stringify({ ...manifest, input: { ...manifest.input, resample: 'pil-bicubic' } }));

function dicom(width: number, height: number, voiFunction: StoredImage['voiFunction'], invert: boolean): StoredImage {
  const r = rng(11);
  // modality = 2·s − 100; window 300 ± 250 covers s ∈ [75, 325]; values from 0 to 400 fall on both sides
  const values = Float64Array.from({ length: width * height }, () => Math.floor(r() * 400));
  return {
    format: 'dicom', width, height, channels: 1, values, range: [-32768, 32767], levels: 65535, slope: 2, intercept: -100,
    window: { center: 300, width: 500 }, voiFunction, windowFromFile: true, invert, frame: 0, frames: 1, bytes: new Uint8Array(),
  };
}

function rgb(width: number, height: number): StoredImage {
  const r = rng(12);
  return {
    format: 'png', width, height, channels: 3, values: Float64Array.from({ length: 3 * width * height }, () => Math.floor(r() * 256)), range: [0, 255],
    levels: 255, slope: 1, intercept: 0, voiFunction: 'LINEAR', windowFromFile: false, invert: false, frame: 0, frames: 1, bytes: new Uint8Array(),
  };
}

const CASES: [string, string, StoredImage][] = [
  ['LINEAR, slope 2, downsampled 45×37 → 32²', bilinear, dicom(45, 37, 'LINEAR', false)],
  ['LINEAR_EXACT, MONOCHROME1, upsampled 20×27 → 32²', bilinear, dicom(20, 27, 'LINEAR_EXACT', true)],
  ['SIGMOID, downsampled 50×40', bilinear, dicom(50, 40, 'SIGMOID', false)],
  ['nearest resample, LINEAR 47×35', nearest, dicom(47, 35, 'LINEAR', false)],
  ['pil-bicubic resample (HF), LINEAR, downsampled 45×37', pilBicubic, dicom(45, 37, 'LINEAR', false)],
  ['pil-bicubic resample (HF), SIGMOID, upsampled 20×27', pilBicubic, dicom(20, 27, 'SIGMOID', false)],
  ['8-bit RGB raster 40×30', bilinear, rgb(40, 30)],
];

async function composedFor(pkg: ModelPackage, img: StoredImage, tokens: number): Promise<Uint8Array> {
  const m = pkg.manifest;
  return encodeModel(composeStoredModel(pkg.modelBytes, chainOf(img, m), {
    pixelValues: m.io.pixelValues, logits: m.io.logits, logitsLayout: m.io.logitsLayout,
    textShapes: { [m.io.inputIds]: [1, tokens], ...(m.io.attentionMask ? { [m.io.attentionMask]: [1, tokens] } : {}) },
  }));
}

describe('stored-domain graph branches (test VLSM 32²)', () => {
  test.each(CASES)('%s: forward = engine path, gradient = finite differences', async (_name, dir, img) => {
    const pkg = await loadModelPackage(dir);
    const enc = pkg.tokenizer.encode(['lungs']);
    const bytes = await composedFor(pkg, img, enc.dims[1]);
    const text = { input_ids: { type: 'int64' as const, data: enc.inputIds, dims: enc.dims }, attention_mask: { type: 'int64' as const, data: enc.attentionMask, dims: enc.dims } };
    const dims = [1, img.channels, img.height, img.width];
    const run = await makeRunner(bytes, { level: 'all', threads: 1 });
    const graph = (await run({ [STORED_INPUT]: { type: 'float32', data: Float32Array.from(img.values), dims }, ...text }, [NATIVE_LOGITS]))[NATIVE_LOGITS].data as Float32Array;
    const seg = await createSegmenter(pkg, { provider: 'cpu', threads: 1 });
    const m = pkg.manifest.input;
    const engine = resizePlanar(await seg.logits(toPixelValues([storedToRaster(img, img.values)], pkg.manifest), 1, ['lungs']), 1, m.height, m.width, img.height, img.width, 'bilinear');
    await seg.dispose();
    let diff = 0;
    let scale = 0;
    engine.forEach((v, i) => ((diff = Math.max(diff, Math.abs(v - graph[i]))), (scale = Math.max(scale, Math.abs(v)))));
    expect(graph.length).toBe(img.width * img.height);
    expect(diff / scale).toBeLessThan(1e-4);

    const mask = Float32Array.from({ length: img.width * img.height }, (_, i) => ((i % img.width) * 2 > img.width ? 1 : 0));
    const r = await gradcheck(bytes, {
      wrt: STORED_INPUT, logits: NATIVE_LOGITS, loss: { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 }, // pil-*: the per-pass clamp puts kinks near overshooting pixels; a smaller step keeps FD on one side
      samples: 12, seed: 4, h: dir === pilBicubic ? 1e-4 : 1e-3,
      feeds: { [STORED_INPUT]: { type: 'float32', data: Float32Array.from(img.values, (v) => v + 0.37), dims }, ...text, mask: { type: 'float32', data: mask, dims: [1, img.height, img.width] } },
    }, session);
    expect(r.maxRelError).toBeLessThanOrEqual(1e-4);
    expect(r.directionalRelError).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
