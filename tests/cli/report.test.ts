/**
 * `vlsm-audit report` end to end on a real audit: the bundled film-unet on two Kvasir-SEG test images
 * (ground truth) and a real DICOM chest radiograph carrying planted patient identifiers in a folder named
 * after the patient (reference-free), FGSM and 5-step PGD at 2/255 and 8/255, two prompts. Then:
 * every page renders (pdftoppm); the verdict numbers printed (pdftotext) equal those recomputed here from
 * `vlsm-audit results --json`; curves and provenance hashes are present; no identifier reaches the PDF
 * unless --include-identifiers; a fixed --created gives byte-identical PDFs; --hash recomputes the hash.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, skipWithoutData, dataRoot } from '../helpers/data.js';
import { pdfPages, pdfText, renderPages, skipWithoutPoppler } from '../helpers/poppler.js';
import { tempDir } from '../helpers/tmp.js';
import { PLANTED, SAMPLE_UIDS, skipWithoutDcmtk, writeIdentifiedDicom } from '../engine/report/dicom-fixture.js';
import { runCli } from './run-cli.js';

interface JsonCell {
  dataset: string;
  imageId: string;
  prompt: string;
  attack: string;
  label: string;
  eps: number;
  metrics: { clean: { dice: number }; adversarial: { dice: number }; success: boolean };
}

const fmt3 = (x: number): string => x.toFixed(3);
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

describe.skipIf(skipWithoutData || skipWithoutPoppler || skipWithoutDcmtk)('vlsm-audit report on a real audit', () => {
  const tmp = tempDir('vlsm-report-cli-');
  const db = join(tmp.path, 'tiny.sqlite');
  const created = '2026-12-01T10:00:00Z';
  const folder = join(tmp.path, 'DOE_JANE_MRN-4711-XQ');
  let results: { cells: JsonCell[]; models: Array<{ model_sha256: string }>; images: Array<{ dataset_key: string; image_sha256: string; mask_sha256: string | null }> };

  beforeAll(() => {
    mkdirSync(folder);
    writeIdentifiedDicom(folder, 'jane-doe.dcm');
    const plan = {
      version: 1,
      name: 'report-test',
      models: [join(repoRoot, 'resources', 'models', 'film-unet')],
      dataRoot,
      datasets: [
        { kind: 'dataset', name: 'kvasir-seg', split: 'test', limit: 2 },
        { kind: 'images', path: folder },
      ],
      prompts: [
        { mode: 'fixed', text: 'polyp' },
        { mode: 'fixed', text: 'lesion' },
      ],
      attacks: [
        { name: 'fgsm', eps: ['2/255', '8/255'] },
        { name: 'pgd', eps: ['2/255', '8/255'], steps: 5 },
      ],
      seeds: [0],
    };
    writeFileSync(join(tmp.path, 'plan.json'), JSON.stringify(plan));
    const a = runCli(['audit', join(tmp.path, 'plan.json'), '--db', db, '--threads', '1', '--provider', 'cpu']);
    expect(a.status, a.stderr).toBe(0);
    const r = runCli(['results', '--db', db, '--json']);
    expect(r.status, r.stderr).toBe(0);
    results = JSON.parse(r.stdout);
    expect(results.cells).toHaveLength(24);
    main = report('report.pdf');
  });
  afterAll(() => tmp.remove());

  let main: { file: string; text: string; stdout: string };
  const report = (name: string, ...extra: string[]): { file: string; text: string; stdout: string } => {
    const file = join(tmp.path, name);
    const r = runCli(['report', '--db', db, '--out', file, '--created', created, '--json', ...extra]);
    expect(r.status, r.stderr).toBe(0);
    return { file, text: pdfText(file), stdout: r.stdout };
  };

  it('renders every page; verdict numbers equal those recomputed from `results --json`', () => {
    const { file, text } = main;
    const dir = join(tmp.path, 'pages');
    mkdirSync(dir);
    const pages = pdfPages(file);
    expect(pages).toBeGreaterThanOrEqual(6);
    expect(renderPages(file, dir)).toHaveLength(pages);

    const attacked = results.cells.filter((c) => c.attack !== 'clean' && c.attack !== 'noise');
    for (const [dataset, shown] of [['kvasir-seg', 'kvasir-seg'], ['DOE_JANE_MRN-4711-XQ', 'image folder 1']] as const) {
      const cells = attacked.filter((c) => c.dataset === dataset);
      const samples = [...new Set(cells.map((c) => `${c.imageId}|${c.prompt}`))];
      const per = samples.map((s) => cells.filter((c) => `${c.imageId}|${c.prompt}` === s));
      const clean = mean(per.map((g) => g[0].metrics.clean.dice));
      const robust = mean(per.map((g) => Math.min(...g.map((c) => c.metrics.adversarial.dice))));
      const success = mean(per.map((g) => (g.some((c) => c.metrics.success) ? 1 : 0)));
      const atEps = [2 / 255, 8 / 255].map((e) => Math.min(...['fgsm', 'pgd'].map((l) => mean(cells.filter((c) => c.label === l && c.eps === e).map((c) => c.metrics.adversarial.dice)))));
      const row = text.split('\n').find((l) => l.trim().startsWith(`film-unet ${shown} `));
      expect(row, `verdict row for ${shown}`).toBeDefined();
      const nums = row!.trim().slice(`film-unet ${shown}`.length).trim().split(/\s+/);
      expect(nums).toEqual([String(samples.length), fmt3(clean), ...atEps.map(fmt3), fmt3(robust), String(Math.round(success * 100)), '%']);
    }
  });

  it('has the curves, the method and provenance with model and dataset hashes', () => {
    const { text, stdout } = main;
    for (const s of ['Robustness curves', 'ε (k/255)', 'mean Dice', 'What ε means', 'Worst cases', 'Limitations', 'Provenance', 'Audit plan']) expect(text).toContain(s);
    for (const m of results.models) expect(text).toContain(m.model_sha256);
    const keys = [...new Set(results.images.map((i) => i.dataset_key))];
    for (const k of keys) {
      const imgs = results.images.filter((i) => i.dataset_key === k);
      const hash = createHash('sha256').update(imgs.map((i) => `${i.image_sha256}:${i.mask_sha256 ?? ''}`).sort().join('\n')).digest('hex');
      expect(text).toContain(hash);
    }
    const { hash } = JSON.parse(stdout) as { hash: string };
    expect(text).toContain(hash);
    const again = runCli(['report', '--db', db, '--hash']);
    expect(again.stdout.trim()).toBe(hash);
  });

  it('keeps patient identifiers out of the PDF unless --include-identifiers', () => {
    const { file, text } = main;
    const raw = readFileSync(file).toString('latin1'); // metadata and any uncompressed strings
    const forbidden = ['DOE', 'JANE', 'Jane', 'jane-doe', PLANTED.PatientID, PLANTED.PatientBirthDate, '1970-01-01', PLANTED.AccessionNumber, PLANTED.InstitutionName, ...SAMPLE_UIDS];
    for (const id of forbidden) {
      expect(text, id).not.toContain(id);
      expect(raw, id).not.toContain(id);
    }
    expect(text).toContain('image folder 1');
    const shown = report('with-ids.pdf', '--include-identifiers').text;
    expect(shown).toContain(PLANTED.PatientID);
    expect(shown).toContain('DOE^JANE^Q');
  });

  it('is byte-identical when regenerated from the same store with the same --created', () => {
    const a = readFileSync(main.file);
    const b = readFileSync(report('again.pdf').file);
    expect(a.equals(b)).toBe(true);
  });

  it('says which audit to choose and refuses a missing store in one line', () => {
    const r = runCli(['report', '--db', join(tmp.path, 'nope.sqlite'), '--out', join(tmp.path, 'x.pdf')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^vlsm-audit: .*nope\.sqlite/);
    expect(runCli(['report', '--db', db]).stderr).toMatch(/--out is required/);
  });
});
