/**
 * The `report:export` call: the store path is checked by the caller's path policy, the report is built
 * by src/engine/report (the same generator as `vlsm-audit report`) in a job worker process — a large
 * audit's PDF takes seconds to tens of seconds, which must not stall every other call on the main
 * process's event loop — and returned as a PDF data URL, so the window saves it as a download on both
 * transports (no write access to the disk from the renderer).
 */
import { StoreError } from '../audit/store.js';
import { decodePool, JobError } from '../jobs/index.js';
import type { TaskContext } from '../jobs/tasks.js';
import { generateReport, ReportError } from '../report/index.js';
import type { CallResult, ParsedArgs } from './contract.js';
import { ApiError } from './errors.js';

export interface ReportJobArgs {
  db: string;
  auditId?: string;
  includeIdentifiers?: boolean;
  created?: string;
}

export interface ReportJobResult {
  auditId: string;
  hash: string;
  name: string;
  pdf: Uint8Array;
}

/** The job (task `report:export`): reads the store and builds the PDF in the worker. */
export async function reportTask(args: ReportJobArgs, ctx: TaskContext): Promise<ReportJobResult> {
  ctx.progress('reading', 'Reading the results store', 0.1);
  try {
    const r = await generateReport({ db: args.db, auditId: args.auditId, includeIdentifiers: args.includeIdentifiers, created: args.created === undefined ? undefined : new Date(args.created) });
    return { auditId: r.auditId, hash: r.hash, name: r.data.audit.name, pdf: r.pdf };
  } catch (e) {
    if (e instanceof ReportError || e instanceof StoreError) throw new ApiError('bad-args', e.message);
    throw e;
  }
}

/** Bound of one report job: generous, since a store may hold thousands of cells and many figures. */
const REPORT_TIMEOUT_MS = 10 * 60_000;

export async function exportReport(
  args: ParsedArgs<'report:export'>,
  db: string,
  ctx: { signal: AbortSignal; progress: (stage: string, message: string, fraction?: number | null) => void },
): Promise<CallResult<'report:export'>> {
  let r: ReportJobResult;
  try {
    r = await decodePool().run(
      'report:export',
      { db, auditId: args.auditId, includeIdentifiers: args.includeIdentifiers, created: args.created },
      { signal: ctx.signal, onProgress: (p) => ctx.progress(p.stage, p.message, p.fraction), label: `the report of ${db}`, timeoutMs: REPORT_TIMEOUT_MS },
    );
  } catch (e) {
    if (e instanceof JobError && e.reason === 'cancelled') throw new ApiError('cancelled', 'The report was cancelled.');
    if (e instanceof JobError) throw new ApiError('runtime', `The report could not be built: ${e.message}`);
    throw e;
  }
  ctx.progress('done', 'Report ready', 1);
  const safeName = r.name.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'audit';
  return {
    auditId: r.auditId,
    hash: r.hash,
    fileName: `${safeName}-${r.auditId.slice(0, 12)}-report.pdf`,
    pdf: `data:application/pdf;base64,${Buffer.from(r.pdf.buffer, r.pdf.byteOffset, r.pdf.byteLength).toString('base64')}`,
    bytes: r.pdf.byteLength,
  };
}
