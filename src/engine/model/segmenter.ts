/**
 * Inference: model package + images + prompts → masks at each image's own size.
 * logits (model resolution) → bilinear resize to the image → sigmoid → threshold.
 */
import { createSession, RuntimeError, type Provider, type Session, type SessionOptions } from '../runtime/ort-session.js';
import type { ModelPackage } from './package.js';
import { ModelPackageError } from './package.js';
import { resizePlanar, toPixelValues, type ImageLike } from './preprocess.js';

export interface MaskLike {
  width: number;
  height: number;
  /** 0 or 1, row-major. */
  data: Uint8Array;
}

export interface Segmentation {
  mask: MaskLike;
  /** sigmoid(logits) resized to the image, row-major. */
  probabilities: Float32Array;
  /** Milliseconds of the batch's inference (shared by every image of a batch). */
  ms: number;
}

export interface Segmenter {
  readonly provider: Provider;
  readonly pkg: ModelPackage;
  /** One prompt for all images, or one prompt per image. */
  segment(images: readonly ImageLike[], prompts: readonly string[]): Promise<Segmentation[]>;
  /** Raw logits [B,H,W] at model resolution for already-normalised NCHW pixel_values. */
  logits(pixelValues: Float32Array, batch: number, prompts: readonly string[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export type SegmenterOptions = Pick<SessionOptions, 'provider' | 'threads'>;

export async function createSegmenter(pkg: ModelPackage, opts: SegmenterOptions = {}): Promise<Segmenter> {
  const session = await createSession(pkg.modelBytes, { ...opts }, `${pkg.dir}/model.onnx`);
  checkIo(pkg, session);
  const m = pkg.manifest;
  const { width: W, height: H } = m.input;

  async function logits(pixelValues: Float32Array, batch: number, prompts: readonly string[]): Promise<Float32Array> {
    const texts = prompts.length === 1 && batch > 1 ? Array.from({ length: batch }, () => prompts[0]) : prompts;
    if (texts.length !== batch) throw new RuntimeError(`Got ${prompts.length} prompts for ${batch} images; give one prompt or one per image.`);
    const enc = pkg.tokenizer.encode(texts);
    const pixels = m.io.pixelLayout === 'NHWC' ? nchwToNhwc(pixelValues, batch, H, W) : pixelValues;
    const feeds: Parameters<Session['run']>[0] = {
      [m.io.inputIds]: { type: 'int64', data: enc.inputIds, dims: enc.dims },
      [m.io.pixelValues]: { type: 'float32', data: pixels, dims: m.io.pixelLayout === 'NHWC' ? [batch, H, W, 3] : [batch, 3, H, W] },
    };
    if (m.io.attentionMask) feeds[m.io.attentionMask] = { type: 'int64', data: enc.attentionMask, dims: enc.dims };
    const out = (await session.run(feeds, [m.io.logits]))[m.io.logits];
    const expected = batch * H * W;
    if (out.data.length !== expected) {
      throw new RuntimeError(
        `${pkg.dir}: output ${m.io.logits} has shape [${out.dims.join(',')}], expected ${batch}×${H}×${W} values; check io.logitsLayout and input size in vlsm.json.`,
      );
    }
    return out.data as Float32Array;
  }

  return {
    provider: session.provider,
    pkg,
    logits,
    async segment(images, prompts) {
      if (images.length === 0) return [];
      const t0 = performance.now();
      const all = await logits(toPixelValues(images, m), images.length, prompts);
      const ms = performance.now() - t0;
      return images.map((img, b) => {
        const plane = all.subarray(b * H * W, (b + 1) * H * W);
        return { ...logitsToMask(plane, H, W, img.height, img.width, m.threshold), ms };
      });
    },
    async dispose() {
      await session.release();
    },
  };
}

/** Logits at model size → probabilities and mask at image size (bilinear on logits, then sigmoid). */
export function logitsToMask(
  plane: Float32Array,
  h: number,
  w: number,
  outH: number,
  outW: number,
  threshold: number,
): { mask: MaskLike; probabilities: Float32Array } {
  const resized = outH === h && outW === w ? plane : resizePlanar(plane, 1, h, w, outH, outW, 'bilinear');
  const probabilities = new Float32Array(resized.length);
  const data = new Uint8Array(resized.length);
  for (let i = 0; i < resized.length; i++) {
    const p = 1 / (1 + Math.exp(-resized[i]));
    probabilities[i] = p;
    data[i] = p > threshold ? 1 : 0;
  }
  return { mask: { width: outW, height: outH, data }, probabilities };
}

function nchwToNhwc(x: Float32Array, b: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  const plane = h * w;
  for (let n = 0; n < b; n++)
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < plane; i++) out[(n * plane + i) * 3 + c] = x[(n * 3 + c) * plane + i];
  return out;
}

function checkIo(pkg: ModelPackage, session: Session): void {
  const io = pkg.manifest.io;
  const need = [io.inputIds, io.pixelValues, ...(io.attentionMask ? [io.attentionMask] : [])];
  const missing = need.filter((n) => !session.inputNames.includes(n));
  if (missing.length > 0 || !session.outputNames.includes(io.logits)) {
    throw new ModelPackageError(
      `${pkg.dir}/model.onnx does not have the inputs/outputs vlsm.json names (missing ${[...missing, ...(session.outputNames.includes(io.logits) ? [] : [io.logits])].join(', ')}; model has inputs ${session.inputNames.join(', ')} and outputs ${session.outputNames.join(', ')}).`,
    );
  }
}
