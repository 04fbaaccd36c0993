/**
 * The bundled packages in resources/models against their committed PyTorch fixtures
 * (tests/fixtures/torch/<model>): ORT-vs-PyTorch logits parity on real test images, tokenizer ids,
 * manifest schema and sha256. Needs no data and no Python.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestSchema } from '../../src/engine/model/manifest.js';
import { repoRoot } from '../helpers/data.js';
import { logitsMaxAbsDiff, readIndex, tokenizerIds } from './torch-fixtures.js';

const modelsDir = join(repoRoot, 'resources', 'models');
const bundled = existsSync(modelsDir)
  ? readdirSync(modelsDir).filter((n) => existsSync(join(modelsDir, n, 'model.onnx')))
  : [];

describe.each(bundled)('bundled model %s', (name) => {
  const pkg = join(modelsDir, name);
  const fixtures = join(repoRoot, 'tests', 'fixtures', 'torch', name);

  it('vlsm.json validates and its sha256 is that of model.onnx', () => {
    const raw = JSON.parse(readFileSync(join(pkg, 'vlsm.json'), 'utf8'));
    const parsed = manifestSchema.parse(raw);
    const sha = createHash('sha256').update(readFileSync(join(pkg, 'model.onnx'))).digest('hex');
    expect(parsed.sha256).toBe(sha);
    expect(readIndex(fixtures).onnx_sha256).toBe(sha);
  });

  it('ONNX Runtime logits match PyTorch within 1e-4 on real test images', async () => {
    const diffs = await logitsMaxAbsDiff(pkg, fixtures);
    expect(diffs.length).toBeGreaterThanOrEqual(3);
    for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-4);
  });

  it('tokenizers.js gives the ids PyTorch used', () => {
    for (const { js, py } of tokenizerIds(pkg, fixtures)) expect(js).toEqual(py);
  });
});
