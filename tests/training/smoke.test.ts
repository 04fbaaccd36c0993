/**
 * Runs the Python pipeline smoke (`python3 -m training.smoke`, a few steps on real images, export) and
 * checks what Python cannot here: ONNX Runtime logits of the exported packages against PyTorch
 * (max abs diff <= 1e-4), tokenizers.js ids against the Python tokenizer, vlsm.json against the schema.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestSchema } from '../../src/engine/model/manifest.js';
import { dataRoot, repoRoot, skipWithoutData } from '../helpers/data.js';
import { skipWithout } from '../helpers/require.js';
import { logitsMaxAbsDiff, tokenizerIds } from './torch-fixtures.js';

const python = process.env.VLSM_PYTHON ?? '/usr/bin/python3';
const hasTorch =
  existsSync(python) && spawnSync(python, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status === 0;
const skipWithoutTorch = skipWithout(`${python} with torch and onnx`, hasTorch, 'apt-get install python3-torch python3-onnx, or set VLSM_PYTHON');

describe.skipIf(skipWithoutData || skipWithoutTorch)('training smoke (python3 -m training.smoke)', () => {
  const out = mkdtempSync(join(tmpdir(), 'vlsm-smoke-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let result: { packages: Record<string, string>; fixtures: Record<string, string> } = { packages: {}, fixtures: {} };

  it('trains, evaluates and exports both model types', () => {
    const r = spawnSync(python, ['-m', 'training.smoke', '--out', out, '--data', dataRoot], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const lines = r.stdout.trim().split('\n');
    result = JSON.parse(lines[lines.length - 1]);
    expect(Object.keys(result.packages).sort()).toEqual(['clipseg-tiny', 'film-unet']);
  }, 200_000);

  for (const name of ['film-unet', 'clipseg-tiny']) {
    it(`${name}: ONNX Runtime logits match PyTorch within 1e-4`, async () => {
      const diffs = await logitsMaxAbsDiff(result.packages[name], result.fixtures[name]);
      expect(diffs.length).toBe(3);
      for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-4);
    });

    it(`${name}: tokenizers.js gives the ids PyTorch used`, () => {
      for (const { js, py } of tokenizerIds(result.packages[name], result.fixtures[name])) expect(js).toEqual(py);
    });

    it(`${name}: vlsm.json validates against the manifest schema`, () => {
      const raw = JSON.parse(readFileSync(join(result.packages[name], 'vlsm.json'), 'utf8'));
      const parsed = manifestSchema.safeParse(raw);
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    });
  }
});
