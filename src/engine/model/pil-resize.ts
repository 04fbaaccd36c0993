/**
 * Pillow's Image.resize on planar [C,H,W] data in [0,1], as Hugging Face image processors run it
 * (transformers.image_transforms.resize: the array becomes a PIL image, `image.resize((w, h), resample)`
 * with reducing_gap None, back to an array, rescaled by 1/255).
 *
 * - Filters and weights: src/engine/autodiff/resize-matrix.ts (pilCoefficients), shared with the
 *   gradient side. Two separable passes, horizontal first, each only when that size changes.
 * - 8-bit input (every value k/255, i.e. what HF sees for PNG/JPEG): Pillow's integer path exactly —
 *   weights to 22-bit fixed point (rounded half away from zero), accumulator started at ½, shifted and
 *   clamped to 0…255 after each pass — so model inputs match transformers bit for bit.
 * - Other input (DICOM, already-float data): the same weights in floating point, no rounding, clamped
 *   to [0,1] after each pass as Pillow clamps to a byte (bicubic and lanczos overshoot at edges).
 * - pil-nearest: Pillow's NEAREST, src = ⌊(dst + ½)·in/out⌋ (torch's 'nearest' is ⌊dst·in/out⌋).
 */
import { pilCoefficients, type PilFilter } from '../autodiff/resize-matrix.js';

export type PilMode = 'pil-nearest' | `pil-${PilFilter}`;

/** Pillow resample codes (Image.Resampling) as preprocessor_config.json stores them. */
export const PIL_RESAMPLE: Record<number, PilMode> = { 0: 'pil-nearest', 1: 'pil-lanczos', 2: 'pil-bilinear', 3: 'pil-bicubic', 4: 'pil-box', 5: 'pil-hamming' };

const PRECISION_BITS = 32 - 8 - 2;

function isEightBit(src: Float32Array): boolean {
  for (let i = 0; i < src.length; i++) {
    const v = src[i] * 255;
    if (Math.abs(v - Math.round(v)) > 1e-3 || v < -1e-3 || v > 255.001) return false;
  }
  return true;
}

/** One pass along an axis of a [planes, rows, len] block (`len` strided by `step`, rows by `rowStride`). */
function pass(
  src: Float64Array, planes: number, rows: number, inLen: number, outLen: number,
  filter: PilFilter, horizontal: boolean, eightBit: boolean,
): Float64Array {
  const c = pilCoefficients(inLen, outLen, filter);
  const k = eightBit ? Float64Array.from(c.weights, (w) => (w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS)))) : c.weights;
  const out = new Float64Array(planes * rows * outLen);
  const inIdx = (p: number, r: number, i: number) => (horizontal ? (p * rows + r) * inLen + i : (p * inLen + i) * rows + r);
  const outIdx = (p: number, r: number, o: number) => (horizontal ? (p * rows + r) * outLen + o : (p * outLen + o) * rows + r);
  for (let p = 0; p < planes; p++)
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < outLen; o++) {
        let ss = eightBit ? 1 << (PRECISION_BITS - 1) : 0;
        for (let t = 0; t < c.count[o]; t++) ss += src[inIdx(p, r, c.first[o] + t)] * k[o * c.ksize + t];
        // Pillow's clip8: arithmetic shift (floor), then clamp to a byte
        out[outIdx(p, r, o)] = eightBit ? Math.min(255, Math.max(0, Math.floor(ss / (1 << PRECISION_BITS)))) : Math.min(1, Math.max(0, ss));
      }
  return out;
}

export function pilResize(src: Float32Array, channels: number, inH: number, inW: number, outH: number, outW: number, mode: PilMode): Float32Array {
  if (mode === 'pil-nearest') {
    const ys = Int32Array.from({ length: outH }, (_, y) => Math.min(Math.floor(((y + 0.5) * inH) / outH), inH - 1));
    const xs = Int32Array.from({ length: outW }, (_, x) => Math.min(Math.floor(((x + 0.5) * inW) / outW), inW - 1));
    const out = new Float32Array(channels * outH * outW);
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) out[(c * outH + y) * outW + x] = src[(c * inH + ys[y]) * inW + xs[x]];
    return out;
  }
  const filter = mode.slice(4) as PilFilter;
  const eightBit = isEightBit(src);
  let cur: Float64Array = Float64Array.from(src, (v) => (eightBit ? Math.round(v * 255) : v));
  if (outW !== inW) cur = pass(cur, channels, inH, inW, outW, filter, true, eightBit);
  if (outH !== inH) cur = pass(cur, channels, outW, inH, outH, filter, false, eightBit);
  return Float32Array.from(cur, (v) => (eightBit ? v / 255 : v));
}
