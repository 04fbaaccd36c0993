/**
 * Writes the real-size random-weight CLIPSeg (ViT-B/16, 352², HF layout; tests/fixtures/models/clipseg-hf.ts)
 * as a Hugging Face style export folder: model.onnx (≈600 MB), preprocessor_config.json and config.json
 * as CIDAS/clipseg-rd64 ships them, and the bundled clipseg-tiny word tokenizer (ids < 49408; the CLIP
 * BPE vocabulary is not available offline). Skips the work when the folder is already complete.
 *
 *   node .cache/bench/bench/make-clipseg-b16.js [--out .cache/models/clipseg-vit-b16]
 *
 * Not committed: ~40 s and ~2.5 GB of memory to build on 2 cores.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeModel } from '../src/engine/onnx/proto.js';
import { buildClipsegHf } from '../tests/fixtures/models/clipseg-hf.js';

export const CLIPSEG_B16_DIR = '.cache/models/clipseg-vit-b16';

export function writeClipsegB16(out = CLIPSEG_B16_DIR, tokenizerFrom = 'resources/models/clipseg-tiny'): string {
  const dir = resolve(out);
  if (existsSync(join(dir, 'model.onnx'))) return dir;
  mkdirSync(dir, { recursive: true });
  const bytes = encodeModel(buildClipsegHf());
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({
    do_normalize: true, do_rescale: true, do_resize: true, image_processor_type: 'ViTImageProcessor',
    image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], processor_class: 'CLIPSegProcessor',
    resample: 2, rescale_factor: 1 / 255, size: { height: 352, width: 352 },
  }, null, 1));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    architectures: ['CLIPSegForImageSegmentation'], model_type: 'clipseg', extract_layers: [3, 6, 9], reduce_dim: 64,
    projection_dim: 512, text_config: { vocab_size: 49408, hidden_size: 512, num_hidden_layers: 12, max_position_embeddings: 77, pad_token_id: 1 },
    vision_config: { hidden_size: 768, num_hidden_layers: 12, patch_size: 16, image_size: 224 },
    note: 'random weights from tests/fixtures/models/clipseg-hf.ts (vlsm-audit bench fixture)',
  }, null, 1));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(tokenizerFrom, f), join(dir, f));
  // model.onnx last, through a rename, so an interrupted run leaves no half-written folder that looks complete.
  writeFileSync(join(dir, 'model.onnx.part'), bytes);
  renameSync(join(dir, 'model.onnx.part'), join(dir, 'model.onnx'));
  return dir;
}

if (process.argv[1]?.endsWith('make-clipseg-b16.js')) {
  const i = process.argv.indexOf('--out');
  const t0 = Date.now();
  const dir = writeClipsegB16(i > 0 ? process.argv[i + 1] : CLIPSEG_B16_DIR);
  console.log(`${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
