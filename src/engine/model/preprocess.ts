/**
 * Image → model input, the same path for clean and attacked runs. Two resampling families, chosen by
 * the manifest's `input.resample`:
 * - 'bilinear' / 'nearest' reproduce torch.nn.functional.interpolate(align_corners=False, antialias=False)
 *   exactly, so the engine and the PyTorch training code see identical inputs (the bundled packages);
 * - 'pil-*' reproduce Pillow's Image.resize, which Hugging Face processors call (CLIPSegProcessor →
 *   ViTImageProcessor, resample 2 = BILINEAR): antialiased when downscaling (pil-resize.ts).
 */
import type { Manifest } from './manifest.js';
import { pilResize, type PilMode } from './pil-resize.js';

/** Structural view of an image: interleaved HWC floats in [0,1]. */
export interface ImageLike {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
}

/**
 * Resize planar (CHW) data. Source coordinate per torch's area_pixel_compute_source_index:
 * src = max((dst + 0.5)·in/out − 0.5, 0), then linear interpolation between floor(src) and the next pixel.
 */
export function resizePlanar(
  src: Float32Array,
  channels: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  mode: Manifest['input']['resample'] = 'bilinear',
): Float32Array {
  if (mode.startsWith('pil-')) return pilResize(src, channels, inH, inW, outH, outW, mode as PilMode);
  const out = new Float32Array(channels * outH * outW);
  if (mode === 'nearest') {
    // torch 'nearest': src = floor(dst · in/out), clamped.
    const ys = Int32Array.from({ length: outH }, (_, y) => Math.min(Math.floor((y * inH) / outH), inH - 1));
    const xs = Int32Array.from({ length: outW }, (_, x) => Math.min(Math.floor((x * inW) / outW), inW - 1));
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < outH; y++)
        for (let x = 0; x < outW; x++) out[(c * outH + y) * outW + x] = src[(c * inH + ys[y]) * inW + xs[x]];
    return out;
  }
  const axis = (inN: number, outN: number) => {
    const i0 = new Int32Array(outN);
    const i1 = new Int32Array(outN);
    const w1 = new Float32Array(outN);
    const scale = inN / outN;
    for (let d = 0; d < outN; d++) {
      const s = Math.max((d + 0.5) * scale - 0.5, 0);
      const f = Math.floor(s);
      i0[d] = Math.min(f, inN - 1);
      i1[d] = f < inN - 1 ? f + 1 : i0[d];
      w1[d] = Math.fround(s - f);
    }
    return { i0, i1, w1 };
  };
  const ay = axis(inH, outH);
  const ax = axis(inW, outW);
  for (let c = 0; c < channels; c++) {
    const base = c * inH * inW;
    for (let y = 0; y < outH; y++) {
      const r0 = base + ay.i0[y] * inW;
      const r1 = base + ay.i1[y] * inW;
      const wy1 = ay.w1[y];
      const wy0 = 1 - wy1;
      const o = (c * outH + y) * outW;
      for (let x = 0; x < outW; x++) {
        const x0 = ax.i0[x];
        const x1 = ax.i1[x];
        const wx1 = ax.w1[x];
        const wx0 = 1 - wx1;
        out[o + x] = wy0 * (wx0 * src[r0 + x0] + wx1 * src[r0 + x1]) + wy1 * (wx0 * src[r1 + x0] + wx1 * src[r1 + x1]);
      }
    }
  }
  return out;
}

/** HWC image → planar RGB [3,H,W] in [0,1] at the model's input size (not yet normalised). */
export function toModelRgb(img: ImageLike, manifest: Manifest): Float32Array {
  const { width: W, height: H } = manifest.input;
  const n = img.width * img.height;
  const planar = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) planar[c * n + i] = img.data[i * img.channels + (img.channels === 3 ? c : 0)];
  }
  if (img.width === W && img.height === H) return planar;
  return resizePlanar(planar, 3, img.height, img.width, H, W, manifest.input.resample);
}

/** (x − mean)/std per channel, in place on a [B,3,H,W] or [3,H,W] buffer. */
export function normalise(planar: Float32Array, manifest: Manifest): Float32Array {
  const { mean, std, width, height } = manifest.input;
  const plane = width * height;
  for (let i = 0; i < planar.length; i++) {
    const c = Math.floor(i / plane) % 3;
    planar[i] = (planar[i] - mean[c]) / std[c];
  }
  return planar;
}

/** Images → normalised pixel_values [B,3,H,W] (NCHW; the segmenter transposes for NHWC models). */
export function toPixelValues(images: readonly ImageLike[], manifest: Manifest): Float32Array {
  const plane = 3 * manifest.input.width * manifest.input.height;
  const out = new Float32Array(images.length * plane);
  images.forEach((img, b) => out.set(toModelRgb(img, manifest), b * plane));
  return normalise(out, manifest);
}
