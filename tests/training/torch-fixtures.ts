/**
 * Reads the PyTorch reference fixtures written by `python3 -m training.export` (float32 little-endian
 * .bin + index.json) and checks a model package against them with onnxruntime-node: logits parity and
 * tokenizer ids. Used by the smoke wrapper (temporary package) and the bundled-model test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';

export interface TensorRef {
  file: string;
  shape: number[];
  dtype: 'float32';
  byteOrder: 'little';
}
export interface FixtureItem {
  dataset: string;
  id: string;
  image: string;
  prompt: string;
  input_ids: number[];
  attention_mask: number[];
  pixel_values: TensorRef;
  logits: TensorRef;
}
export interface FixtureIndex {
  model: string;
  onnx_sha256: string;
  logits_tolerance_max_abs: number;
  items: FixtureItem[];
  gradients: { item: number; prompt: string; target: TensorRef; grad: TensorRef; loss_value: number }[];
}

export function readIndex(dir: string): FixtureIndex {
  return JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as FixtureIndex;
}

export function readF32(dir: string, ref: TensorRef): Float32Array {
  const buf = readFileSync(join(dir, ref.file));
  const out = new Float32Array(buf.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/** Max |ORT - PyTorch| over each fixture item's logits. */
export async function logitsMaxAbsDiff(pkg: string, dir: string): Promise<number[]> {
  const index = readIndex(dir);
  const session = await ort.InferenceSession.create(join(pkg, 'model.onnx'));
  const diffs: number[] = [];
  for (const it of index.items) {
    const T = it.input_ids.length;
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(it.input_ids.map(BigInt)), [1, T]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(it.attention_mask.map(BigInt)), [1, T]),
      pixel_values: new ort.Tensor('float32', readF32(dir, it.pixel_values), it.pixel_values.shape),
    };
    const out = (await session.run(feeds)).logits;
    const ref = readF32(dir, it.logits);
    const got = out.data as Float32Array;
    if (got.length !== ref.length) throw new Error(`${it.id}: logits size ${got.length} != ${ref.length}`);
    let m = 0;
    for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(got[i] - ref[i]));
    diffs.push(m);
  }
  await session.release();
  return diffs;
}

/** Token ids from tokenizers.js for each fixture prompt, next to the ids PyTorch used. */
export function tokenizerIds(pkg: string, dir: string): { js: number[]; py: number[] }[] {
  const json = JSON.parse(readFileSync(join(pkg, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(pkg, 'tokenizer_config.json'), 'utf8'));
  const tok = new Tokenizer(json, config);
  return readIndex(dir).items.map((it) => ({ js: tok.encode(it.prompt).ids, py: it.input_ids }));
}
