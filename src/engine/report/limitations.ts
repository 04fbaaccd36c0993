/**
 * "What was not tested", derived from what the audit did run — so the list is specific to this report
 * and shrinks as audits grow — plus the limits that hold for every audit of this kind.
 */
import type { CellRecord } from '../audit/store.js';
import type { ReportData } from './report-data.js';

const ENSEMBLE = ['apgd', 'apgd-ce', 'apgd-dice', 'ensemble', 'autoattack'];

export function describeLimitations(d: ReportData, cells: readonly CellRecord[]): string[] {
  const out: string[] = [];
  const names = new Set(cells.map((c) => c.attack));
  const m = d.method;
  if (d.audit.cellsDone < d.audit.cellsTotal) out.push(`The audit is incomplete: ${d.audit.cellsTotal - d.audit.cellsDone} of ${d.audit.cellsTotal} cells did not run (status "${d.audit.status}"); resume it and report again.`);
  if (![...names].some((n) => ENSEMBLE.includes(n))) {
    out.push('No attack ensemble (APGD with several losses) was run: the robust Dice is the worst over the attacks listed, an upper bound on the true worst case, and a stronger attacker may do more damage.');
  }
  if (!m.attacks.some((a) => a.norm === 'l2')) out.push('Only L∞ budgets were tested; no L2 attack.');
  if (!names.has('square')) out.push('No black-box (query-only) attack was run; the gradient attacks assume full white-box access.');
  if (!m.attacks.some((a) => a.target !== 'none' && a.target !== 'control')) out.push('No targeted attack (e.g. erasing the lesion from the mask) was run.');
  if (!m.attacks.some((a) => a.domain === 'stored')) out.push('Perturbations live on the model input after resizing; none was made in the file\'s own stored values at native resolution ("stored" domain).');
  if (m.seeds.length < 2) out.push('One seed only: the spread of results over random starts was not measured.');
  if (!m.promptModes.some((x) => x.startsWith('every phrasing'))) out.push('Prompt wording was not varied; prompt-only attacks (rephrasing) were not tested.');
  if (d.provenance.datasets.some((x) => x.referenceFree)) {
    out.push('Some inputs have no ground truth: their Dice is measured against the model\'s own clean prediction (reference-free), which shows how much an attack changes the output, not whether either output is correct.');
  }
  const small = d.verdict.filter((r) => r.samples < 30);
  if (small.length) out.push(`Small samples (${small.map((r) => `${r.model} on ${r.dataset}: ${r.samples}`).join('; ')}): intervals are wide and rates are coarse.`);
  out.push('Universal (image-agnostic) perturbations, physical or acquisition changes (noise, compression, scanner settings) and natural distribution shift are outside this audit.');
  out.push('The results hold for the exact model files listed under provenance (by SHA-256); any retrained or converted model needs its own audit.');
  return out;
}
