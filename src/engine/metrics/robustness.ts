/**
 * Dataset-level robustness figures.
 *   Attack success per image: adversarial Dice ≤ (1 − relativeDrop)·clean Dice (default: a drop of at
 *   least half the clean Dice), or adversarial Dice < `threshold` when a threshold is stated.
 *   Robust Dice per image: the minimum over the attacks run (AutoAttack-style worst case).
 * NaN entries (no valid value) are excluded and counted. With the relative-drop criterion an image whose
 * clean Dice is already 0 has nothing left to destroy: it is not a valid pair (excluded from the rate),
 * so a model that fails on clean images does not inflate the attack's success rate.
 */
export interface SuccessCriterion {
  /** Success when adv ≤ (1 − relativeDrop)·clean; default 0.5. Ignored when `threshold` is set. */
  relativeDrop?: number;
  /** Success when adv < threshold. */
  threshold?: number;
}

export function attackSucceeded(clean: number, adversarial: number, c: SuccessCriterion = {}): boolean {
  if (c.threshold !== undefined) return adversarial < c.threshold;
  return clean > 0 && adversarial <= (1 - (c.relativeDrop ?? 0.5)) * clean;
}

export interface SuccessRate {
  rate: number;
  successes: number;
  valid: number;
  n: number;
}

export function successRate(clean: readonly number[], adversarial: readonly number[], c: SuccessCriterion = {}): SuccessRate {
  if (clean.length !== adversarial.length) throw new Error(`Got ${clean.length} clean and ${adversarial.length} adversarial values.`);
  let successes = 0;
  let valid = 0;
  clean.forEach((cl, i) => {
    const adv = adversarial[i];
    if (Number.isNaN(cl) || Number.isNaN(adv) || (c.threshold === undefined && cl === 0)) return;
    valid++;
    if (attackSucceeded(cl, adv, c)) successes++;
  });
  return { rate: valid ? successes / valid : NaN, successes, valid, n: clean.length };
}

/** Per image, the minimum over attacks (rows = attacks, columns = images); NaN where no attack has a value. */
export function robustDice(perAttack: readonly (readonly number[])[]): number[] {
  if (perAttack.length === 0) return [];
  const n = perAttack[0].length;
  if (perAttack.some((r) => r.length !== n)) throw new Error('Every attack must report one value per image.');
  return Array.from({ length: n }, (_, i) => {
    const vals = perAttack.map((r) => r[i]).filter((x) => !Number.isNaN(x));
    return vals.length ? Math.min(...vals) : NaN;
  });
}
