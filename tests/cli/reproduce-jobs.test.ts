/**
 * `reproduce --jobs N`: the shards cut whole batches, the metrics survive the trip through JSON, the file
 * is byte-identical to the serial run's, and a failing worker names its shard.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageMetrics } from '../../src/engine/attacks/index.js';
import { decodeMetrics, encodeMetrics, shardRanges } from '../../src/cli/commands/reproduce-jobs.js';
import { writeTestVlsm } from '../fixtures/test-vlsm.js';
import { dataPath, repoRoot, skipWithoutData } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

describe('shardRanges', () => {
  it('cuts at multiples of the batch, covers every image once, only the last range ends short', () => {
    for (const [n, batch, parts] of [[23, 5, 2], [23, 5, 3], [10, 10, 2], [7, 1, 4], [3, 2, 8], [40, 10, 3]]) {
      const r = shardRanges(n, batch, parts);
      expect(r.length).toBe(Math.min(parts, Math.ceil(n / batch)));
      expect(r[0][0]).toBe(0);
      expect(r.at(-1)?.[1]).toBe(n);
      r.forEach(([start, end], i) => {
        expect(start % batch).toBe(0);
        expect(end).toBeGreaterThan(start);
        if (i > 0) expect(start).toBe(r[i - 1][1]);
        if (i < r.length - 1) expect(end % batch).toBe(0);
      });
    }
  });

  it('no images → no shards', () => {
    expect(shardRanges(0, 10, 2)).toEqual([]);
  });
});

describe('encodeMetrics / decodeMetrics', () => {
  it('keeps NaN, ±Infinity and −0, which plain JSON turns into null and 0', () => {
    const m = { id: 'a', ssim: NaN, psnr: Infinity, clean: { dice: -0, hausdorff: -Infinity }, success: true } as unknown as ImageMetrics;
    const back = decodeMetrics(encodeMetrics([[m]]))[0][0] as unknown as typeof m & { clean: { dice: number; hausdorff: number } };
    expect(back.ssim).toBeNaN();
    expect(back.psnr).toBe(Infinity);
    expect(Object.is(back.clean.dice, -0)).toBe(true);
    expect(back.clean.hausdorff).toBe(-Infinity);
    expect(back.id).toBe('a');
    expect(back.success).toBe(true);
  });
});

describe.skipIf(skipWithoutData)('vlsm-audit reproduce --jobs', () => {
  it('--jobs 2 writes the same file as the serial run (film-unet, 3 images in batches of 2 → two shards)', () => {
    // kvasir-seg has the normalised-unit rows as well; 2 PGD steps keep this to ~30 s of CPU
    const args = ['reproduce', '--models', join(repoRoot, 'resources', 'models', 'film-unet'), '--datasets', 'kvasir-seg', '--limit', '3', '--batch', '2', '--steps', '2', '--data', dataPath()];
    const serial = join(tmp.path, 'serial.md');
    const jobs = join(tmp.path, 'jobs.md');
    const a = runCli([...args, '--out', serial]);
    expect(a.status).toBe(0);
    const b = runCli([...args, '--jobs', '2', '--out', jobs]);
    expect(b.status).toBe(0);
    expect(b.stderr).toContain('film-unet kvasir-seg 3/3 (');
    expect(readFileSync(jobs, 'utf8')).toBe(readFileSync(serial, 'utf8'));
    const header = readFileSync(jobs, 'utf8').split('\n')[2];
    expect(header).toContain('--steps 2 --batch 2`'); // the noise row depends on --batch; the file on --jobs does not
    expect(header).not.toContain('--jobs');
  });

  it('a worker that fails (an unreadable image) stops the run with one line naming its shard', () => {
    // three images, batches of one: shard 1/2 holds image 1, shard 2/2 images 2 and the broken 3
    const src = dataPath('kvasir-seg');
    const ds = join(tmp.path, 'data', 'kvasir-seg');
    mkdirSync(join(ds, 'images'), { recursive: true });
    mkdirSync(join(ds, 'masks'), { recursive: true });
    const splits = JSON.parse(readFileSync(join(src, 'splits.json'), 'utf8')) as { test: string[] };
    const ids = splits.test.slice(0, 3);
    for (const id of ids) copyFileSync(join(src, 'masks', `${id}.png`), join(ds, 'masks', `${id}.png`));
    for (const id of ids.slice(0, 2)) copyFileSync(join(src, 'images', `${id}.jpg`), join(ds, 'images', `${id}.jpg`));
    writeFileSync(join(ds, 'images', `${ids[2]}.jpg`), 'not a JPEG');
    writeFileSync(join(ds, 'splits.json'), JSON.stringify({ train: [], val: [], test: ids, prompts: Object.fromEntries(ids.map((id) => [id, { p1: 'polyp' }])) }));
    const model = writeTestVlsm(join(tmp.path, 'model'));
    const r = runCli(['reproduce', '--models', model, '--datasets', 'kvasir-seg', '--data', join(tmp.path, 'data'), '--batch', '1', '--steps', '1', '--jobs', '2', '--out', join(tmp.path, 'broken.md')]);
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.includes('vlsm-audit'));
    expect(lines).toHaveLength(1); // on a line of its own, after the progress line
    expect(lines[0]).toMatch(/^vlsm-audit: shard 2\/2 \(test-vlsm kvasir-seg, test images 2–3\) failed: .+/);
    expect(lines[0]).toContain(ids[2]);
  });
});

it('reproduce: a bad --jobs value is a one-line user error (exit 1, like every bad value)', () => {
  const r = runCli(['reproduce', '--jobs', '0']);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe('vlsm-audit: --jobs must be a positive integer, got "0".\n');
});
