import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSegmenter, loadModelPackage, ModelPackageError, PromptError } from '../../../src/engine/model/index.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const good = writeTestVlsm(join(tmp.path, 'good'));

function variant(name: string, edit: (dir: string) => void): string {
  const dir = join(tmp.path, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ['model.onnx', 'tokenizer.json', 'vlsm.json']) copyFileSync(join(good, f), join(dir, f));
  edit(dir);
  return dir;
}

describe('loadModelPackage', () => {
  it('loads the generated package, validates the manifest and hashes the model', async () => {
    const pkg = await loadModelPackage(good);
    expect(pkg.manifest.name).toBe('test-vlsm');
    expect(pkg.manifest.input).toMatchObject({ width: 64, height: 64 });
    expect(pkg.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pkg.manifestSource).toBe('vlsm.json');
  });
  it('missing folder → clear error', async () => {
    await expect(loadModelPackage(join(tmp.path, 'nope'))).rejects.toThrow(/does not exist/);
  });
  it('folder without model.onnx → error naming model.onnx', async () => {
    const dir = join(tmp.path, 'empty');
    mkdirSync(dir);
    await expect(loadModelPackage(dir)).rejects.toThrow(ModelPackageError);
    await expect(loadModelPackage(dir)).rejects.toThrow(/has no model\.onnx/);
  });
  it('invalid manifest → error naming the field', async () => {
    const dir = variant('bad-manifest', (d) => {
      const m = JSON.parse(readFileSync(join(d, 'vlsm.json'), 'utf8'));
      m.input.mean = [0.5, 0.5];
      writeFileSync(join(d, 'vlsm.json'), JSON.stringify(m));
    });
    await expect(loadModelPackage(dir)).rejects.toThrow(/vlsm\.json: input\.mean/);
  });
  it('sha256 mismatch → error', async () => {
    const dir = variant('bad-sha', (d) => {
      const m = JSON.parse(readFileSync(join(d, 'vlsm.json'), 'utf8'));
      m.sha256 = '0'.repeat(64);
      writeFileSync(join(d, 'vlsm.json'), JSON.stringify(m));
    });
    await expect(loadModelPackage(dir)).rejects.toThrow(/does not match the sha256/);
  });
  it('derives the manifest from a Hugging Face preprocessor_config.json when vlsm.json is absent', async () => {
    const dir = variant('hf', (d) => {
      writeFileSync(join(d, 'preprocessor_config.json'), JSON.stringify({ image_mean: [0.5, 0.5, 0.5], image_std: [0.25, 0.25, 0.25], size: 64, resample: 2 }));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ text_config: { max_position_embeddings: 16, pad_token_id: 0 } }));
    });
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'vlsm.json'));
    const pkg = await loadModelPackage(dir);
    expect(pkg.manifestSource).toBe('preprocessor_config.json');
    expect(pkg.manifest.input).toMatchObject({ width: 64, height: 64, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    expect(pkg.manifest.text.maxTokens).toBe(16);
  });
  it('a model.onnx that is not ONNX → error from the runtime naming the file', async () => {
    const dir = variant('not-onnx', (d) => writeFileSync(join(d, 'model.onnx'), 'hello'));
    const pkg = await loadModelPackage(dir);
    await expect(createSegmenter(pkg, { provider: 'cpu' })).rejects.toThrow(/could not load .*model\.onnx/);
  });
  it('a model whose inputs differ from the manifest → error listing them', async () => {
    const dir = variant('bad-io', (d) => {
      const m = JSON.parse(readFileSync(join(d, 'vlsm.json'), 'utf8'));
      m.io = { pixelValues: 'image' };
      writeFileSync(join(d, 'vlsm.json'), JSON.stringify(m));
    });
    const pkg = await loadModelPackage(dir);
    await expect(createSegmenter(pkg, { provider: 'cpu' })).rejects.toThrow(/missing image.*inputs input_ids, attention_mask, pixel_values/);
  });
});

describe('tokenizer', () => {
  it('pads a batch to its longest prompt with attention mask 0', async () => {
    const pkg = await loadModelPackage(good);
    const enc = pkg.tokenizer.encode(['polyp', 'a pink round polyp']);
    expect(enc.dims).toEqual([2, 6]);
    expect(Array.from(enc.attentionMask)).toEqual([1n, 1n, 1n, 0n, 0n, 0n, 1n, 1n, 1n, 1n, 1n, 1n]);
    expect(enc.inputIds[3]).toBe(0n);
  });
  it('is case-insensitive', async () => {
    const pkg = await loadModelPackage(good);
    expect(pkg.tokenizer.encode(['Left LUNG']).inputIds).toEqual(pkg.tokenizer.encode(['left lung']).inputIds);
  });
  it('empty prompt and all-unknown prompt are clear errors', async () => {
    const pkg = await loadModelPackage(good);
    expect(() => pkg.tokenizer.encode(['   '])).toThrow(PromptError);
    expect(() => pkg.tokenizer.encode(['zebra giraffe'])).toThrow(/knows none of the words/);
    expect(pkg.tokenizer.encode(['zebra polyp']).unknownWords[0]).toHaveLength(1);
  });
  it('WordLevel vocabularies (as the training pipeline writes) detect unknown words by id and name them', async () => {
    const dir = variant('wordlevel', (d) => {
      const tok = JSON.parse(readFileSync(join(d, 'tokenizer.json'), 'utf8'));
      tok.model = { type: 'WordLevel', vocab: tok.model.vocab, unk_token: '[UNK]' };
      tok.post_processor = null;
      writeFileSync(join(d, 'tokenizer.json'), JSON.stringify(tok));
      writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify({ unk_token: '[UNK]', pad_token: '[PAD]' }));
    });
    const pkg = await loadModelPackage(dir);
    expect(pkg.tokenizer.encode(['zebra polyp']).unknownWords[0]).toEqual(['zebra']);
    expect(() => pkg.tokenizer.encode(['zebra giraffe'])).toThrow(/knows none of the words/);
  });
});
