/**
 * Model-card parity: `vlsm-audit eval` (TypeScript engine, ONNX Runtime) re-measures a bundled model's
 * clean test Dice/IoU and must agree with the PyTorch numbers the training pipeline wrote into
 * vlsm.json (metrics.pytorch) within 0.005, as issue 4 requires.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { dataPath, repoRoot, skipWithoutData } from '../helpers/data.js';

const cases: [model: string, dataset: string, prompt: string][] = [
  ['film-unet', 'kvasir-seg', 'p1'],
  ['film-unet', 'cxr-lungs', 'lungs'],
  ['clipseg-tiny', 'kvasir-seg', 'p1'],
];

describe.skipIf(skipWithoutData)('bundled models: engine Dice equals PyTorch Dice (model cards)', () => {
  for (const [model, dataset, prompt] of cases) {
    const dir = join(repoRoot, 'resources', 'models', model);
    it(`${model} on ${dataset} test (prompt ${prompt})`, () => {
      expect(existsSync(join(dir, 'model.onnx')), `${dir} is bundled`).toBe(true);
      const torch = JSON.parse(readFileSync(join(dir, 'vlsm.json'), 'utf8')).metrics.pytorch[dataset];
      const r = runCli(['eval', '--model', dir, '--data', dataPath(dataset), '--split', 'test', '--prompt', prompt, '--json']);
      expect(r.stderr).toBe('');
      const j = JSON.parse(r.stdout);
      expect(j.n).toBe(torch.n);
      expect(Math.abs(j.dice.mean - torch.dice)).toBeLessThanOrEqual(0.005);
      expect(Math.abs(j.iou.mean - torch.iou)).toBeLessThanOrEqual(0.005);
    });
  }
});
