/** The results table: which columns, how they sort, and the CSV export of exactly what it holds. */
export interface CellRow {
  key: string;
  model: string;
  dataset: string;
  imageId: string;
  prompt: string;
  attack: string;
  label: string;
  units: string;
  eps: number;
  epsText: string;
  seed: number;
  cleanDice: number | null;
  advDice: number | null;
  cleanIou: number | null;
  advIou: number | null;
  linf255: number | null;
  success: boolean;
}

export type SortKey = 'model' | 'dataset' | 'imageId' | 'prompt' | 'label' | 'eps' | 'cleanDice' | 'advDice' | 'success';
export interface SortState {
  key: SortKey;
  ascending: boolean;
}

export const COLUMNS: ReadonlyArray<{ key: SortKey; title: string; numeric: boolean }> = [
  { key: 'model', title: 'model', numeric: false },
  { key: 'dataset', title: 'dataset', numeric: false },
  { key: 'imageId', title: 'image', numeric: false },
  { key: 'prompt', title: 'prompt', numeric: false },
  { key: 'label', title: 'attack', numeric: false },
  { key: 'eps', title: 'ε', numeric: true },
  { key: 'cleanDice', title: 'clean Dice', numeric: true },
  { key: 'advDice', title: 'adv. Dice', numeric: true },
  { key: 'success', title: 'broken', numeric: false },
];

/** Stable sort; missing numbers (NaN in the engine) always last, whatever the direction. */
export function sortRows(rows: readonly CellRow[], s: SortState): CellRow[] {
  const dir = s.ascending ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = a.r[s.key];
      const y = b.r[s.key];
      if (x === null && y === null) return a.i - b.i;
      if (x === null) return 1;
      if (y === null) return -1;
      const c = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y) : Number(x) - Number(y);
      return c !== 0 ? c * dir : a.i - b.i;
    })
    .map((e) => e.r);
}

/** Sorting by the same column again flips the direction; a new column starts ascending. */
export function nextSort(current: SortState, key: SortKey): SortState {
  return current.key === key ? { key, ascending: !current.ascending } : { key, ascending: true };
}

const CSV_COLUMNS: ReadonlyArray<keyof CellRow> = ['key', 'model', 'dataset', 'imageId', 'prompt', 'attack', 'label', 'units', 'eps', 'epsText', 'seed', 'cleanDice', 'advDice', 'cleanIou', 'advIou', 'linf255', 'success'];

function field(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly CellRow[]): string {
  return `${[CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => field(r[c])).join(','))].join('\n')}\n`;
}

export const fmtDice = (x: number | null): string => (x === null ? '–' : x.toFixed(3));
