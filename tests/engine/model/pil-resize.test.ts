/**
 * Hugging Face preprocessing parity: 'pil-*' resampling against Pillow's own output (values written by
 * tests/fixtures/hf-preprocess/make_reference.py with Pillow 9.4, the call transformers makes), and the
 * manifest derived from an HF export folder (PIL filter from `resample`, pad id of <|endoftext|>).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveManifest } from '../../../src/engine/model/package.js';
import { resizePlanar, toModelRgb, toPixelValues } from '../../../src/engine/model/preprocess.js';
import { prepareBatch } from '../../../src/engine/attacks/prepare.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { PIL_RESAMPLE } from '../../../src/engine/model/pil-resize.js';
import { tempDir } from '../../helpers/tmp.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'hf-preprocess');
const index = JSON.parse(readFileSync(join(FIX, 'index.json'), 'utf8')) as {
  source: { file: string; width: number; height: number };
  cases: { resample: number; width: number; height: number; file: string }[];
};
const { width: W, height: H } = index.source;
const hwc = new Uint8Array(readFileSync(join(FIX, index.source.file)));
/** HWC bytes → planar [3,H,W] floats k/255 (what the image decoders hand the engine). */
const planar = (bytes: Uint8Array, w: number, h: number, offset = 0) => {
  const out = new Float32Array(3 * w * h);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) out[c * w * h + i] = bytes[i * 3 + c] / 255 + offset;
  return out;
};
const tmp = tempDir();
afterAll(() => tmp.remove());

describe('Pillow resampling (pil-*)', () => {
  it.each(index.cases.map((c) => [PIL_RESAMPLE[c.resample], `${W}×${H} → ${c.width}×${c.height}`, c] as const))('%s %s: 8-bit input equals Pillow exactly', (mode, _label, c) => {
    const want = planar(new Uint8Array(readFileSync(join(FIX, c.file))), c.width, c.height);
    const got = resizePlanar(planar(hwc, W, H), 3, H, W, c.height, c.width, mode);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) * 255);
    expect(worst).toBeLessThan(1e-3);
  });

  it.each(index.cases.filter((c) => c.resample !== 0).map((c) => [PIL_RESAMPLE[c.resample], c] as const))('%s: non-8-bit input takes the float path, within Pillow’s rounding (≤ 1.5/255)', (mode, c) => {
    const want = planar(new Uint8Array(readFileSync(join(FIX, c.file))), c.width, c.height);
    const got = resizePlanar(planar(hwc, W, H, 1e-4), 3, H, W, c.height, c.width, mode);
    let worst = 0, sumDiff = 0;
    for (let i = 0; i < got.length; i++) {
      const d = Math.abs(got[i] - 1e-4 - want[i]) * 255;
      worst = Math.max(worst, d);
      sumDiff += d;
    }
    expect(worst).toBeLessThanOrEqual(1.5);
    expect(sumDiff / got.length).toBeLessThan(0.5);
  });

  it('antialiasing matters: torch bilinear (no antialias) is far from Pillow when downscaling 3.3×', () => {
    const c = index.cases.find((k) => k.resample === 2 && k.width === 64)!;
    const want = planar(new Uint8Array(readFileSync(join(FIX, c.file))), c.width, c.height);
    const torch = resizePlanar(planar(hwc, W, H), 3, H, W, c.height, c.width, 'bilinear');
    expect(Math.max(...torch.map((v, i) => Math.abs(v - want[i]) * 255))).toBeGreaterThan(20);
  });
});

describe('manifest derived from a Hugging Face export folder', () => {
  const hfDir = (name: string, files: Record<string, unknown>) => {
    const d = join(tmp.path, name);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
    for (const [f, v] of Object.entries(files)) writeFileSync(join(d, f), JSON.stringify(v));
    return d;
  };
  const pre = { image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], resample: 2, size: { height: 352, width: 352 } };
  const clipTokenizer = { added_tokens: [{ id: 49406, content: '<|startoftext|>' }, { id: 49407, content: '<|endoftext|>' }], model: { type: 'BPE', vocab: { a: 0 } } };

  it('CLIPSeg: PIL bilinear and the <|endoftext|> pad id (49407), not text_config.pad_token_id (1)', () => {
    const d = hfDir('clipseg', { 'config.json': { text_config: { pad_token_id: 1, max_position_embeddings: 77 } }, 'tokenizer.json': clipTokenizer, 'tokenizer_config.json': { pad_token: '<|endoftext|>' } });
    const m = deriveManifest(d, pre);
    expect(m.input.resample).toBe('pil-bilinear');
    expect(m.text.padTokenId).toBe(49407);
  });
  it('pad token given as an AddedToken object, and without tokenizer_config.json', () => {
    const withObject = hfDir('obj', { 'tokenizer.json': clipTokenizer, 'special_tokens_map.json': { pad_token: { content: '<|endoftext|>' } } });
    expect(deriveManifest(withObject, pre).text.padTokenId).toBe(49407);
    const bare = hfDir('bare', { 'config.json': { text_config: { pad_token_id: 1 } }, 'tokenizer.json': clipTokenizer });
    expect(deriveManifest(bare, pre).text.padTokenId).toBe(49407);
  });
  it('resample codes map to Pillow filters (3 → pil-bicubic, missing → pil-bilinear)', () => {
    expect(deriveManifest(hfDir('bicubic', {}), { ...pre, resample: 3 }).input.resample).toBe('pil-bicubic');
    expect(deriveManifest(hfDir('none', {}), { ...pre, resample: undefined }).input.resample).toBe('pil-bilinear');
  });
  it('pixel_values of an 8-bit image = (Pillow resize / 255 − mean) / std, as CLIPSegProcessor computes', () => {
    const c = index.cases.find((k) => k.resample === 2 && k.width === 64)!;
    const m = deriveManifest(hfDir('px', {}), { ...pre, size: { height: c.height, width: c.width } });
    const data = Float32Array.from(hwc, (v) => v / 255);
    const px = toPixelValues([{ width: W, height: H, channels: 3, data }], m);
    const pil = new Uint8Array(readFileSync(join(FIX, c.file)));
    const n = c.width * c.height;
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < 3; ch++) worst = Math.max(worst, Math.abs(px[ch * n + i] - (pil[i * 3 + ch] / 255 - pre.image_mean[ch]) / pre.image_std[ch]));
    expect(worst).toBeLessThan(1e-5);
  });
  it('the attack starts from the image inference sees: prepareBatch resamples with the manifest’s filter', async () => {
    const m = deriveManifest(hfDir('attack', {}), { ...pre, size: { height: 48, width: 64 } });
    const model = { width: 64, height: 48, threshold: 0.5, pkg: { manifest: m } } as unknown as AttackModel;
    const image = { width: W, height: H, channels: 3 as const, data: Float32Array.from(hwc, (v) => v / 255) };
    const mask = { width: W, height: H, data: new Uint8Array(W * H) };
    const batch = await prepareBatch(model, [{ image, mask, prompt: 'polyp' }], { channels: 3, levels: 255 });
    const clean = toModelRgb(image, m);
    expect(Math.max(...batch.x.map((v, i) => Math.abs(v - clean[i])))).toBeLessThan(1e-6);
  });
});
