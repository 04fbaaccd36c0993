/**
 * `vlsm-audit reproduce` on the audit engine: --jobs 2 writes the same file as the serial run, a --db
 * store lets a second run reuse every cell (and still write the same file), and a failing image stops the
 * run with one line naming the image and attack.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paperPlan } from '../../src/cli/commands/reproduce.js';
import { writeTestVlsm } from '../fixtures/test-vlsm.js';
import { dataPath, repoRoot, skipWithoutData } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

describe('paperPlan', () => {
  it('is the protocol: normalised rows on Kvasir-SEG only, pixel rows 1–16/255, noise 8/255, RGB batches, last iterate', () => {
    const p = paperPlan({ models: ['m'], dataRoot: '/d', datasets: ['kvasir-seg', 'busi'], steps: 40, batch: 10 });
    expect(p.execution).toEqual({ batch: 10, levels: 255, channels: 3 });
    expect(p.attacks.map((a) => [a.name, a.units, a.eps.length, a.datasets ?? null])).toEqual([
      ['clean', 'pixel', 1, null],
      ['fgsm', 'normalised', 4, ['kvasir-seg']],
      ['pgd', 'normalised', 4, ['kvasir-seg']],
      ['fgsm', 'pixel', 5, null],
      ['pgd', 'pixel', 5, null],
      ['noise', 'pixel', 1, null],
    ]);
    expect(p.attacks[4].alpha).toBeUndefined(); // the default 2/255, as the paper
    expect(p.attacks[4]).toMatchObject({ steps: 40, loss: { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 }, options: { bestIterate: false } });
    expect(p.seeds).toEqual([0]);
  });
});

describe.skipIf(skipWithoutData)('vlsm-audit reproduce', () => {
  it('--jobs 2 writes the same file as the serial run; a second run on the same --db reuses every cell', () => {
    // kvasir-seg has the normalised-unit rows as well; 2 PGD steps keep this to ~30 s of CPU
    const args = ['reproduce', '--models', join(repoRoot, 'resources', 'models', 'film-unet'), '--datasets', 'kvasir-seg', '--limit', '3', '--batch', '2', '--steps', '2', '--data', dataPath()];
    const serial = join(tmp.path, 'serial.md');
    const jobs = join(tmp.path, 'jobs.md');
    const again = join(tmp.path, 'again.md');
    const db = join(tmp.path, 'r.sqlite');
    const a = runCli([...args, '--out', serial, '--db', db]);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stderr).toContain('reproduce: 60/60 cells'); // 3 images × 20 rows
    const b = runCli([...args, '--jobs', '2', '--out', jobs]);
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(jobs, 'utf8')).toBe(readFileSync(serial, 'utf8'));
    const header = readFileSync(jobs, 'utf8').split('\n')[2];
    expect(header).toContain('--steps 2 --batch 2`'); // the noise row depends on --batch; the file on --jobs does not
    expect(header).not.toContain('--jobs');
    expect(header).not.toContain('--db');
    const c = runCli([...args, '--out', again, '--db', db]);
    expect(c.status, c.stderr).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(serial, 'utf8'));
    expect(c.stderr).toContain('reproduce: 60/60 cells (60 from the store)'); // all from the store
    const table = readFileSync(serial, 'utf8');
    expect(table).toContain('### kvasir-seg: 3 test images, prompt key p1');
    expect(table.match(/^\| (clean|fgsm|pgd|noise) \|/gm)).toHaveLength(20);
  }, 600_000);

  it('an unreadable image stops the run with one line naming the image and the attack', () => {
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
    expect(lines[0]).toMatch(new RegExp(`^vlsm-audit: clean 0/255 seed 0 on kvasir-seg/${ids[2]} failed: .+`));
  });
});

it('reproduce: a bad --jobs value is a one-line user error (exit 1, like every bad value)', () => {
  const r = runCli(['reproduce', '--jobs', '0']);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe('vlsm-audit: --jobs must be a positive integer, got "0".\n');
});
