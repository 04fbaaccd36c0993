/**
 * Size of a perturbation δ = adversarial − clean, reported on the 0–255 scale of an 8-bit image
 * (ε = 8/255 prints as 8). Images on a stored lattice (k/levels held as float32) give differences that
 * are integers up to float32 rounding; values within 1e-3 of an integer number of lattice steps are
 * snapped to it so that "‖δ‖∞ ≤ 8" can be checked exactly.
 */
export interface PerturbationNorms {
  /** max |δ| on the [0,1] scale. */
  linf: number;
  /** ‖δ‖₂ on the [0,1] scale (all pixels and channels). */
  l2: number;
  /** max |δ| × 255. */
  linf255: number;
  /** ‖δ‖₂ × 255. */
  l2255: number;
  /** Fraction of values that changed. */
  l0: number;
}

function snap(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-3 ? r : x;
}

export function perturbationNorms(clean: ArrayLike<number>, adversarial: ArrayLike<number>): PerturbationNorms {
  if (clean.length !== adversarial.length) throw new Error(`Images differ in size: ${clean.length} vs ${adversarial.length} values.`);
  let linf255 = 0;
  let sq = 0;
  let changed = 0;
  for (let i = 0; i < clean.length; i++) {
    const d = snap(Math.abs(adversarial[i] - clean[i]) * 255);
    if (d > linf255) linf255 = d;
    sq += d * d;
    if (d !== 0) changed++;
  }
  const l2255 = Math.sqrt(sq);
  return { linf: linf255 / 255, l2: l2255 / 255, linf255, l2255, l0: clean.length ? changed / clean.length : NaN };
}
