/**
 * The model as attacks see it: images in pixel units ([0,1], planar, model size) in, logits out, and —
 * when the autodiff pass can differentiate the model — the loss gradient with respect to those pixels.
 * Normalisation happens in one place for clean and attacked runs (preprocess.normalise for forward
 * passes; the same (x − mean)/std inside the fused step graph), and the model is always in inference
 * mode (ONNX Runtime has no other).
 *
 * Gradient graphs need static shapes, so one graph is built and cached per (batch, tokens, loss)
 * combination; each returns logits, the loss, ∂loss/∂x and x_next (one fused PGD step).
 */
import { buildGradientGraph } from '../autodiff/build.js';
import { cachedGradientGraph } from '../autodiff/cache.js';
import type { LossConfig } from '../autodiff/losses.js';
import type { ModelPackage } from '../model/package.js';
import { normalise } from '../model/preprocess.js';
import { createSegmenter, type Segmenter, type SegmenterOptions } from '../model/segmenter.js';
import { createSession, type Session, type TensorValue } from '../runtime/ort-session.js';
import type { LossSpec } from './types.js';

export interface GradientRequest {
  /** Current image [B,3,H,W], pixel units. */
  x: Float32Array;
  /** Clean image [B,3,H,W] (centre of the ε-ball for the fused step). */
  xOrig: Float32Array;
  batch: number;
  prompts: readonly string[];
  /** [B,H,W] 0/1: reference (untargeted) or target (targeted). */
  mask: Uint8Array;
  loss: LossSpec;
  targeted: boolean;
  /** [B,H,W] per-pixel weights of the BCE term (SegPGD/CosPGD). */
  weights?: Float32Array;
  /** Fused step parameters (scalar ε and α in pixel units). */
  norm: 'linf' | 'l2';
  eps: number;
  alpha: number;
}

export interface GradientResult {
  logits: Float32Array;
  /** Loss of the whole batch as the graph defines it (a mean over images). */
  loss: number;
  /** ∂loss/∂x, [B,3,H,W] pixel units. */
  grad: Float32Array;
  /** x after one fused step with the request's ε, α and norm (absent when the fused graph is unavailable). */
  xNext?: Float32Array;
}

export interface AttackModel {
  readonly pkg: ModelPackage;
  readonly width: number;
  readonly height: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly threshold: number;
  readonly provider: string;
  /** Logits [B,H,W] for pixel-unit images [B,3,H,W] (not modified). */
  forward(x: Float32Array, batch: number, prompts: readonly string[]): Promise<Float32Array>;
  /** Loss gradient; throws UnsupportedOpError/GraphError when the model cannot be differentiated. */
  gradient(req: GradientRequest): Promise<GradientResult>;
  /**
   * 'fused': one graph run per PGD step (logits, loss, gradient and x_next); 'unfused': the plain
   * gradient graph and a JavaScript step; null until the first gradient is requested.
   */
  readonly gradientMode: 'fused' | 'unfused' | null;
  /** Forward passes and gradient evaluations so far (query counts for reports). */
  readonly counts: { forward: number; gradient: number };
  dispose(): Promise<void>;
}

export interface AttackModelOptions extends SegmenterOptions {
  /** Use the fused PGD-step graph (default true); falls back to the plain gradient graph if it fails to load. */
  fusedStep?: boolean;
  /** Keep built gradient graphs in this folder (keyed by model sha256 and options) and reuse them. */
  graphCacheDir?: string;
}

export async function createAttackModel(pkg: ModelPackage, opts: AttackModelOptions = {}): Promise<AttackModel> {
  const seg: Segmenter = await createSegmenter(pkg, opts);
  const m = pkg.manifest;
  const { width: W, height: H } = m.input;
  interface GradientSession {
    session: Session;
    grad: string;
  }
  const graphs = new Map<string, Promise<GradientSession>>();
  const counts = { forward: 0, gradient: 0 };

  const expandTexts = (prompts: readonly string[], batch: number) => (prompts.length === 1 && batch > 1 ? Array.from({ length: batch }, () => prompts[0]) : [...prompts]);

  let mode: 'fused' | 'unfused' | null = opts.fusedStep === false ? 'unfused' : null;

  function build(batch: number, tokens: number, loss: LossConfig, norm: 'linf' | 'l2', fused: boolean): Promise<GradientSession> {
    const key = JSON.stringify([batch, tokens, loss, norm, fused]);
    let s = graphs.get(key);
    if (!s) {
      const io = m.io;
      const shapes: Record<string, readonly number[]> = { [io.inputIds]: [batch, tokens], [io.pixelValues]: [batch, 3, H, W] };
      if (io.attentionMask) shapes[io.attentionMask] = [batch, tokens];
      s = (async () => {
        const step = fused ? { mean: m.input.mean, std: m.input.std, norm } : undefined;
        const gopts = { wrt: io.pixelValues, logits: io.logits, loss, inputShapes: shapes, step };
        const g = opts.graphCacheDir ? cachedGradientGraph(pkg.modelBytes, gopts, opts.graphCacheDir) : buildGradientGraph(pkg.modelBytes, gopts);
        const session = await createSession(g.bytes, { provider: opts.provider, threads: opts.threads, optimization: 'all' }, `${pkg.dir}/model.onnx (gradient graph)`);
        return { session, grad: g.outputs.grad };
      })();
      graphs.set(key, s);
      s.catch(() => graphs.delete(key));
    }
    return s;
  }

  async function gradientSession(batch: number, tokens: number, loss: LossConfig, norm: 'linf' | 'l2'): Promise<GradientSession> {
    if (mode === 'unfused') return build(batch, tokens, loss, norm, false);
    try {
      const s = await build(batch, tokens, loss, norm, true);
      mode = 'fused';
      return s;
    } catch (e) {
      if (mode === 'fused') throw e;
      // The fused step graph could not be built or loaded: the plain gradient graph and a JS step give
      // the same attack (the mode is reported with every result).
      mode = 'unfused';
      return build(batch, tokens, loss, norm, false);
    }
  }

  return {
    pkg,
    width: W,
    height: H,
    mean: m.input.mean,
    std: m.input.std,
    threshold: m.threshold,
    provider: seg.provider,
    get gradientMode() {
      return mode;
    },
    counts,
    async forward(x, batch, prompts) {
      counts.forward += batch;
      return seg.logits(normalise(Float32Array.from(x), m), batch, prompts);
    },
    async gradient(req) {
      if (m.io.pixelLayout !== 'NCHW') throw new RangeError(`${pkg.dir}: gradients need an NCHW model (this one is ${m.io.pixelLayout}); use the Square attack.`);
      const texts = expandTexts(req.prompts, req.batch);
      const enc = pkg.tokenizer.encode(texts);
      const loss: LossConfig =
        req.loss.kind === 'dicece'
          ? { kind: 'dicece', lambdaDice: req.loss.lambdaDice, lambdaCe: req.loss.lambdaCe, targeted: req.targeted, weighted: !!req.weights }
          : req.loss.kind === 'masked-bce' || req.loss.kind === 'masked-spherical'
            ? { kind: req.loss.kind, targeted: req.targeted, weighted: !!req.weights, logitThreshold: Math.log(m.threshold / (1 - m.threshold)) }
            : { kind: req.loss.kind, targeted: req.targeted, weighted: !!req.weights };
      const { session, grad: gradName } = await gradientSession(req.batch, enc.dims[1], loss, req.norm);
      const img = [req.batch, 3, H, W];
      const feeds: Record<string, TensorValue> = {
        [m.io.inputIds]: { type: 'int64', data: enc.inputIds, dims: enc.dims },
        mask: { type: 'float32', data: Float32Array.from(req.mask), dims: [req.batch, H, W] },
      };
      if (m.io.attentionMask) feeds[m.io.attentionMask] = { type: 'int64', data: enc.attentionMask, dims: enc.dims };
      if (req.weights) feeds.pixel_weights = { type: 'float32', data: req.weights, dims: [req.batch, H, W] };
      counts.gradient += req.batch;
      if (mode === 'fused') {
        feeds.x = { type: 'float32', data: req.x, dims: img };
        feeds.x_orig = { type: 'float32', data: req.xOrig, dims: img };
        feeds.epsilon = { type: 'float32', data: Float32Array.of(req.eps), dims: [] };
        feeds.alpha = { type: 'float32', data: Float32Array.of(req.alpha), dims: [] };
        const out = await session.run(feeds, [m.io.logits, 'loss', gradName, 'x_next']);
        return {
          logits: out[m.io.logits].data as Float32Array,
          loss: Number((out.loss.data as Float32Array)[0]),
          grad: out[gradName].data as Float32Array,
          xNext: out.x_next.data as Float32Array,
        };
      }
      feeds[m.io.pixelValues] = { type: 'float32', data: normalise(Float32Array.from(req.x), m), dims: img };
      const out = await session.run(feeds, [m.io.logits, 'loss', gradName]);
      // chain rule through (x − mean)/std: ∂L/∂x = ∂L/∂pixel_values / std, per channel
      const g = out[gradName].data as Float32Array;
      const plane = H * W;
      const grad = Float32Array.from(g, (v, i) => v / m.input.std[Math.floor(i / plane) % 3]);
      return { logits: out[m.io.logits].data as Float32Array, loss: Number((out.loss.data as Float32Array)[0]), grad };
    },
    async dispose() {
      await seg.dispose();
      for (const s of graphs.values()) await s.then((x) => x.session.release()).catch(() => undefined);
    },
  };
}

/** [B,C,H,W] with C = 1 or 3 → [B,3,H,W] (grey replicated, as preprocess.toModelRgb does). */
export function toRgbPlanes(x: Float32Array, batch: number, channels: 1 | 3, plane: number): Float32Array {
  if (channels === 3) return x;
  const out = new Float32Array(batch * 3 * plane);
  for (let b = 0; b < batch; b++) {
    const src = x.subarray(b * plane, (b + 1) * plane);
    for (let c = 0; c < 3; c++) out.set(src, (b * 3 + c) * plane);
  }
  return out;
}

/** Gradient with respect to [B,3,H,W] → with respect to [B,C,H,W] (grey: sum over the RGB planes it feeds). */
export function reduceRgbGradient(g: Float32Array, batch: number, channels: 1 | 3, plane: number): Float32Array {
  if (channels === 3) return g;
  const out = new Float32Array(batch * plane);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < 3; c++) {
      const o = (b * 3 + c) * plane;
      for (let i = 0; i < plane; i++) out[b * plane + i] += g[o + i];
    }
  return out;
}
