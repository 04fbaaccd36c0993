/** Page geometry, type styles and table layouts shared by every section of the report. */
import type { PdfNode } from './pdf-writer.js';

export const PAGE = { size: 'A4', margins: [48, 56, 48, 52] as const, width: 595.28 - 96 };

export const COLOURS = { ink: '#1d2733', muted: '#5b6675', rule: '#c9d0d9', band: '#f2f5f8', accent: '#1f5f99', warn: '#a33b1f' };

export const STYLES: Record<string, PdfNode> = {
  title: { fontSize: 22, bold: true, color: COLOURS.ink, margin: [0, 0, 0, 4] },
  subtitle: { fontSize: 11, color: COLOURS.muted, margin: [0, 0, 0, 14] },
  h1: { fontSize: 14, bold: true, color: COLOURS.accent, margin: [0, 14, 0, 6] },
  h2: { fontSize: 11, bold: true, color: COLOURS.ink, margin: [0, 10, 0, 4] },
  body: { fontSize: 9.5, lineHeight: 1.25, color: COLOURS.ink, margin: [0, 0, 0, 6] },
  note: { fontSize: 8, color: COLOURS.muted, lineHeight: 1.2, margin: [0, 2, 0, 6] },
  th: { fontSize: 8, bold: true, color: COLOURS.ink, fillColor: COLOURS.band },
  td: { fontSize: 8, color: COLOURS.ink },
  mono: { fontSize: 6.5, color: COLOURS.ink, lineHeight: 1.1 },
  caption: { fontSize: 6.5, color: COLOURS.muted, alignment: 'center', margin: [0, 2, 0, 0] },
  scope: { fontSize: 10.5, lineHeight: 1.3, color: COLOURS.ink, margin: [0, 0, 0, 12] },
};

/** Horizontal rules only: the booktabs look that reads well in print. */
export const RULES_LAYOUT: PdfNode = {
  hLineWidth: (i: number, node: { table: { body: unknown[]; headerRows?: number } }) =>
    i === 0 || i === node.table.body.length ? 0.9 : i === (node.table.headerRows ?? 1) ? 0.6 : 0.25,
  vLineWidth: () => 0,
  hLineColor: (i: number, node: { table: { body: unknown[] } }) => (i === 0 || i === node.table.body.length ? COLOURS.ink : COLOURS.rule),
  paddingLeft: () => 4,
  paddingRight: () => 4,
  paddingTop: () => 3,
  paddingBottom: () => 3,
};

export const th = (text: string, extra: PdfNode = {}): PdfNode => ({ text, style: 'th', ...extra });
export const td = (text: string, extra: PdfNode = {}): PdfNode => ({ text, style: 'td', ...extra });
export const p = (text: string | PdfNode[], style = 'body'): PdfNode => ({ text, style });
