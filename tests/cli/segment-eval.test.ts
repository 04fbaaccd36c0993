import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMask } from '../../src/engine/imaging/index.js';
import { dice } from '../../src/engine/metrics/index.js';
import { writeTestVlsm } from '../fixtures/test-vlsm.js';
import { dataPath, skipWithoutData } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const model = writeTestVlsm(join(tmp.path, 'model'));
const kvasirId = 'cju0qkwl35piu0993l0dewei2';

describe.skipIf(skipWithoutData)('vlsm-audit segment on a real Kvasir image', () => {
  const image = dataPath('kvasir-seg', 'images', `${kvasirId}.jpg`);
  const mask = dataPath('kvasir-seg', 'masks', `${kvasirId}.png`);

  it('prints {dice, iou, provider, ms} and writes a mask whose Dice matches the report', async () => {
    const out = join(tmp.path, 'pred.png');
    const r = runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--mask', mask, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['dice', 'iou', 'provider', 'ms']));
    expect(j.provider).toBe('cpu');
    expect(j.dice).toBeGreaterThanOrEqual(0);
    expect(j.dice).toBeLessThanOrEqual(1);
    expect(j.iou).toBeLessThanOrEqual(j.dice + 1e-12);
    const written = await loadMask(out);
    const gt = await loadMask(mask);
    expect([written.width, written.height]).toEqual([gt.width, gt.height]);
    expect(dice(written, gt)).toBeCloseTo(j.dice, 12);
  });

  it('without --mask the JSON has no dice/iou', () => {
    const j = JSON.parse(runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--json']).stdout);
    expect(j.dice).toBeUndefined();
    expect(j.provider).toBe('cpu');
  });

  it('a corrupt image is one clear error line and a non-zero exit', () => {
    const bad = join(tmp.path, 'corrupt.jpg');
    writeFileSync(bad, readFileSync(image).subarray(0, 200));
    const r = runCli(['segment', '--model', model, '--image', bad, '--prompt', 'polyp', '--json']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^vlsm-audit: .*corrupt\.jpg/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a mask of the wrong size is an error naming both sizes', () => {
    const small = join(tmp.path, 'small.png');
    const png = new PNG({ width: 4, height: 4 });
    png.data.fill(255);
    writeFileSync(small, PNG.sync.write(png));
    const r = runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--mask', small]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/4×4.*but image/);
  });
});

describe('vlsm-audit user errors', () => {
  it('a missing image file', () => {
    const r = runCli(['segment', '--model', model, '--image', join(tmp.path, 'nope.png'), '--prompt', 'polyp']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^vlsm-audit: .*nope\.png/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  it('a model folder without model.onnx', () => {
    const r = runCli(['segment', '--model', tmp.path, '--image', 'x.png', '--prompt', 'polyp']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has no model\.onnx/);
  });
  it('a missing required option', () => {
    const r = runCli(['segment', '--model', model]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/required option/);
  });
  it('an empty prompt', () => {
    const png = new PNG({ width: 8, height: 8 });
    const img = join(tmp.path, 'img.png');
    writeFileSync(img, PNG.sync.write(png));
    const r = runCli(['segment', '--model', model, '--image', img, '--prompt', ' ']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/prompt is empty/);
  });
});

describe.skipIf(skipWithoutData)('vlsm-audit eval on real datasets', () => {
  it('kvasir-seg test with the default prompt key p1', () => {
    const r = runCli(['eval', '--model', model, '--data', dataPath('kvasir-seg'), '--split', 'test', '--limit', '6', '--json']);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j.n).toBe(6);
    expect(j.prompt).toBe('key p1');
    for (const k of ['dice', 'iou']) {
      expect(j[k].mean).toBeGreaterThanOrEqual(0);
      expect(j[k].mean).toBeLessThanOrEqual(1);
      expect(j[k].std).toBeGreaterThanOrEqual(0);
    }
    expect(j.iou.mean).toBeLessThanOrEqual(j.dice.mean);
  });
  it('eval agrees with segment on the same image (one preprocessing path)', () => {
    const first = (JSON.parse(readFileSync(dataPath('kvasir-seg', 'splits.json'), 'utf8')).test as string[])[0];
    const one = JSON.parse(
      runCli(['eval', '--model', model, '--data', dataPath('kvasir-seg'), '--split', 'test', '--limit', '1', '--prompt', 'polyp', '--json']).stdout,
    );
    const s = JSON.parse(
      runCli([
        'segment', '--model', model, '--image', dataPath('kvasir-seg', 'images', `${first}.jpg`), '--prompt', 'polyp',
        '--mask', dataPath('kvasir-seg', 'masks', `${first}.png`), '--json',
      ]).stdout,
    );
    expect(one.n).toBe(1);
    expect(one.dice.mean).toBeCloseTo(s.dice, 6);
    expect(one.iou.mean).toBeCloseTo(s.iou, 6);
  });
  it('a dataset without prompts uses the model’s default prompt for it (cxr-lungs → "lungs")', () => {
    const j = JSON.parse(runCli(['eval', '--model', model, '--data', dataPath('cxr-lungs'), '--limit', '2', '--json']).stdout);
    expect(j.prompt).toBe('"lungs"');
    expect(j.n).toBe(2);
  });
  it('an unknown prompt key or split is a clear error', () => {
    const a = runCli(['eval', '--model', model, '--data', dataPath('kvasir-seg'), '--prompt', 'p42']);
    expect(a.status).toBe(1);
    expect(a.stderr).toMatch(/no prompt key p42/);
    const b = runCli(['eval', '--model', model, '--data', dataPath('kvasir-seg'), '--split', 'holdout']);
    expect(b.stderr).toMatch(/no split "holdout"/);
  });
});
