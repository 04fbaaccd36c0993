/**
 * Stored-domain facts for the report, read from what each cell recorded (params_json.stored, written by
 * audit/execute-stored.ts): ε and max |Δ stored| in su, HU and k/255w per worst case, and per attack, ε and
 * image kind the budget table of the method section. A ε in HU or k/255w is a different number of stored
 * units on each image (slope, window), so the table lists each distinct conversion.
 */
import { describeUnits } from '../attacks/domain/units.js';
import type { StoredCellRecord } from '../audit/execute-stored.js';
import type { CellRecord } from '../audit/store.js';
import type { StoredBudgetRow, StoredWorst } from './report-data.js';

const storedOf = (c: CellRecord): StoredCellRecord | null => (c.params as { stored?: StoredCellRecord } | null)?.stored ?? null;
const r3 = (x: number): string => String(Math.round(x * 1000) / 1000);

/** "512×400 CT, slope 1, window 40/400 (LINEAR)" — what fixes the su ↔ HU ↔ k/255w conversion. */
function imageKind(s: StoredCellRecord): string {
  const im = s.image;
  const kind = im.format === 'dicom' ? (im.modality ?? 'DICOM') : im.format.toUpperCase();
  const win = im.window ? `, window ${r3(im.window.center)}/${r3(im.window.width)} (${im.window.function}${im.window.fromFile ? '' : ', min/max of the image'})` : '';
  return `${im.width}×${im.height} ${kind}, slope ${r3(Math.abs(im.rescale.slope))}${win}`;
}

export function storedWorst(c: CellRecord): StoredWorst | undefined {
  const s = storedOf(c);
  if (!s) return undefined;
  const scale = s.eps.HU === null ? `${r3(s.eps.su)} su` : `${r3(s.eps.su)} su = ${r3(s.eps.HU)} HU`;
  return { eps: describeUnits(s.eps), maxDelta: describeUnits(s.perturbation.linf), scale, image: imageKind(s) };
}

export function storedBudgets(cells: readonly CellRecord[]): StoredBudgetRow[] {
  const rows = new Map<string, StoredBudgetRow>();
  for (const c of cells) {
    const s = storedOf(c);
    if (c.domain !== 'stored' || !s) continue;
    const image = imageKind(s);
    const key = `${c.label}|${c.units}|${c.eps}|${image}|${s.eps.su}`;
    const row = rows.get(key);
    if (row) {
      row.cells++;
      row.maxDeltaSu = Math.max(row.maxDeltaSu, s.perturbation.linf.su);
    } else rows.set(key, { attack: c.label, given: c.epsText, su: s.eps.su, HU: s.eps.HU, w255: s.eps.w255, image, cells: 1, maxDeltaSu: s.perturbation.linf.su });
  }
  return [...rows.values()];
}
