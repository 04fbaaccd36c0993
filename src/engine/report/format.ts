/** How numbers read in a report: fixed decimals, intervals in brackets, ε as k/255, "–" for no value. */
import type { Estimate, ReportData } from './report-data.js';

export const DASH = '–';

export function fmt(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : DASH;
}

export function fmtPercent(x: number, digits = 0): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : DASH;
}

/** "0.871" and, on a second line, "[0.842, 0.897]" — the interval only when it exists. */
export function fmtEstimate(e: Estimate, digits = 3): string {
  if (!Number.isFinite(e.estimate)) return DASH;
  return Number.isFinite(e.low) && Number.isFinite(e.high) ? `${fmt(e.estimate, digits)}\n[${fmt(e.low, digits)}, ${fmt(e.high, digits)}]` : fmt(e.estimate, digits);
}

export function fmtRate(e: Estimate): string {
  if (!Number.isFinite(e.estimate)) return DASH;
  return Number.isFinite(e.low) && Number.isFinite(e.high) ? `${fmtPercent(e.estimate)}\n[${fmtPercent(e.low)}, ${fmtPercent(e.high)}]` : fmtPercent(e.estimate);
}

/** ε in [0,1] pixel units as "k/255" (k to two decimals when not whole); normalised ε as a decimal. */
export function epsLabel(value: number, units: string): string {
  if (units !== 'pixel') return `${Number(value.toPrecision(4))} (${units})`;
  const k = value * 255;
  const whole = Math.abs(k - Math.round(k)) < 1e-6;
  return `${whole ? Math.round(k) : k.toFixed(2)}/255`;
}

/** "2026-12-01T09:50:12.345Z" → "2026-12-01 09:50:12 UTC"; other text unchanged. */
export function fmtTime(s: string | null): string {
  if (!s) return DASH;
  return s.replace(/(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z/g, '$1 $2 UTC');
}

/** Units of the stored domain (audit/stored-plan.ts STORED_EPS_UNITS); every other unit is the model domain's. */
const STORED_UNITS: readonly string[] = ['su', 'HU', '255w'];
const UNITS_ORDER: readonly string[] = ['pixel', 'normalised', ...STORED_UNITS];

/** The threat domain a unit of ε belongs to: units never cross domains, so a curve or column of one unit is one domain. */
export const domainOf = (units: string): 'model' | 'stored' => (STORED_UNITS.includes(units) ? 'stored' : 'model');

/** Sort key of units: model domain first (pixel, normalised), then su, HU, k/255w; unknown units last. */
export const unitsRank = (units: string): number => (UNITS_ORDER.includes(units) ? UNITS_ORDER.indexOf(units) : UNITS_ORDER.length);

/** What an ε in `units` is, for captions. */
export function unitsPhrase(units: string): string {
  switch (units) {
    case 'pixel':
      return 'k/255 of the model input before normalisation';
    case 'normalised':
      return 'normalised units (after mean/std, the paper’s convention)';
    case 'su':
      return 'stored units (su) of the file';
    case 'HU':
      return 'Hounsfield units (HU = su·|slope|)';
    case '255w':
      return 'k/255 of the displayed window (k/255w)';
    default:
      return units;
  }
}

/** "model domain, ε in k/255 of the model input …" — the phrase every stored-aware caption carries. */
export const domainUnits = (units: string): string => `${domainOf(units)} domain, ε in ${unitsPhrase(units)}`;

/** ε as a column or row label: k/255 (pixel), the cell's own text otherwise; stored-domain values say so. */
export function epsColumnLabel(units: string, value: number, epsText: string): string {
  if (units === 'pixel') return epsLabel(value, 'pixel');
  return domainOf(units) === 'stored' ? `${epsText} (stored)` : epsText;
}

/** Which domain and unit the ε labels of this report are in (captions of tables). */
export function unitsNote(d: Pick<ReportData, 'epsilons'>): string {
  const units = [...new Set(d.epsilons.map((e) => e.units))];
  return units.length ? `ε: ${units.map(domainUnits).join('; ')}.` : '';
}
