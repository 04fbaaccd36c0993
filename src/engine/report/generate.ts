/**
 * The report generator's entry point (CLI `report`, `audit --report`, the app's `report:export`):
 * open the results store read-only, read the report data, build the scrubber from the identifiers of the
 * audited DICOM files that are still on disk, render, write. The store is the only source of figures;
 * input files are read only to find identifiers to remove (or, on request, to show).
 */
import { writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { AuditStore } from '../audit/store.js';
import { renderReport } from './document.js';
import { reportDataFromStore, ReportError } from './from-store.js';
import { reportHash } from './hash.js';
import { createScrubber, readDicomIdentifiers, type DicomIdentifiers } from './identifiers.js';
import type { ReportData } from './report-data.js';

export { ReportError };

export interface GenerateOptions {
  db: string;
  auditId?: string;
  includeIdentifiers?: boolean;
  /** CreationDate of the PDF (default: now). Fixed → byte-identical output for the same store. */
  created?: Date;
  worst?: number;
}

export interface GeneratedReport {
  pdf: Uint8Array;
  hash: string;
  auditId: string;
  data: ReportData;
}

function openStore(db: string): AuditStore {
  return AuditStore.open(db, { readOnly: true });
}

/** Identifiers of every audited file that may be DICOM (a .dcm name, no extension, or a DICOM folder). */
function auditedIdentifiers(store: AuditStore, auditId: string): DicomIdentifiers[] {
  const datasets = store.rows('datasets');
  const used = new Set(store.cells(auditId).map((c) => c.datasetKey));
  const out: DicomIdentifiers[] = [];
  for (const d of datasets) {
    if (!used.has(String(d.dataset_key))) continue;
    for (const im of store.rows('images').filter((i) => i.dataset_key === d.dataset_key)) {
      const path = String(im.path);
      const ext = extname(path).toLowerCase();
      if (d.kind !== 'dicom' && ext !== '.dcm' && ext !== '') continue;
      const ids = readDicomIdentifiers(join(String(d.dir), path));
      if (ids) out.push(ids);
    }
  }
  return out;
}

export function readReportData(store: AuditStore, opts: Omit<GenerateOptions, 'db' | 'created'>): ReportData {
  return reportDataFromStore(store, {
    auditId: opts.auditId,
    worst: opts.worst,
    includeIdentifiers: opts.includeIdentifiers,
    identifiersOf: (file) => readDicomIdentifiers(file)?.values ?? null,
  });
}

export async function generateReport(opts: GenerateOptions): Promise<GeneratedReport> {
  const store = openStore(opts.db);
  try {
    const data = readReportData(store, opts);
    const full = store.audits().find((a) => a.auditId.startsWith(data.audit.id))!.auditId;
    const scrub = opts.includeIdentifiers ? (s: string) => s : createScrubber(auditedIdentifiers(store, full));
    const { pdf, hash } = await renderReport(data, { created: opts.created ?? new Date(), scrub });
    return { pdf, hash, auditId: full, data };
  } finally {
    store.close();
  }
}

export async function writeReport(out: string, opts: GenerateOptions): Promise<GeneratedReport> {
  const r = await generateReport(opts);
  try {
    writeFileSync(out, r.pdf);
  } catch (e) {
    throw new ReportError(`Cannot write the report to ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  return r;
}

/** The report hash of an audit, recomputed from the store alone (what `report --hash` prints). */
export function reportHashFromStore(opts: Pick<GenerateOptions, 'db' | 'auditId' | 'includeIdentifiers' | 'worst'>): string {
  const store = openStore(opts.db);
  try {
    return reportHash(readReportData(store, opts));
  } finally {
    store.close();
  }
}
