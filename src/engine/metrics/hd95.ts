/**
 * Hausdorff distance of binary masks with MONAI's semantics (compute_hausdorff_distance, percentile=95,
 * directed=False): surface points are mask pixels with a 4-neighbour outside the mask (the image border
 * counts as outside, as scipy's binary_erosion with border_value=0); for each surface point of one mask
 * the Euclidean distance to the nearest surface point of the other; HD95 = max of the two directed
 * 95th percentiles (numpy's linear interpolation). With `spacingMm` distances are in millimetres.
 *
 * Empty masks, decided here once:
 *   - both empty → NaN (no valid value; MONAI does the same);
 *   - exactly one empty → Infinity, or the image diagonal with `onEmpty: 'diagonal'` (a finite worst
 *     case, so means over a dataset stay finite — reports say which was used).
 * Inputs are never mutated.
 */
import type { MaskView } from './overlap.js';

export interface HausdorffOptions {
  /** Percentile of the directed distances, 0–100 (default 95; 100 gives the classic Hausdorff distance). */
  percentile?: number;
  /** [row spacing, column spacing] in mm (DICOM PixelSpacing order); distances are in pixels without it. */
  spacingMm?: readonly [number, number];
  /** Value when exactly one mask is empty: Infinity (default) or the image diagonal in the same units. */
  onEmpty?: 'inf' | 'diagonal';
}

/** Surface pixels of a mask: foreground with a background 4-neighbour or on the image border. */
export function surfaceIndices(mask: MaskView): Int32Array {
  const { width: w, height: h, data } = mask;
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (data[i] === 0) continue;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1 || !data[i - 1] || !data[i + 1] || !data[i - w] || !data[i + w]) out.push(i);
    }
  }
  return Int32Array.from(out);
}

/**
 * Exact squared Euclidean distance transform to the given feature pixels (Felzenszwalb & Huttenlocher
 * 2012): one 1-D lower-envelope-of-parabolas pass down the columns and one along the rows, with the
 * physical spacing of each axis.
 */
export function squaredDistanceTransform(features: Int32Array, width: number, height: number, spacing: readonly [number, number] = [1, 1]): Float64Array {
  const f = new Float64Array(width * height).fill(Infinity);
  for (const i of features) f[i] = 0;
  const n = Math.max(width, height);
  const buf = new Float64Array(n);
  const out = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const pass = (len: number, s: number, get: (k: number) => number, set: (k: number, x: number) => void): void => {
    for (let k = 0; k < len; k++) buf[k] = get(k);
    lowerEnvelope(buf, len, s, v, z, out);
    for (let k = 0; k < len; k++) set(k, out[k]);
  };
  for (let x = 0; x < width; x++) pass(height, spacing[0], (y) => f[y * width + x], (y, d) => (f[y * width + x] = d));
  for (let y = 0; y < height; y++) pass(width, spacing[1], (x) => f[y * width + x], (x, d) => (f[y * width + x] = d));
  return f;
}

/** d(q) = min_p (s·(q − p))² + f(p), in O(len). */
function lowerEnvelope(f: Float64Array, len: number, s: number, v: Int32Array, z: Float64Array, d: Float64Array): void {
  let k = -1;
  for (let q = 0; q < len; q++) {
    if (f[q] === Infinity) continue;
    const pq = s * q;
    let sep = -Infinity;
    while (k >= 0) {
      const pv = s * v[k];
      // intersection of the parabolas rooted at v[k] and q, in physical units
      sep = (f[q] + pq * pq - (f[v[k]] + pv * pv)) / (2 * (pq - pv));
      if (sep <= z[k]) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : sep;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    d.fill(Infinity, 0, len);
    return;
  }
  let j = 0;
  for (let q = 0; q < len; q++) {
    const pq = s * q;
    while (z[j + 1] < pq) j++;
    const dv = pq - s * v[j];
    d[q] = dv * dv + f[v[j]];
  }
}

/** Distances from each surface point of `from` to the nearest surface point of `to`. */
export function directedSurfaceDistances(from: MaskView, to: MaskView, spacing: readonly [number, number] = [1, 1]): Float64Array {
  const dt = squaredDistanceTransform(surfaceIndices(to), to.width, to.height, spacing);
  const pts = surfaceIndices(from);
  return Float64Array.from(pts, (i) => Math.sqrt(dt[i]));
}

/** numpy.percentile with linear interpolation; NaN for no values. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function hausdorffDistance(pred: MaskView, gt: MaskView, opts: HausdorffOptions = {}): number {
  if (pred.width !== gt.width || pred.height !== gt.height) {
    throw new Error(`Mask sizes differ: prediction ${pred.width}×${pred.height}, ground truth ${gt.width}×${gt.height}.`);
  }
  const p = opts.percentile ?? 95;
  const spacing = opts.spacingMm ?? [1, 1];
  const predEmpty = !pred.data.some((v) => v !== 0);
  const gtEmpty = !gt.data.some((v) => v !== 0);
  if (predEmpty && gtEmpty) return NaN;
  if (predEmpty || gtEmpty) {
    return opts.onEmpty === 'diagonal' ? Math.hypot(gt.height * spacing[0], gt.width * spacing[1]) : Infinity;
  }
  return Math.max(percentile(directedSurfaceDistances(pred, gt, spacing), p), percentile(directedSurfaceDistances(gt, pred, spacing), p));
}

/** HD95 in pixels, or in mm when `spacingMm` is given. */
export function hd95(pred: MaskView, gt: MaskView, opts: Omit<HausdorffOptions, 'percentile'> = {}): number {
  return hausdorffDistance(pred, gt, { ...opts, percentile: 95 });
}
