/**
 * ReportData → the PDF: sections in the order a board reads them (verdict first, provenance last),
 * then the identifier scrubber over the whole tree, then pdfmake. Pure apart from pdfmake and vega: the
 * same data, the same creation date and the same scrubber give the same bytes.
 */
import { reportHash } from './hash.js';
import { createScrubber, scrubTree, type Scrubber } from './identifiers.js';
import { methodSection } from './method-section.js';
import { renderPdf, type PdfContent, type PdfDocument } from './pdf-writer.js';
import { limitationsSection, provenanceSection } from './provenance-section.js';
import type { ReportData } from './report-data.js';
import { curvesSection, tablesSection, worstSection } from './results-sections.js';
import { COLOURS, PAGE, STYLES } from './styles.js';
import { titlePage } from './title-page.js';

export interface BuildOptions {
  /** CreationDate of the PDF and the "generated" line. */
  created: Date;
  /** Removes identifiers; the default removes UID-shaped strings only. */
  scrub?: Scrubber;
}

export async function buildDocument(d: ReportData, opts: BuildOptions): Promise<{ doc: PdfDocument; hash: string }> {
  const hash = reportHash(d);
  const created = opts.created.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const content: PdfContent[] = [
    ...titlePage(d, created, hash),
    ...methodSection(d),
    ...(await curvesSection(d)),
    ...tablesSection(d),
    ...worstSection(d),
    ...limitationsSection(d),
    ...provenanceSection(d, hash),
  ];
  const doc: PdfDocument = {
    info: {
      title: `Adversarial robustness report: ${d.audit.name}`,
      subject: `VLSM Audit report of audit ${d.audit.id}`,
      keywords: `report-hash:${hash}`,
    },
    pageSize: PAGE.size,
    pageMargins: [...PAGE.margins],
    defaultStyle: { font: 'Roboto', fontSize: 9.5 },
    styles: STYLES,
    header: (page: number) =>
      page === 1
        ? null
        : { text: `${d.audit.name} · adversarial robustness report`, fontSize: 7.5, color: COLOURS.muted, margin: [PAGE.margins[0], 24, PAGE.margins[2], 0] },
    footer: (page: number, pages: number) => ({
      columns: [
        { text: `report hash ${hash.slice(0, 16)}…`, fontSize: 7, color: COLOURS.muted },
        { text: `page ${page} of ${pages}`, fontSize: 7, color: COLOURS.muted, alignment: 'right' },
      ],
      margin: [PAGE.margins[0], 18, PAGE.margins[2], 0],
    }),
    content,
  };
  return { doc: scrubTree(doc, opts.scrub ?? createScrubber([])), hash };
}

export async function renderReport(d: ReportData, opts: BuildOptions): Promise<{ pdf: Uint8Array; hash: string }> {
  const { doc, hash } = await buildDocument(d, opts);
  return { pdf: await renderPdf(doc, opts.created), hash };
}
