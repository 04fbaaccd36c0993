/** How numbers read in a report: fixed decimals, intervals in brackets, ε as k/255, "–" for no value. */
import type { Estimate } from './report-data.js';

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
