/**
 * `vlsm-audit report`: a PDF robustness report from a results store (docs/report.md). Reads the store
 * only, so any finished, cancelled or resumed audit can be reported again; `--hash` prints the report
 * hash recomputed from the store, which a reader compares with the one printed in a PDF.
 */
import type { Command } from 'commander';
import { reportHashFromStore, writeReport } from '../../engine/report/index.js';
import { action, UsageError } from '../errors.js';

interface ReportOptions {
  db: string;
  out?: string;
  audit?: string;
  includeIdentifiers?: boolean;
  created?: string;
  hash?: boolean;
  json?: boolean;
}

export function parseCreated(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) throw new UsageError(`--created must be an ISO 8601 date such as 2026-01-31T12:00:00Z, got "${v}".`);
  return d;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a PDF robustness report from a results store')
    .requiredOption('--db <file>', 'results store written by `vlsm-audit audit`')
    .option('--out <file>', 'PDF to write')
    .option('--audit <id>', 'audit id (or a unique prefix) when the store holds several')
    .option('--include-identifiers', 'show folder names and DICOM patient identifiers (removed by default)')
    .option('--created <iso>', 'creation date written into the PDF (default: now); fixed → byte-identical reports')
    .option('--hash', 'print the report hash recomputed from the store and write nothing')
    .option('--json', 'print one JSON object {out, hash, auditId}')
    .action(action(runReport));
}

async function runReport(o: ReportOptions): Promise<void> {
  if (o.hash) {
    const hash = reportHashFromStore({ db: o.db, auditId: o.audit, includeIdentifiers: o.includeIdentifiers });
    process.stdout.write(o.json ? `${JSON.stringify({ hash })}\n` : `${hash}\n`);
    return;
  }
  if (!o.out) throw new UsageError('--out is required (the PDF to write), or pass --hash to print the report hash only.');
  const r = await writeReport(o.out, { db: o.db, auditId: o.audit, includeIdentifiers: o.includeIdentifiers, created: parseCreated(o.created) });
  if (o.json) process.stdout.write(`${JSON.stringify({ out: o.out, hash: r.hash, auditId: r.auditId })}\n`);
  else process.stdout.write(`Report of audit "${r.data.audit.name}" (${r.auditId.slice(0, 12)}) written to ${o.out}; report hash ${r.hash}.\n`);
}
