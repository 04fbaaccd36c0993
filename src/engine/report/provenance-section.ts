/** What was not tested, and everything needed to reproduce or verify the numbers. */
import { fmtTime } from './format.js';
import type { PdfContent } from './pdf-writer.js';
import type { ReportData } from './report-data.js';
import { p, RULES_LAYOUT, td, th } from './styles.js';

export function limitationsSection(d: ReportData): PdfContent[] {
  return [{ text: 'Limitations: what was not tested', style: 'h1', pageBreak: 'before' }, { ul: d.limitations.map((l) => ({ text: l, style: 'body', margin: [0, 0, 0, 2] })) }];
}

export function provenanceSection(d: ReportData, hash: string): PdfContent[] {
  const pv = d.provenance;
  return [
    { text: 'Provenance', style: 'h1' },
    p(
      `${pv.app.name} ${pv.app.version}, commit ${pv.app.commit ?? 'unknown (not run from a git checkout)'}; engine ${pv.engine ?? 'unknown'}; ` +
        `execution provider ${pv.provider}${pv.threads ? `, ${pv.threads} threads` : ''}.`,
    ),
    { text: 'Models', style: 'h2' },
    {
      table: {
        headerRows: 1,
        widths: ['auto', 'auto', '*'],
        body: [[th('model'), th('version'), th('model.onnx SHA-256')], ...pv.models.map((m) => [td(m.name), td(m.version), td(m.sha256, { style: 'mono' })])],
      },
      layout: RULES_LAYOUT,
    },
    { text: 'Datasets', style: 'h2' },
    {
      table: {
        headerRows: 1,
        widths: ['auto', 'auto', 'auto', 'auto', '*'],
        body: [
          [th('dataset'), th('kind'), th('split'), th('images'), th('SHA-256 of the sorted file hashes')],
          ...pv.datasets.map((x) => [td(x.name), td(x.kind + (x.referenceFree ? ', reference-free' : '')), td(x.split ?? '–'), td(String(x.images)), td(x.hash, { style: 'mono' })]),
        ],
      },
      layout: RULES_LAYOUT,
    },
    { text: 'Timestamps', style: 'h2' },
    { table: { widths: ['auto', '*'], body: pv.timestamps.map((t) => [td(t.label), td(fmtTime(t.value))]) }, layout: RULES_LAYOUT },
    { text: 'Report hash', style: 'h2' },
    { text: hash, style: 'mono', fontSize: 8 },
    p('SHA-256 of the canonical JSON of every figure, table, image and provenance field in this report, as read from the results store.', 'note'),
    { text: 'Audit plan', style: 'h2' },
    { text: JSON.stringify(pv.plan, null, 2), style: 'mono', preserveLeadingSpaces: true },
    { text: 'Model manifests', style: 'h2' },
    ...pv.models.map((m) => ({ text: `${m.name}: ${JSON.stringify(m.manifest)}`, style: 'mono', margin: [0, 0, 0, 4] })),
  ];
}
