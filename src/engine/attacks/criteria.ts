/**
 * Success criteria as composable values (Foolbox's Misclassification/TargetedMisclassification): an
 * attack reports `success[b] = criterion.test(...)` on the quantised adversarial prediction, so callers
 * never recompute it.
 */
import { dice, type MaskView } from '../metrics/overlap.js';

export interface CriterionInput {
  prediction: MaskView;
  reference: MaskView;
  cleanPrediction: MaskView;
  target?: MaskView;
}

export interface Criterion {
  readonly name: string;
  test(c: CriterionInput): boolean;
}

/** Dice(prediction, reference) < t. */
export const diceBelow = (t: number): Criterion => ({ name: `dice<${t}`, test: (c) => dice(c.prediction, c.reference) < t });

/** Dice dropped by at least `fraction` of a non-zero clean Dice: adv ≤ (1 − fraction)·clean, clean > 0. */
export const diceDrop = (fraction = 0.5): Criterion => ({
  name: `dice-drop>=${fraction}`,
  test: (c) => {
    const clean = dice(c.cleanPrediction, c.reference);
    return clean > 0 && dice(c.prediction, c.reference) <= (1 - fraction) * clean;
  },
});

/** Predicted foreground area < t (fraction of the image): the lesion was erased. */
export const areaBelow = (t: number): Criterion => ({
  name: `area<${t}`,
  test: (c) => c.prediction.data.reduce((a, v) => a + (v ? 1 : 0), 0) / c.prediction.data.length < t,
});

/** Dice(prediction, target) ≥ t: the injected mask was reached. */
export const targetDiceAbove = (t: number): Criterion => ({
  name: `target-dice>=${t}`,
  test: (c) => (c.target ? dice(c.prediction, c.target) >= t : false),
});

export const allOf = (...cs: Criterion[]): Criterion => ({ name: cs.map((c) => c.name).join('&'), test: (x) => cs.every((c) => c.test(x)) });
export const anyOf = (...cs: Criterion[]): Criterion => ({ name: cs.map((c) => c.name).join('|'), test: (x) => cs.some((c) => c.test(x)) });

/** Predicted area at most `fraction` of the clean predicted area (erase attacks; clean empty → true). */
export const areaShrunk = (fraction = 0.1): Criterion => ({
  name: `area<=${fraction}×clean`,
  test: (c) => {
    const area = (m: MaskView) => m.data.reduce((a, v) => a + (v ? 1 : 0), 0);
    return area(c.prediction) <= fraction * area(c.cleanPrediction);
  },
});
