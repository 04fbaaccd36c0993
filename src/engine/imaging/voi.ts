/**
 * VOI windowing (PS3.3 C.11.2.1.2) from modality values to display intensities in [0,1], and the default
 * window when a file has none.
 */
import type { VoiWindow } from './types.js';

export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

/**
 * One value through the window, output in [0,1]:
 * - LINEAR (C.11.2.1.2.1): x ≤ c−½−(w−1)/2 → 0; x > c−½+(w−1)/2 → 1; else ((x−(c−½))/(w−1) + ½).
 *   w = 1 is a threshold at c−½.
 * - LINEAR_EXACT (C.11.2.1.3.2): (x−c)/w + ½, clipped.
 * - SIGMOID (C.11.2.1.3.1): 1 / (1 + exp(−4 (x−c)/w)).
 */
export function windowValue(x: number, win: VoiWindow, fn: VoiFunction = 'LINEAR'): number {
  const { center: c, width: w } = win;
  if (fn === 'SIGMOID') return 1 / (1 + Math.exp((-4 * (x - c)) / w));
  if (fn === 'LINEAR_EXACT') return Math.min(1, Math.max(0, (x - c) / w + 0.5));
  if (w <= 1) return x <= c - 0.5 ? 0 : 1;
  const lo = c - 0.5 - (w - 1) / 2;
  const hi = c - 0.5 + (w - 1) / 2;
  if (x <= lo) return 0;
  if (x > hi) return 1;
  return (x - (c - 0.5)) / (w - 1) + 0.5;
}

/** Applies the window to every value; `invert` (MONOCHROME1) maps y → 1−y. */
export function applyWindow(values: Float32Array, win: VoiWindow, fn: VoiFunction, invert: boolean): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const y = windowValue(values[i], win, fn);
    out[i] = invert ? 1 - y : y;
  }
  return out;
}

/**
 * Default window: the LINEAR window that maps the frame's minimum to exactly 0 and maximum to exactly 1,
 * i.e. w−1 = max−min and c−½−(w−1)/2 = min.
 */
export function minMaxWindow(values: Float32Array): VoiWindow {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { center: 0.5, width: 1 };
  return { center: min + 0.5 + (max - min) / 2, width: max - min + 1 };
}

/**
 * Number of distinct display steps a LINEAR window gives to stored values: one stored step changes the
 * output by |slope|/(w−1), so the lattice has (w−1)/|slope| steps, capped by what the bit depth can hold.
 */
export function windowLevels(win: VoiWindow, slope: number, bitsStored: number): number {
  const cap = 2 ** Math.min(bitsStored, 32) - 1;
  const steps = Math.round((win.width - 1) / Math.abs(slope || 1));
  return Math.max(1, Math.min(cap, steps));
}
