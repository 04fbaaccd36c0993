/** Page 1: what was audited (one sentence), the verdict table, and how to check the report. */
import { DASH, fmt, fmtEstimate, fmtRate, fmtTime, unitsNote } from './format.js';
import type { PdfContent, PdfNode } from './pdf-writer.js';
import type { ReportData } from './report-data.js';
import { COLOURS, p, RULES_LAYOUT, td, th } from './styles.js';

const list = (xs: readonly string[]): string => (xs.length <= 1 ? (xs[0] ?? DASH) : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
const uniq = (xs: readonly string[]): string[] => [...new Set(xs)];

/** The audit's scope in one sentence. */
export function scopeSentence(d: ReportData): string {
  const models = uniq(d.provenance.models.map((m) => `${m.name} ${m.version}`));
  const samples = d.verdict.reduce((a, r) => a + r.samples, 0);
  const datasets = d.provenance.datasets.map((x) => `${x.name}${x.split ? ` (${x.split})` : ''}`);
  const attacks = uniq(d.method.attacks.filter((a) => a.target !== 'control').map((a) => a.label));
  const controls = uniq(d.method.attacks.filter((a) => a.target === 'control' && a.name !== 'clean').map((a) => a.label));
  const eps = d.epsilons.map((e) => e.label);
  const refFree = d.provenance.datasets.filter((x) => x.referenceFree).map((x) => x.name);
  const scoring =
    refFree.length === 0
      ? ', scored against ground truth'
      : refFree.length === d.provenance.datasets.length
        ? ', scored reference-free (against the clean prediction, as no ground truth exists)'
        : `, scored against ground truth except ${list(refFree)} (no ground truth: scored against the clean prediction)`;
  return (
    `${list(models)} ${models.length > 1 ? 'were' : 'was'} attacked on ${samples} image–prompt pair${samples === 1 ? '' : 's'} ` +
    `from ${list(datasets)} with ${list(attacks)} at ε = ${eps.join(', ')} (L∞ unless stated)${controls.length ? ` and ${list(controls)} as a control` : ''}, ` +
    `${d.method.seeds.length} seed${d.method.seeds.length === 1 ? '' : 's'}` +
    `${scoring}; ` +
    `${d.audit.cellsDone} of ${d.audit.cellsTotal} cells completed.`
  );
}

export function verdictTable(d: ReportData): PdfNode {
  const header = [
    th('model'),
    th('dataset'),
    th('n', { alignment: 'right' }),
    th('clean Dice', { alignment: 'right' }),
    ...d.epsilons.map((e) => th(`Dice at ε = ${e.label}`, { alignment: 'right' })),
    th('robust Dice', { alignment: 'right' }),
    th('attack success', { alignment: 'right' }),
  ];
  const rows = d.verdict.map((r) => [
    td(r.model, { bold: true }),
    td(r.dataset),
    td(String(r.samples), { alignment: 'right' }),
    td(fmtEstimate(r.clean), { alignment: 'right' }),
    ...r.atEps.map((e) => td(fmtEstimate(e), { alignment: 'right' })),
    td(fmtEstimate(r.robust), { alignment: 'right', bold: true }),
    td(fmtRate(r.success), { alignment: 'right', bold: true }),
  ]);
  const n = header.length;
  return {
    table: { headerRows: 1, dontBreakRows: true, widths: ['auto', '*', 'auto', ...Array(n - 3).fill('auto')], body: [header, ...rows] },
    layout: RULES_LAYOUT,
    margin: [0, 4, 0, 4],
  };
}

function glanceTable(d: ReportData): PdfNode {
  const pv = d.provenance;
  const rows: Array<[string, string]> = [
    ['models', pv.models.map((m) => `${m.name} ${m.version} (model.onnx ${m.sha256.slice(0, 12)}…)`).join('; ')],
    ['data', pv.datasets.map((x) => `${x.name}${x.split ? ` ${x.split} split` : ''}: ${x.images} image${x.images === 1 ? '' : 's'}${x.referenceFree ? ', no ground truth' : ''}`).join('; ')],
    ['attacks', d.method.attacks.map((a) => `${a.label}${a.steps !== null && a.target !== 'control' ? ` (${a.steps} step${a.steps === 1 ? '' : 's'})` : ''}`).join(', ')],
    ['cells', `${d.audit.cellsDone} of ${d.audit.cellsTotal} (${d.audit.status}); seeds ${d.method.seeds.join(', ')}`],
    ['run', `${fmtTime(d.audit.startedAt)} to ${fmtTime(d.audit.finishedAt)} on ${pv.provider}${pv.threads ? `, ${pv.threads} thread${pv.threads === 1 ? '' : 's'}` : ''}`],
    ['software', `${pv.app.name} ${pv.app.version}${pv.app.commit ? `, commit ${pv.app.commit.slice(0, 12)}` : ''}`],
  ];
  return { table: { widths: [60, '*'], body: rows.map(([k, v]) => [td(k, { color: COLOURS.muted }), td(v)]) }, layout: RULES_LAYOUT, margin: [0, 2, 0, 4] };
}

export function titlePage(d: ReportData, created: string, hash: string): PdfContent[] {
  const headline = d.epsilons.length ? d.epsilons[d.epsilons.length - 1].label : DASH;
  const incomplete = d.audit.cellsDone < d.audit.cellsTotal;
  const drop = d.verdict.map((r) => `${r.model} on ${r.dataset}: ${fmt(r.clean.estimate)} to ${fmt(r.robust.estimate)}`);
  return [
    { text: 'Adversarial robustness report', style: 'title' },
    { text: `${d.audit.name} · audit ${d.audit.id} · generated ${created}`, style: 'subtitle' },
    { text: 'Scope', style: 'h2' },
    { text: scopeSentence(d), style: 'scope' },
    ...(incomplete
      ? [{ text: `This audit is incomplete (${d.audit.status}): figures cover only the cells that finished.`, style: 'body', color: COLOURS.warn, bold: true }]
      : []),
    { text: 'Verdict', style: 'h2' },
    verdictTable(d),
    p(
      `Mean Dice with 95 % bootstrap intervals in brackets. "Dice at ε" is the mean under the strongest single attack at that ε; ` +
        `"robust Dice" takes, per image, the worst Dice over every attack at ε = ${headline}; "attack success" is the share of ` +
        `images that some attack at ε = ${headline} broke (${d.method.success}). ${unitsNote(d)}`,
      'note',
    ),
    ...(d.provenance.datasets.some((x) => x.referenceFree)
      ? [
          p(
            `Reference-free rows (${list(d.provenance.datasets.filter((x) => x.referenceFree).map((x) => x.name))}) have no ground truth: each prediction ` +
              `is compared with the model's own clean prediction, so their clean Dice is 1 by construction and a drop measures how much ` +
              `the attack changes the output, not how accurate either output is.`,
            'note',
          ),
        ]
      : []),
    { text: 'In one line', style: 'h2' },
    p(`Clean to robust Dice at ε = ${headline}: ${drop.join('; ')}.`),
    { text: 'At a glance', style: 'h2' },
    glanceTable(d),
    { text: 'Checking this report', style: 'h2' },
    p(
      `Report hash (SHA-256 of the report data read from the results store): ${hash}. Recompute it with ` +
        `"vlsm-audit report --db <store> --audit ${d.audit.id} --hash"; the same value means this PDF shows what the store holds. ` +
        `Model and dataset hashes are in the provenance section.`,
      'note',
    ),
  ];
}
