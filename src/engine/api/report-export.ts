/**
 * The `report:export` call: the store path is checked by the caller's path policy, the report is built
 * by src/engine/report (the same generator as `vlsm-audit report`) and returned as a PDF data URL, so the
 * window saves it as a download on both transports (no write access to the disk from the renderer).
 */
import { StoreError } from '../audit/store.js';
import { generateReport, ReportError } from '../report/index.js';
import type { CallResult, ParsedArgs } from './contract.js';
import { ApiError } from './errors.js';

export async function exportReport(args: ParsedArgs<'report:export'>, db: string, progress: (stage: string, message: string, fraction?: number | null) => void): Promise<CallResult<'report:export'>> {
  progress('reading', 'Reading the results store', 0.1);
  try {
    const r = await generateReport({ db, auditId: args.auditId, includeIdentifiers: args.includeIdentifiers, created: args.created === undefined ? undefined : new Date(args.created) });
    progress('done', 'Report ready', 1);
    const safeName = r.data.audit.name.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'audit';
    return {
      auditId: r.auditId,
      hash: r.hash,
      fileName: `${safeName}-${r.auditId.slice(0, 12)}-report.pdf`,
      pdf: `data:application/pdf;base64,${Buffer.from(r.pdf.buffer, r.pdf.byteOffset, r.pdf.byteLength).toString('base64')}`,
      bytes: r.pdf.byteLength,
    };
  } catch (e) {
    if (e instanceof ReportError || e instanceof StoreError) throw new ApiError('bad-args', e.message);
    throw e;
  }
}
