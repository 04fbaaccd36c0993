/**
 * Image-quality metrics between a clean and a perturbed image, intensities on a [0, dataRange] scale.
 *   PSNR = 10·log10(R² / MSE); identical images → Infinity.
 *   SSIM (Wang et al. 2004) as scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5,
 *   use_sample_covariance=False, data_range=R): 11×11 Gaussian window (truncate 3.5), scipy 'reflect'
 *   borders, K1 = 0.01, K2 = 0.03, mean over the image minus a 5-pixel border, then over channels.
 * Inputs are never mutated.
 */

export interface PlanarImage {
  width: number;
  height: number;
  channels: number;
  /** Planar CHW (channel planes one after another). */
  data: ArrayLike<number>;
}

export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`Images differ in size: ${a.length} vs ${b.length} values.`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s / a.length;
}

export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, dataRange = 1): number {
  const m = mse(a, b);
  return m === 0 ? Infinity : 10 * Math.log10((dataRange * dataRange) / m);
}

const SIGMA = 1.5;
const RADIUS = Math.trunc(3.5 * SIGMA + 0.5); // scipy gaussian_filter: int(truncate·σ + 0.5) = 5

function gaussianKernel(): Float64Array {
  const k = new Float64Array(2 * RADIUS + 1);
  let sum = 0;
  for (let i = -RADIUS; i <= RADIUS; i++) sum += k[i + RADIUS] = Math.exp((-0.5 * i * i) / (SIGMA * SIGMA));
  return k.map((v) => v / sum);
}
const KERNEL = gaussianKernel();

/** scipy.ndimage 'reflect' (half-sample symmetric: d c b a | a b c d | d c b a). */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

/** Separable Gaussian filter of one plane. */
function blur(src: Float64Array, w: number, h: number): Float64Array {
  const tmp = new Float64Array(w * h);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -RADIUS; k <= RADIUS; k++) s += KERNEL[k + RADIUS] * src[y * w + reflect(x + k, w)];
      tmp[y * w + x] = s;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -RADIUS; k <= RADIUS; k++) s += KERNEL[k + RADIUS] * tmp[reflect(y + k, h) * w + x];
      out[y * w + x] = s;
    }
  return out;
}

export function ssim(a: PlanarImage, b: PlanarImage, dataRange = 1): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`Images differ in size: ${a.width}×${a.height}×${a.channels} vs ${b.width}×${b.height}×${b.channels}.`);
  }
  const { width: w, height: h } = a;
  if (w <= 2 * RADIUS || h <= 2 * RADIUS) throw new Error(`SSIM needs images larger than ${2 * RADIUS + 1}×${2 * RADIUS + 1}, got ${w}×${h}.`);
  const c1 = (0.01 * dataRange) ** 2;
  const c2 = (0.03 * dataRange) ** 2;
  const n = w * h;
  let total = 0;
  for (let c = 0; c < a.channels; c++) {
    const x = Float64Array.from({ length: n }, (_, i) => a.data[c * n + i]);
    const y = Float64Array.from({ length: n }, (_, i) => b.data[c * n + i]);
    const ux = blur(x, w, h);
    const uy = blur(y, w, h);
    const uxx = blur(x.map((v) => v * v), w, h);
    const uyy = blur(y.map((v) => v * v), w, h);
    const uxy = blur(x.map((v, i) => v * y[i]), w, h);
    let sum = 0;
    let count = 0;
    for (let r = RADIUS; r < h - RADIUS; r++)
      for (let q = RADIUS; q < w - RADIUS; q++) {
        const i = r * w + q;
        const vx = uxx[i] - ux[i] * ux[i];
        const vy = uyy[i] - uy[i] * uy[i];
        const vxy = uxy[i] - ux[i] * uy[i];
        sum += ((2 * ux[i] * uy[i] + c1) * (2 * vxy + c2)) / ((ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2));
        count++;
      }
    total += sum / count;
  }
  return total / a.channels;
}
