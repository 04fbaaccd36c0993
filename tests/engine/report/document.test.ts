/**
 * The document builder on a ReportData made in the test (sample-data.ts): every page renders, the text a
 * reader sees holds the verdict numbers, the curves (axis titles are vector text) and the hashes, the
 * output is byte-identical for the same creation date, and identifiers never survive the scrubber.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDocument, renderReport } from '../../../src/engine/report/document.js';
import { reportHash } from '../../../src/engine/report/hash.js';
import { createScrubber } from '../../../src/engine/report/identifiers.js';
import { tempDir } from '../../helpers/tmp.js';
import { pdfPages, pdfText, renderPages, skipWithoutPoppler } from '../../helpers/poppler.js';
import { sampleReportData } from './sample-data.js';

const created = new Date('2026-12-01T10:00:00Z');

describe.skipIf(skipWithoutPoppler)('report document', () => {
  const tmp = tempDir('vlsm-report-doc-');
  afterAll(() => tmp.remove());

  it('renders every page and shows the verdict, curves, worst cases and provenance', async () => {
    const data = sampleReportData();
    const { pdf, hash } = await renderReport(data, { created });
    const file = join(tmp.path, 'r.pdf');
    writeFileSync(file, pdf);
    const pages = pdfPages(file);
    expect(pages).toBeGreaterThanOrEqual(5);
    expect(renderPages(file, tmp.path)).toHaveLength(pages);

    const text = pdfText(file);
    expect(hash).toBe(reportHash(data));
    expect(text).toContain(hash);
    const row = text.split('\n').find((l) => /^\s*film-unet\s+kvasir-seg\s+12\b/.test(l));
    expect(row, 'verdict row').toBeDefined();
    expect(row!.trim().split(/\s+/).slice(3)).toEqual(['0.871', '0.512', '0.124', '0.101', '92', '%']);
    for (const heading of ['Verdict', 'Method', 'What ε means', 'Robustness curves', 'Per prompt', 'Worst cases', 'Limitations', 'Provenance']) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('ε (k/255)'); // the chart's x-axis title, drawn as text from the SVG
    expect(text).toContain('mean Dice');
    expect(text).toContain('e'.repeat(64)); // model sha256
    expect(text).toContain('d'.repeat(64)); // dataset hash
    expect(text).toMatch(/black\/\s*white = −\/\+8\/255 \(×16\)/);
  });

  it('is byte-identical for the same data and creation date, and differs when either changes', async () => {
    const a = (await renderReport(sampleReportData(), { created })).pdf;
    const b = (await renderReport(sampleReportData(), { created })).pdf;
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    const later = (await renderReport(sampleReportData(), { created: new Date('2026-12-02T10:00:00Z') })).pdf;
    expect(Buffer.compare(Buffer.from(a), Buffer.from(later))).not.toBe(0);
    const changed = sampleReportData();
    changed.verdict[0].robust.estimate = 0.102;
    expect(reportHash(changed)).not.toBe(reportHash(sampleReportData()));
  });

  it('removes identifiers wherever a user string carries them, and UIDs always', async () => {
    const data = sampleReportData();
    data.audit.name = 'audit of DOE^JANE 1.2.840.113619.2.22.287.1.19990524.214248';
    data.provenance.plan = { datasets: [{ kind: 'dicom', path: '/archive/MRN-4711/Doe_Jane/19700101' }] };
    data.perPrompt[0].key = 'lesion of jane doe';
    const scrub = createScrubber([{ values: { PatientName: 'DOE^JANE', PatientID: 'MRN-4711', PatientBirthDate: '19700101' } }]);
    const { doc } = await buildDocument(data, { created, scrub });
    const file = join(tmp.path, 'scrubbed.pdf');
    writeFileSync(file, (await renderReport(data, { created, scrub })).pdf);
    const text = pdfText(file) + JSON.stringify(doc.info);
    for (const id of ['DOE', 'JANE', 'Jane', 'MRN-4711', '19700101', '1.2.840.113619']) expect(text).not.toContain(id);
    expect(text).toContain('[removed]');
  });
});
