/**
 * `vlsm-audit audit PLAN`: runs an audit plan (docs/audits.md) into a results store. Locally in this
 * process (--jobs 1) or N job worker processes, or through a Redis queue (--queue URL) that `vlsm-audit worker`
 * processes drain. --resume continues a killed run where it stopped. Progress: a bar on a TTY, JSON lines
 * on stdout with --json; Ctrl-C cancels after the cells in flight (a second Ctrl-C exits at once).
 */
import type { Command } from 'commander';
import { loadPlan } from '../../engine/audit/plan.js';
import { runQueuedAudit } from '../../engine/audit/queue.js';
import { runAudit, type AuditProgress, type AuditSummary } from '../../engine/audit/runner.js';
import { writeReport } from '../../engine/report/index.js';
import { action, parsePositiveInt, UsageError } from '../errors.js';
import { addRuntimeFlags } from '../options.js';

interface AuditCliOptions {
  db?: string;
  resume?: boolean;
  jobs: number;
  queue?: string;
  json?: boolean;
  provider: 'auto' | 'cpu' | 'cuda';
  threads?: number;
  graphCache?: string;
  report?: string;
}

export function registerAudit(program: Command): void {
  const cmd = program
    .command('audit')
    .description('run an audit plan (JSON or YAML) into a SQLite results store; resumable')
    .argument('<plan>', 'plan file, JSON or YAML (.yaml/.yml) (examples/; docs/audits.md)')
    .option('--db <file>', 'results store (default: <plan name>.sqlite in the working folder)')
    .option('--resume', 'continue the audit this store already holds (finished cells are kept, not re-run)')
    .option('--jobs <n>', 'local workers: 1 runs in this process, N > 1 in N child processes (1 thread each)', parsePositiveInt('jobs'), 1)
    .option('--queue <url>', 'enqueue on Redis (redis://host:port) for `vlsm-audit worker` processes and collect their results')
    .option('--json', 'progress and the summary as JSON lines on stdout')
    .option('--report <file>', 'when the audit is done, write its PDF report there (as `vlsm-audit report`)');
  addRuntimeFlags(cmd)
    .option('--graph-cache <dir>', 'folder for built gradient graphs', '.cache/gradient-graphs')
    .action(action(runAuditCommand));
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

/** Progress on stderr: a redrawn bar on a TTY, else a line at most every 10 s. */
function progressPrinter(json: boolean): (p: AuditProgress) => void {
  let lastLine = 0;
  return (p) => {
    if (json) {
      process.stdout.write(`${JSON.stringify({ event: 'progress', ...p, cellsPerMinute: Number.isFinite(p.cellsPerMinute) ? p.cellsPerMinute : null, etaSeconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : null })}\n`);
      return;
    }
    const text = `${p.name}: ${p.done}/${p.total} cells${p.resumed ? ` (${p.resumed} from before)` : ''}, ${Number.isFinite(p.cellsPerMinute) ? p.cellsPerMinute.toFixed(1) : '–'} cells/min, ETA ${fmtSeconds(p.etaSeconds)}`;
    if (process.stderr.isTTY) {
      const width = 24;
      const filled = Math.round((p.done / Math.max(1, p.total)) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
    } else if (performance.now() - lastLine > 10_000 || p.done === p.total) {
      lastLine = performance.now();
      process.stderr.write(`${text}\n`);
    }
  };
}

async function runAuditCommand(planFile: string, o: AuditCliOptions): Promise<void> {
  if (!['auto', 'cpu', 'cuda'].includes(o.provider)) throw new UsageError(`--provider must be auto, cpu or cuda, got "${o.provider}".`);
  if (o.queue && o.jobs !== 1) throw new UsageError('--jobs is for local runs; with --queue start `vlsm-audit worker` processes instead.');
  const plan = loadPlan(planFile);
  const db = o.db ?? `${plan.name}.sqlite`;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\ncancelling after the cells in flight (Ctrl-C again to exit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const onProgress = progressPrinter(!!o.json);
  const argv = ['audit', ...process.argv.slice(3)].join(' ');
  let s: AuditSummary;
  try {
    s = o.queue
      ? await runQueuedAudit(plan, { db, url: o.queue, resume: !!o.resume, signal: controller.signal, onProgress, argv })
      : await runAudit(plan, { db, jobs: o.jobs, resume: !!o.resume, provider: o.provider, threads: o.threads, graphCacheDir: o.graphCache, signal: controller.signal, onProgress, argv });
  } finally {
    process.off('SIGINT', onSigint);
    if (!o.json && process.stderr.isTTY) process.stderr.write('\n');
  }
  const perMin = s.ran > 0 ? (s.ran / s.seconds) * 60 : NaN;
  if (o.json) process.stdout.write(`${JSON.stringify({ event: 'done', ...s, cellsPerMinute: Number.isFinite(perMin) ? perMin : null })}\n`);
  else process.stdout.write(`audit "${s.name}" ${s.status}: ${s.ran} cells run${s.resumed ? `, ${s.resumed} resumed` : ''}, ${s.total} in the plan, ${fmtSeconds(s.seconds)}${Number.isFinite(perMin) ? ` (${perMin.toFixed(1)} cells/min)` : ''}; results in ${s.db}\n`);
  if (s.status !== 'done') process.exitCode = 130;
  else if (o.report) {
    // The report reads the store just written, like `vlsm-audit report --db … --audit …` (docs/report.md).
    const r = await writeReport(o.report, { db: s.db, auditId: s.auditId });
    if (o.json) process.stdout.write(`${JSON.stringify({ event: 'report', out: o.report, hash: r.hash, auditId: r.auditId })}\n`);
    else process.stdout.write(`report written to ${o.report}; report hash ${r.hash}\n`);
  }
}
