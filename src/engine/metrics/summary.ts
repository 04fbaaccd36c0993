/**
 * Reductions over per-image values. NaN entries (no valid value, e.g. ignore_empty) are excluded and
 * counted; a summary of no valid values is NaN, said so by `valid: 0`.
 */
export interface Summary {
  n: number;
  valid: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  std: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const v = values.filter((x) => !Number.isNaN(x));
  const n = values.length;
  if (v.length === 0) return { n, valid: 0, mean: NaN, std: NaN, median: NaN, min: NaN, max: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.length > 1 ? v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) : 0;
  const sorted = [...v].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n, valid: v.length, mean, std: Math.sqrt(variance), median, min: sorted[0], max: sorted[sorted.length - 1] };
}
