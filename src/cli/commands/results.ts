/**
 * `vlsm-audit results --db FILE`: what a results store holds. Default: per audit, its progress and the
 * robustness curves (mean Dice per attack row and ε, 95% CI, success rate) and robust Dice. --csv: every
 * cell as a row (provenance and metric columns of the cells table); --json: audits, sessions, models,
 * datasets and cells (metrics decoded, NaN as null) as one document.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { robustDiceSummary, robustnessCurves } from '../../engine/audit/analysis.js';
import { AuditStore } from '../../engine/audit/store.js';
import { action, UsageError } from '../errors.js';

interface ResultsCliOptions {
  db: string;
  audit?: string;
  csv?: boolean;
  json?: boolean;
  out?: string;
}

export function registerResults(program: Command): void {
  program
    .command('results')
    .description('show or export a results store (CSV or JSON)')
    .requiredOption('--db <file>', 'results store written by `vlsm-audit audit`')
    .option('--audit <id>', 'only this audit (an id or its first characters)')
    .option('--csv', 'every cell as CSV')
    .option('--json', 'everything as one JSON document')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(action(runResults));
}

const CSV_SKIP = new Set(['metrics_json']);

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function cellsCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]).filter((c) => !CSV_SKIP.has(c));
  return `${[cols.join(','), ...rows.map((r) => cols.map((c) => csvField(r[c])).join(','))].join('\n')}\n`;
}

const pct = (x: number) => (Number.isFinite(x) ? (x * 100).toFixed(2) : '–');

async function runResults(o: ResultsCliOptions): Promise<void> {
  if (o.csv && o.json) throw new UsageError('Choose one of --csv and --json.');
  if (!existsSync(o.db)) throw new UsageError(`Results store ${o.db} does not exist.`);
  const store = AuditStore.open(o.db, { readOnly: true });
  try {
    const audits = store.audits().filter((a) => !o.audit || a.auditId.startsWith(o.audit));
    if (o.audit && audits.length === 0) throw new UsageError(`${o.db} holds no audit with id ${o.audit}.`);
    const ids = audits.map((a) => a.auditId);
    let text: string;
    if (o.csv) {
      text = cellsCsv(ids.flatMap((id) => store.rows('cells', id)));
    } else if (o.json) {
      const doc = { audits, sessions: ids.flatMap((id) => store.rows('sessions', id)), models: store.rows('models').map((m) => ({ ...m, manifest_json: JSON.parse(String(m.manifest_json)) })), datasets: store.rows('datasets'), images: store.rows('images'), cells: ids.flatMap((id) => store.cells(id)) };
      text = `${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
    } else {
      const out: string[] = [];
      for (const a of audits) {
        const cells = store.cells(a.auditId);
        const models = new Map(store.rows('models').map((m) => [String(m.model_sha256), String(m.name)]));
        out.push(`audit "${a.name}" ${a.auditId.slice(0, 12)}: ${a.cellsDone}/${a.cellsTotal} cells, ${a.status}`);
        for (const c of robustnessCurves(cells)) {
          out.push(`  ${models.get(c.modelSha256) ?? c.modelSha256.slice(0, 12)} ${c.dataset} ${c.label} (${c.domain} domain, ${c.units}):`);
          for (const p of c.points) out.push(`    ε ${p.epsText.padEnd(10)} n ${String(p.n).padStart(4)}  Dice ${pct(p.dice)} % [${pct(p.diceCi.low)}–${pct(p.diceCi.high)}]  IoU ${pct(p.iou)} %  success ${pct(p.successRate)} %`);
        }
        for (const r of robustDiceSummary(cells)) out.push(`  robust Dice ${models.get(r.modelSha256) ?? ''} ${r.dataset}: ${pct(r.robustDice)} % over ${r.n} images (clean ${pct(r.cleanDice)} %)`);
      }
      text = `${out.join('\n')}\n`;
    }
    if (o.out) writeFileSync(o.out, text);
    else process.stdout.write(text);
  } finally {
    store.close();
  }
}
