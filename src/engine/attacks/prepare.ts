/**
 * Images (any size, grey or RGB, [0,1]) → an AttackBatch at the model's input size: the resolution the
 * attack runs at. The resized image is rounded to the stored lattice (k/levels) so that the clean image
 * the attack starts from is itself storable, and the budget can be verified from two saved PNGs.
 * Masks are resized with nearest neighbour. Without ground truth the reference is the clean prediction.
 */
import type { MaskView } from '../metrics/overlap.js';
import type { Manifest } from '../model/manifest.js';
import { resizePlanar, type ImageLike } from '../model/preprocess.js';
import { toLattice } from './budget.js';
import { toRgbPlanes, type AttackModel } from './model.js';
import type { AttackBatch } from './types.js';

export interface BatchItem {
  image: ImageLike & { levels?: number };
  /** Ground truth at the image's size. */
  mask?: MaskView;
  prompt: string;
  id?: string;
  /** [row, column] spacing of the original image in mm. */
  spacingMm?: [number, number];
}

export interface PrepareOptions {
  /** 'auto': grey when every image is grey (one perturbation for the three planes), else RGB. */
  channels?: 'auto' | 3;
  /** Lattice; default: the images' own (255 for 8-bit files). 0 disables quantisation. */
  levels?: number;
}

/**
 * HWC image → planar [C,H,W] at the given size (C = 1 for grey when `channels` is 1), resampled as the
 * model's inference path does (manifest input.resample: torch bilinear, or Pillow's for HF exports).
 */
export function toPlanar(img: ImageLike, channels: 1 | 3, width: number, height: number, resample: Manifest['input']['resample'] = 'bilinear'): Float32Array {
  const n = img.width * img.height;
  const planar = new Float32Array(channels * n);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < channels; c++) planar[c * n + i] = img.data[i * img.channels + (img.channels === 3 ? c : 0)];
  if (img.width === width && img.height === height) return planar;
  return resizePlanar(planar, channels, img.height, img.width, height, width, resample);
}

export function resizeMask(mask: MaskView, width: number, height: number): Uint8Array {
  if (mask.width === width && mask.height === height) return Uint8Array.from(mask.data, (v) => (v ? 1 : 0));
  const f = resizePlanar(Float32Array.from(mask.data, (v) => (v ? 1 : 0)), 1, mask.height, mask.width, height, width, 'nearest');
  return Uint8Array.from(f, (v) => (v > 0.5 ? 1 : 0));
}

/** Logits → 0/1 masks with the model's threshold (σ(z) > t, the segmenter's rule). */
export function masksFromLogits(logits: Float32Array, threshold: number): Uint8Array {
  const out = new Uint8Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = 1 / (1 + Math.exp(-logits[i])) > threshold ? 1 : 0;
  return out;
}

export async function prepareBatch(model: AttackModel, items: readonly BatchItem[], opts: PrepareOptions = {}): Promise<AttackBatch> {
  if (items.length === 0) throw new RangeError('An attack needs at least one image.');
  const withMask = items.filter((it) => it.mask).length;
  if (withMask !== 0 && withMask !== items.length) throw new RangeError('Give a ground-truth mask for every image of a batch or for none.');
  const { width: W, height: H } = model;
  const channels: 1 | 3 = opts.channels === 3 || items.some((it) => it.image.channels === 3) ? 3 : 1;
  const levels = opts.levels ?? Math.max(...items.map((it) => it.image.levels ?? 255));
  const plane = W * H;
  const x = new Float32Array(items.length * channels * plane);
  items.forEach((it, b) => {
    if (it.mask && (it.mask.width !== it.image.width || it.mask.height !== it.image.height)) {
      throw new RangeError(`Mask ${it.mask.width}×${it.mask.height} does not match image ${it.image.width}×${it.image.height}${it.id ? ` (${it.id})` : ''}.`);
    }
    x.set(toPlanar(it.image, channels, W, H, model.pkg?.manifest.input.resample), b * channels * plane);
  });
  const x0 = toLattice(x, levels);
  const prompts = items.map((it) => it.prompt);
  let reference: Uint8Array;
  if (withMask) {
    reference = new Uint8Array(items.length * plane);
    items.forEach((it, b) => reference.set(resizeMask(it.mask!, W, H), b * plane));
  } else {
    reference = masksFromLogits(await model.forward(toRgbPlanes(x0, items.length, channels, plane), items.length, prompts), model.threshold);
  }
  return {
    x: x0,
    batch: items.length,
    channels,
    height: H,
    width: W,
    prompts,
    reference,
    referenceKind: withMask ? 'ground-truth' : 'clean-prediction',
    levels,
    spacingMm: items.map((it) => (it.spacingMm ? [(it.spacingMm[0] * it.image.height) / H, (it.spacingMm[1] * it.image.width) / W] : undefined)),
    ids: items.map((it, b) => it.id ?? String(b)),
  };
}

/** One image of a batch as its own batch (views, no copies of the other images). */
export function sliceBatch(batch: AttackBatch, from: number, to: number): AttackBatch {
  const plane = batch.width * batch.height;
  const per = batch.channels * plane;
  return {
    ...batch,
    x: batch.x.subarray(from * per, to * per),
    batch: to - from,
    prompts: batch.prompts.length === 1 ? batch.prompts : batch.prompts.slice(from, to),
    reference: batch.reference.subarray(from * plane, to * plane),
    spacingMm: batch.spacingMm?.slice(from, to),
    ids: batch.ids?.slice(from, to),
  };
}

/** Planar [C,H,W] → interleaved HWC (the layout of RasterImage / ImageLike), e.g. to save as PNG. */
export function toInterleaved(planar: Float32Array, channels: 1 | 3, width: number, height: number): Float32Array {
  const n = width * height;
  const out = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) out[i * channels + c] = planar[c * n + i];
  return out;
}

/** Image b of a batch's planar buffer as an ImageLike at the model's size. */
export function batchImage(x: Float32Array, batch: Pick<AttackBatch, 'channels' | 'width' | 'height'>, b: number): ImageLike {
  const per = batch.channels * batch.width * batch.height;
  return { width: batch.width, height: batch.height, channels: batch.channels, data: toInterleaved(x.subarray(b * per, (b + 1) * per), batch.channels, batch.width, batch.height) };
}
