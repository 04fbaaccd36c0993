/**
 * Threat models as values that carry their own projection, step direction, random start and
 * quantisation (Foolbox's LpNorm objects). All work on planar [B,C,H,W] buffers, image by image.
 * `eps` and `alpha` here are per channel in pixel units: the normalised mode is a per-channel scale by
 * std (a step of ε in normalised units is ε·std_c in pixels), so one code path serves both.
 */
import type { Rng } from '../metrics/random.js';
import type { Budget } from './types.js';

export interface Shape {
  batch: number;
  channels: number;
  height: number;
  width: number;
}

export interface Norm {
  readonly kind: 'linf' | 'l2';
  /** ε per image channel, pixel units. */
  readonly eps: readonly number[];
  /** δ ← the closest point of the ε-ball, in place. */
  project(delta: Float32Array, s: Shape): void;
  /** Steepest-ascent direction of a gradient (sign for L∞, g/‖g‖₂ for L2), per channel α applied. */
  step(grad: Float32Array, alpha: readonly number[], s: Shape): Float32Array;
  randomStart(rng: Rng, s: Shape): Float32Array;
  /** x0 + δ clipped to [0,1], rounded to the lattice k/levels and kept inside the ball (x0 on the lattice). */
  quantise(x0: Float32Array, x: Float32Array, levels: number, s: Shape): Float32Array;
}

const channelOf = (i: number, s: Shape): number => Math.floor(i / (s.height * s.width)) % s.channels;

export const clip01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** x0 + δ clipped to [0,1], as float32. */
export function applyDelta(x0: Float32Array, delta: Float32Array): Float32Array {
  const out = new Float32Array(x0.length);
  for (let i = 0; i < x0.length; i++) out[i] = clip01(x0[i] + delta[i]);
  return out;
}

/** round(x·levels)/levels stored as float32 — the value a decoder of the stored image yields. */
export function toLattice(x: Float32Array, levels: number): Float32Array {
  if (levels <= 0) return Float32Array.from(x, clip01);
  return Float32Array.from(x, (v) => Math.fround(Math.round(clip01(v) * levels) / levels));
}

/**
 * One value of x0 + δ on the lattice inside an L∞ ball of `steps` lattice steps (x0 on the lattice):
 * round, then clamp the difference to ±steps and the value to [0, levels]. levels = 0: clip only.
 */
export function quantiseLinfValue(x0: number, x: number, steps: number, levels: number): number {
  if (levels <= 0) return clip01(x);
  const base = Math.round(x0 * levels);
  let d = Math.round(clip01(x) * levels) - base;
  d = d > steps ? steps : d < -steps ? -steps : d;
  return Math.fround(Math.min(levels, Math.max(0, base + d)) / levels);
}

/** Whole lattice steps inside a radius (1e-9 absorbs ε given as k/255 in floating point). */
export const latticeSteps = (eps: number, levels: number): number => Math.floor(eps * levels + 1e-9);

export function linfNorm(eps: readonly number[]): Norm {
  return {
    kind: 'linf',
    eps,
    project(delta, s) {
      for (let i = 0; i < delta.length; i++) {
        const e = eps[channelOf(i, s)];
        delta[i] = delta[i] > e ? e : delta[i] < -e ? -e : delta[i];
      }
    },
    step(grad, alpha, s) {
      const out = new Float32Array(grad.length);
      const plane = s.height * s.width;
      for (let i = 0; i < grad.length; i++) out[i] = Math.sign(grad[i]) * alpha[Math.floor(i / plane) % s.channels];
      return out;
    },
    randomStart(rng, s) {
      return Float32Array.from({ length: s.batch * s.channels * s.height * s.width }, (_, i) => (2 * rng.next() - 1) * eps[channelOf(i, s)]);
    },
    quantise(x0, x, levels, s) {
      if (levels <= 0) return Float32Array.from(x, clip01);
      const out = new Float32Array(x.length);
      const steps = eps.map((e) => latticeSteps(e, levels));
      const plane = s.height * s.width;
      for (let i = 0; i < x.length; i++) out[i] = quantiseLinfValue(x0[i], x[i], steps[Math.floor(i / plane) % s.channels], levels);
      return out;
    },
  };
}

function imageNorm2(v: Float32Array, b: number, n: number): number {
  let s = 0;
  for (let i = b * n; i < (b + 1) * n; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

export function l2Norm(eps: number): Norm {
  const per = (s: Shape) => s.channels * s.height * s.width;
  return {
    kind: 'l2',
    eps: [eps, eps, eps],
    project(delta, s) {
      const n = per(s);
      for (let b = 0; b < s.batch; b++) {
        const norm = imageNorm2(delta, b, n);
        if (norm > eps) for (let i = b * n; i < (b + 1) * n; i++) delta[i] *= eps / norm;
      }
    },
    step(grad, alpha, s) {
      const n = per(s);
      const out = new Float32Array(grad.length);
      for (let b = 0; b < s.batch; b++) {
        const norm = imageNorm2(grad, b, n) + 1e-12;
        for (let i = b * n; i < (b + 1) * n; i++) out[i] = (alpha[0] * grad[i]) / norm;
      }
      return out;
    },
    randomStart(rng, s) {
      const n = per(s);
      const out = Float32Array.from({ length: s.batch * n }, () => rng.normal());
      for (let b = 0; b < s.batch; b++) {
        const scale = (rng.next() * eps) / (imageNorm2(out, b, n) + 1e-12);
        for (let i = b * n; i < (b + 1) * n; i++) out[i] *= scale;
      }
      return out;
    },
    quantise(x0, x, levels, s) {
      if (levels <= 0) return Float32Array.from(x, clip01);
      const n = per(s);
      const out = new Float32Array(x.length);
      for (let b = 0; b < s.batch; b++) {
        // largest scale t ≤ 1 whose rounded perturbation stays inside the ball (bisection; t = 0 always does)
        const steps = (t: number): Int32Array => {
          const d = new Int32Array(n);
          for (let j = 0; j < n; j++) {
            const i = b * n + j;
            const base = Math.round(x0[i] * levels);
            d[j] = Math.min(levels, Math.max(0, Math.round((x0[i] + t * (clip01(x[i]) - x0[i])) * levels))) - base;
          }
          return d;
        };
        const fits = (d: Int32Array) => Math.sqrt(d.reduce((a, v) => a + v * v, 0)) / levels <= eps + 1e-12;
        let d = steps(1);
        if (!fits(d)) {
          let lo = 0;
          let hi = 1;
          for (let it = 0; it < 30; it++) {
            const mid = (lo + hi) / 2;
            if (fits(steps(mid))) lo = mid;
            else hi = mid;
          }
          d = steps(lo);
        }
        for (let j = 0; j < n; j++) {
          const i = b * n + j;
          out[i] = Math.fround((Math.round(x0[i] * levels) + d[j]) / levels);
        }
      }
      return out;
    },
  };
}

/** The norm of a budget, with ε and α per channel in pixel units (normalised mode: ×std_c). */
export function normOf(budget: Budget, std: readonly number[], channels: number): { norm: Norm; alpha: number[] } {
  if (budget.units === 'normalised') {
    if (budget.norm !== 'linf') throw new RangeError('The normalised unit reproduces the paper and exists for L∞ budgets only.');
    if (channels !== 3) throw new RangeError('The normalised unit needs 3-channel images (per-channel std).');
    return { norm: linfNorm(std.map((s) => budget.eps * s)), alpha: std.map((s) => budget.alpha * s) };
  }
  const alpha = [budget.alpha, budget.alpha, budget.alpha];
  return budget.norm === 'linf' ? { norm: linfNorm([budget.eps, budget.eps, budget.eps]), alpha } : { norm: l2Norm(budget.eps), alpha };
}

/** "8/255", "0.03" → number. */
export function parseFraction(text: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e-?\d+)?)\s*(?:\/\s*([0-9]*\.?[0-9]+))?\s*$/i.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]) / (m[2] !== undefined ? Number(m[2]) : 1);
  return Number.isFinite(v) ? v : NaN;
}

export const DEFAULT_BUDGET: Budget = {
  norm: 'linf',
  eps: 8 / 255,
  alpha: 2 / 255,
  steps: 40,
  restarts: 1,
  randomStart: false,
  units: 'pixel',
  schedule: 'constant',
  earlyStop: false,
};

export function makeBudget(b: Partial<Budget>): Budget {
  const out = { ...DEFAULT_BUDGET, ...b };
  if (!(out.eps >= 0)) throw new RangeError(`ε must be ≥ 0, got ${out.eps}.`);
  if (!(out.alpha > 0)) throw new RangeError(`α must be > 0, got ${out.alpha}.`);
  if (!Number.isInteger(out.steps) || out.steps < 1) throw new RangeError(`steps must be a positive integer, got ${out.steps}.`);
  if (!Number.isInteger(out.restarts) || out.restarts < 1) throw new RangeError(`restarts must be a positive integer, got ${out.restarts}.`);
  return out;
}
