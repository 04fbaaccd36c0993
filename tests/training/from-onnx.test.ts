/**
 * training/from_onnx.py (the PyTorch module built from a package's ONNX initializers, used by the speed
 * bench) reproduces the PyTorch training module's logits on the bundled packages' torch fixtures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/data.js';

const python = process.env.VLSM_PYTHON ?? '/usr/bin/python3';
const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status === 0;
const inCI = process.env.CI === 'true' || process.env.CI === '1';
if (!hasTorch && inCI) throw new Error(`from_onnx: ${python} with torch and onnx is required under CI`);

describe.skipIf(!hasTorch)('training/from_onnx.py (skipped: no Python torch + onnx)', () => {
  test.each(['film-unet', 'clipseg-tiny'])('%s: logits equal the training module’s within the fixture tolerance', (m) => {
    const r = spawnSync(python, ['-m', 'training.from_onnx', '--check', `resources/models/${m}`, `tests/fixtures/torch/${m}`], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { items: number; max_abs_diff: number; tolerance: number };
    expect(out.items).toBeGreaterThan(0);
    expect(out.max_abs_diff).toBeLessThanOrEqual(out.tolerance);
  }, 120_000);
});
