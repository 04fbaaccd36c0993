/**
 * Analysis: pure functions over stored cells (AuditStore.cells()), used by `vlsm-audit results`, the
 * report and the app. Nothing here reads files or models; the same cells give the same figures.
 *   - robustness curves: per (model, dataset, attack row, domain, units) Dice/IoU against ε (a su sweep and a
 *     k/255 sweep are never one curve), with a percentile
 *     bootstrap CI of the mean Dice and the attack success rate (metrics/robustness.ts semantics);
 *   - robust Dice: per image the minimum adversarial Dice over every attack cell (clean/noise excluded);
 *   - per-prompt robustness: the same means per prompt spec;
 *   - worst cases: the k cells with the lowest adversarial Dice;
 *   - paired clean-vs-adversarial statistics: mean paired difference with its bootstrap CI and the
 *     share of images that got worse.
 * Means skip NaN values and say how many were valid; bootstrap seeds are explicit (default 0).
 */
import { bootstrapCi, robustDice, successRate, type ConfidenceInterval } from '../metrics/index.js';
import type { CellRecord } from './store.js';

/** Attack rows that are controls, not attacks: left out of robust Dice. */
export const CONTROL_ATTACKS: readonly string[] = ['clean', 'noise'];

function meanValid(v: readonly number[]): { mean: number; valid: number } {
  const ok = v.filter((x) => !Number.isNaN(x));
  return { mean: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN, valid: ok.length };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = m.get(k);
    if (g) g.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Adversarial Dice of a cell; the clean row's "adversarial" is its clean prediction. */
const advDice = (c: CellRecord) => (c.attack === 'clean' ? c.metrics.clean.dice : c.metrics.adversarial.dice);
const advIou = (c: CellRecord) => (c.attack === 'clean' ? c.metrics.clean.iou : c.metrics.adversarial.iou);

export interface CurvePoint {
  eps: number;
  epsText: string;
  n: number;
  dice: number;
  iou: number;
  cleanDice: number;
  diceCi: ConfidenceInterval;
  /** Success rate (adversarial Dice ≤ ½ clean Dice; clean Dice 0 excluded), NaN for the clean row. */
  successRate: number;
}

export interface RobustnessCurve {
  modelSha256: string;
  dataset: string;
  label: string;
  attack: string;
  /** 'model' | 'stored': a curve is one domain and one unit of ε, never a mix. */
  domain: string;
  units: string;
  points: CurvePoint[];
}

export function robustnessCurves(cells: readonly CellRecord[], opts: { seed?: number; resamples?: number } = {}): RobustnessCurve[] {
  const curves: RobustnessCurve[] = [];
  for (const group of groupBy(cells, (c) => `${c.modelSha256}|${c.dataset}|${c.label}|${c.domain}|${c.units}`).values()) {
    const first = group[0];
    const points = [...groupBy(group, (c) => String(c.eps)).values()]
      .map((g) => {
        const dice = g.map(advDice);
        const clean = g.map((c) => c.metrics.clean.dice);
        return {
          eps: g[0].eps,
          epsText: g[0].epsText,
          n: g.length,
          dice: meanValid(dice).mean,
          iou: meanValid(g.map(advIou)).mean,
          cleanDice: meanValid(clean).mean,
          diceCi: bootstrapCi(dice, { seed: opts.seed ?? 0, resamples: opts.resamples }),
          successRate: g[0].attack === 'clean' ? NaN : successRate(clean, dice).rate,
        };
      })
      .sort((a, b) => a.eps - b.eps);
    curves.push({ modelSha256: first.modelSha256, dataset: first.dataset, label: first.label, attack: first.attack, domain: first.domain, units: first.units, points });
  }
  return curves;
}

export interface RobustImage {
  modelSha256: string;
  dataset: string;
  imageId: string;
  cleanDice: number;
  robustDice: number;
  /** The cell that reached the minimum. */
  worstCell: string;
}

/** Per image (and model, dataset, prompt) the minimum adversarial Dice over all attack cells. */
export function robustDicePerImage(cells: readonly CellRecord[]): RobustImage[] {
  const attacked = cells.filter((c) => !CONTROL_ATTACKS.includes(c.attack));
  return [...groupBy(attacked, (c) => `${c.modelSha256}|${c.dataset}|${c.imageId}|${c.prompt}`).values()].map((g) => {
    const [min] = robustDice(g.map((c) => [c.metrics.adversarial.dice]));
    const worst = g.find((c) => c.metrics.adversarial.dice === min) ?? g[0];
    return { modelSha256: g[0].modelSha256, dataset: g[0].dataset, imageId: g[0].imageId, cleanDice: g[0].metrics.clean.dice, robustDice: min, worstCell: worst.key };
  });
}

export interface RobustSummary {
  modelSha256: string;
  dataset: string;
  n: number;
  cleanDice: number;
  robustDice: number;
  ci: ConfidenceInterval;
}

export function robustDiceSummary(cells: readonly CellRecord[], opts: { seed?: number } = {}): RobustSummary[] {
  return [...groupBy(robustDicePerImage(cells), (r) => `${r.modelSha256}|${r.dataset}`).values()].map((g) => ({
    modelSha256: g[0].modelSha256,
    dataset: g[0].dataset,
    n: g.length,
    cleanDice: meanValid(g.map((r) => r.cleanDice)).mean,
    robustDice: meanValid(g.map((r) => r.robustDice)).mean,
    ci: bootstrapCi(g.map((r) => r.robustDice), { seed: opts.seed ?? 0 }),
  }));
}

export interface PromptRobustness {
  modelSha256: string;
  dataset: string;
  promptSpec: string;
  label: string;
  eps: number;
  n: number;
  cleanDice: number;
  dice: number;
}

export function perPromptRobustness(cells: readonly CellRecord[]): PromptRobustness[] {
  return [...groupBy(cells, (c) => `${c.modelSha256}|${c.dataset}|${c.promptSpec}|${c.label}|${c.units}|${c.eps}`).values()].map((g) => ({
    modelSha256: g[0].modelSha256,
    dataset: g[0].dataset,
    promptSpec: g[0].promptSpec,
    label: g[0].label,
    eps: g[0].eps,
    n: g.length,
    cleanDice: meanValid(g.map((c) => c.metrics.clean.dice)).mean,
    dice: meanValid(g.map(advDice)).mean,
  }));
}

/** The k attack cells with the lowest adversarial Dice (ties by key, so the list is stable). */
export function worstCases(cells: readonly CellRecord[], k = 10): CellRecord[] {
  const d = (c: CellRecord) => (Number.isNaN(c.metrics.adversarial.dice) ? Infinity : c.metrics.adversarial.dice);
  return cells
    .filter((c) => !CONTROL_ATTACKS.includes(c.attack))
    .slice()
    .sort((a, b) => d(a) - d(b) || (a.key < b.key ? -1 : 1))
    .slice(0, k);
}

export interface PairedStats {
  modelSha256: string;
  dataset: string;
  label: string;
  eps: number;
  n: number;
  /** Mean of (adversarial − clean) Dice over images with both values. */
  meanDifference: number;
  ci: ConfidenceInterval;
  /** Share of images whose adversarial Dice is below their clean Dice. */
  worseFraction: number;
}

export function pairedStatistics(cells: readonly CellRecord[], opts: { seed?: number } = {}): PairedStats[] {
  return [...groupBy(cells.filter((c) => c.attack !== 'clean'), (c) => `${c.modelSha256}|${c.dataset}|${c.label}|${c.units}|${c.eps}`).values()].map((g) => {
    const diffs = g.map((c) => c.metrics.adversarial.dice - c.metrics.clean.dice).filter((x) => !Number.isNaN(x));
    return {
      modelSha256: g[0].modelSha256,
      dataset: g[0].dataset,
      label: g[0].label,
      eps: g[0].eps,
      n: diffs.length,
      meanDifference: meanValid(diffs).mean,
      ci: bootstrapCi(diffs, { seed: opts.seed ?? 0 }),
      worseFraction: diffs.length ? diffs.filter((x) => x < 0).length / diffs.length : NaN,
    };
  });
}
