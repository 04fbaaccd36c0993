/**
 * Resize along one axis is a linear map y = M·x with M [out, in] fixed by the static shapes and the
 * node's attributes (ONNX semantics: coordinate_transformation_mode, nearest_mode, cubic_coeff_a,
 * exclude_outside, edge clamping). The gradient is Mᵀ·g, and the float64 twin computes the forward
 * Resize as M·x because ONNX Runtime has no double Resize kernel.
 */
import type { NodeProto } from '../onnx/proto.js';
import { GraphError } from './errors.js';
import { attrFloat, attrInt, attrStr } from './ir.js';

export function resizeMatrix(node: NodeProto, inLen: number, outLen: number, scale: number): Float64Array {
  const mode = attrStr(node, 'mode', 'nearest');
  const ctm = attrStr(node, 'coordinate_transformation_mode', 'half_pixel');
  if (attrInt(node, 'antialias', 0) !== 0) throw new GraphError(`Resize ${node.name} uses antialias, which has no gradient rule.`);
  const coord = (o: number): number => {
    switch (ctm) {
      case 'half_pixel': return (o + 0.5) / scale - 0.5;
      case 'pytorch_half_pixel': return outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
      case 'align_corners': return outLen === 1 ? 0 : (o * (inLen - 1)) / (outLen - 1);
      case 'asymmetric': return o / scale;
      default: throw new GraphError(`Resize ${node.name} uses coordinate_transformation_mode ${ctm}, which has no gradient rule.`);
    }
  };
  const m = new Float64Array(outLen * inLen);
  const clamp = (i: number) => Math.min(Math.max(i, 0), inLen - 1);
  for (let o = 0; o < outLen; o++) {
    const x = coord(o);
    const row = o * inLen;
    if (mode === 'nearest') {
      const nm = attrStr(node, 'nearest_mode', 'round_prefer_floor');
      const f = Math.floor(x);
      const i =
        nm === 'floor' ? f
          : nm === 'ceil' ? Math.ceil(x)
            : nm === 'round_prefer_ceil' ? (x - f >= 0.5 ? f + 1 : f)
              : x - f > 0.5 ? f + 1 : f;
      m[row + clamp(i)] = 1;
    } else if (mode === 'linear') {
      const f = Math.floor(x);
      const r = x - f;
      m[row + clamp(f)] += 1 - r;
      m[row + clamp(f + 1)] += r;
    } else if (mode === 'cubic') {
      const A = attrFloat(node, 'cubic_coeff_a', -0.75);
      const exclude = attrInt(node, 'exclude_outside', 0) === 1;
      const f = Math.floor(x);
      const r = x - f;
      const w = [
        ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
        ((A + 2) * r - (A + 3)) * r * r + 1,
        ((A + 2) * (1 - r) - (A + 3)) * (1 - r) * (1 - r) + 1,
        ((A * (2 - r) - 5 * A) * (2 - r) + 8 * A) * (2 - r) - 4 * A,
      ];
      const idx = [f - 1, f, f + 1, f + 2];
      if (exclude) {
        const kept = idx.map((i, k) => (i >= 0 && i < inLen ? w[k] : 0));
        const s = kept.reduce((a, b) => a + b, 0);
        idx.forEach((i, k) => kept[k] && (m[row + i] += kept[k] / s));
      } else idx.forEach((i, k) => (m[row + clamp(i)] += w[k]));
    } else throw new GraphError(`Resize ${node.name} uses mode ${mode}, which has no gradient rule.`);
  }
  return m;
}

export function transposeMatrix(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
  return t;
}

/**
 * Pillow's resampling filters (Image.resize, libImaging/Resample.c), which Hugging Face image processors
 * use (transformers.image_transforms.resize → PIL.Image.resize, reducing_gap None). Downscaling stretches
 * the filter by in/out (antialiasing); taps outside the image are dropped and the rest renormalised.
 */
export type PilFilter = 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';
const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
const PIL_FILTERS: Record<PilFilter, { support: number; f: (x: number) => number }> = {
  box: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, f: (x) => Math.max(0, 1 - Math.abs(x)) },
  hamming: { support: 1, f: (x) => { const a = Math.abs(x); if (a === 0) return 1; if (a >= 1) return 0; const p = a * Math.PI; return (Math.sin(p) / p) * (0.54 + 0.46 * Math.cos(p)); } },
  // Keys cubic with a = −0.5 (ONNX's default is −0.75, torch's −0.75)
  bicubic: { support: 2, f: (x) => { const a = Math.abs(x), A = -0.5; if (a < 1) return ((A + 2) * a - (A + 3)) * a * a + 1; if (a < 2) return (((a - 5) * a + 8) * a - 4) * A; return 0; } },
  lanczos: { support: 3, f: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

export interface PilCoefficients {
  /** First input index per output index. */
  first: Int32Array;
  /** Taps per output index. */
  count: Int32Array;
  /** Taps per row of `weights` (the largest count). */
  ksize: number;
  /** [out, ksize] normalised weights, zero beyond count. */
  weights: Float64Array;
}

/** Pillow's precompute_coeffs: center = (o + ½)·s, support stretched by max(s, 1), s = in/out. */
export function pilCoefficients(inLen: number, outLen: number, filter: PilFilter): PilCoefficients {
  const { support: base, f } = PIL_FILTERS[filter];
  const scale = inLen / outLen;
  const fscale = Math.max(scale, 1);
  const support = base * fscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outLen), count = new Int32Array(outLen);
  const weights = new Float64Array(outLen * ksize);
  for (let o = 0; o < outLen; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inLen) - lo;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += weights[o * ksize + k] = f((k + lo - center + 0.5) / fscale);
    if (sum !== 0) for (let k = 0; k < n; k++) weights[o * ksize + k] /= sum;
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, ksize, weights };
}

/** The same weights as a dense [out, in] matrix (y = M·x along one axis). */
export function pilResizeMatrix(inLen: number, outLen: number, filter: PilFilter): Float64Array {
  const c = pilCoefficients(inLen, outLen, filter);
  const m = new Float64Array(outLen * inLen);
  for (let o = 0; o < outLen; o++) for (let k = 0; k < c.count[o]; k++) m[o * inLen + c.first[o] + k] = c.weights[o * c.ksize + k];
  return m;
}
