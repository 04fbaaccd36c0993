/**
 * Percentile bootstrap confidence interval of a statistic (default: the mean), seeded so a report can be
 * regenerated exactly: draw `resamples` samples of n values with replacement, take the statistic of
 * each, report the (1−level)/2 and (1+level)/2 percentiles (numpy linear interpolation). NaN values are
 * excluded and counted; no valid value → NaN bounds with valid = 0.
 */
import { percentile } from './hd95.js';
import { createRng } from './random.js';

export interface BootstrapOptions {
  resamples?: number;
  /** Coverage, default 0.95. */
  level?: number;
  seed?: number;
  statistic?: (values: Float64Array) => number;
}

export interface ConfidenceInterval {
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
  seed: number;
  valid: number;
}

const mean = (v: Float64Array): number => v.reduce((a, b) => a + b, 0) / v.length;

export function bootstrapCi(values: readonly number[], opts: BootstrapOptions = {}): ConfidenceInterval {
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const seed = opts.seed ?? 0;
  const stat = opts.statistic ?? mean;
  const v = Float64Array.from(values.filter((x) => !Number.isNaN(x)));
  if (v.length === 0) return { estimate: NaN, low: NaN, high: NaN, level, resamples, seed, valid: 0 };
  const rng = createRng(seed);
  const stats = new Float64Array(resamples);
  const sample = new Float64Array(v.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < v.length; i++) sample[i] = v[rng.int(v.length)];
    stats[r] = stat(sample);
  }
  const tail = ((1 - level) / 2) * 100;
  return { estimate: stat(v), low: percentile(stats, tail), high: percentile(stats, 100 - tail), level, resamples, seed, valid: v.length };
}
