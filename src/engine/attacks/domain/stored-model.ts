/**
 * The stored domain seen through the attack engine's own interfaces, so the ONE base loop (pgd.ts
 * runPgd: step, projection, quantisation, restarts, best iterate) runs unchanged on stored values:
 * the attack variable is x = (s − lo)/(hi − lo) ∈ [0,1] for stored values s in the representable range
 * [lo, hi], so clipping x to [0,1] is clipping s to what BitsStored/PixelRepresentation can hold, and the
 * lattice k/levels with levels = hi − lo is exactly the integers of s. A budget of ε su is ε/(hi − lo) in x.
 *
 *   forward:  x → s → storedToRaster (the engine's decode) → the segmenter → logits bilinear-resized
 *             to the image (segmenter.logitsToMask's resize), so masks are exactly what `segment` gives
 *             on a file holding s;
 *   gradient: the composed graph (stored-graph.ts) differentiated by autodiff; ∂L/∂x = ∂L/∂s·(hi − lo).
 * Grey images are one plane; runPgd hands the model three replicated planes and sums the gradient
 * over them, so the gradient goes to plane 0 and the other two get zeros. One image per batch.
 */
import { buildGradientGraph } from '../../autodiff/build.js';
import { cachedGradientGraph } from '../../autodiff/cache.js';
import type { LossConfig } from '../../autodiff/losses.js';
import type { ModelPackage } from '../../model/package.js';
import { resizePlanar, toPixelValues } from '../../model/preprocess.js';
import { createSegmenter } from '../../model/segmenter.js';
import { encodeModel } from '../../onnx/proto.js';
import { createSession, type Session, type TensorValue } from '../../runtime/ort-session.js';
import type { AttackModel, AttackModelOptions, GradientRequest, GradientResult } from '../model.js';
import { chainOf, composeStoredModel, NATIVE_LOGITS, STORED_INPUT } from './stored-graph.js';
import { storedToRaster, type StoredImage } from './stored-image.js';

export interface StoredAttackModel extends AttackModel {
  readonly image: StoredImage;
  /** Stored values → attack variable x (planar [C,H,W]). */
  toUnit(values: ArrayLike<number>): Float32Array;
  /** Attack variable → stored values (rounded: the lattice). */
  toStored(x: ArrayLike<number>): Float64Array;
  /** hi − lo: stored units per unit of x. */
  readonly span: number;
}

export async function createStoredAttackModel(pkg: ModelPackage, image: StoredImage, opts: AttackModelOptions = {}): Promise<StoredAttackModel> {
  const m = pkg.manifest;
  if (m.io.pixelLayout !== 'NCHW') throw new RangeError(`${pkg.dir}: the stored domain needs an NCHW model (this one is ${m.io.pixelLayout}).`);
  const seg = await createSegmenter(pkg, opts);
  const { width: W, height: H, channels: C } = image;
  const plane = W * H;
  const [lo, hi] = image.range;
  const span = hi - lo;
  const chain = chainOf(image, m);
  const counts = { forward: 0, gradient: 0 };
  const graphs = new Map<string, Promise<Session>>();

  function session(tokens: number, loss: LossConfig): Promise<Session> {
    const key = JSON.stringify([tokens, loss]);
    let s = graphs.get(key);
    if (!s) {
      s = (async () => {
        const textShapes: Record<string, number[]> = { [m.io.inputIds]: [1, tokens] };
        if (m.io.attentionMask) textShapes[m.io.attentionMask] = [1, tokens];
        const composed = encodeModel(composeStoredModel(pkg.modelBytes, chain, { pixelValues: m.io.pixelValues, logits: m.io.logits, logitsLayout: m.io.logitsLayout, textShapes }));
        const gopts = { wrt: STORED_INPUT, logits: NATIVE_LOGITS, loss };
        const g = opts.graphCacheDir ? cachedGradientGraph(composed, gopts, opts.graphCacheDir) : buildGradientGraph(composed, gopts);
        return createSession(g.bytes, { provider: opts.provider, threads: opts.threads, optimization: 'all' }, `${pkg.dir}/model.onnx (stored-domain gradient graph)`);
      })();
      graphs.set(key, s);
      s.catch(() => graphs.delete(key));
    }
    return s;
  }

  const toStoredFloat = (x: ArrayLike<number>, from: number) => Float64Array.from({ length: C * plane }, (_, i) => lo + x[from + i] * span);
  /**
   * x is float32, so lo + x·span misses the integer a lattice point stands for by up to ~0.004 su
   * (span 65535); snapping values within 0.01 of an integer makes forward passes on quantised images
   * exactly those of the stored integers (masks then equal `segment` on the written file), and moves
   * unquantised iterates by at most 0.01 su.
   */
  const snapped = (x: ArrayLike<number>) => toStoredFloat(x, 0).map((v) => (Math.abs(v - Math.round(v)) < 0.01 ? Math.round(v) : v));
  const one = (batch: number) => {
    if (batch !== 1) throw new RangeError('The stored domain attacks one image at a time (each file has its own size).');
  };

  return {
    pkg,
    image,
    span,
    width: W,
    height: H,
    mean: m.input.mean,
    std: m.input.std,
    threshold: m.threshold,
    provider: seg.provider,
    gradientMode: 'unfused',
    counts,
    toUnit: (values) => Float32Array.from(values, (s) => (s - lo) / span),
    toStored: (x) => Float64Array.from(x, (v) => lo + Math.round(v * span)),
    async forward(x, batch, prompts) {
      one(batch);
      counts.forward++;
      // x is [1,3,H,W] from runPgd (grey replicated): plane 0 holds a grey image
      const raster = storedToRaster(image, snapped(x));
      const logits = await seg.logits(toPixelValues([raster], m), 1, prompts);
      const { width: mw, height: mh } = m.input;
      return mw === W && mh === H ? logits : resizePlanar(logits, 1, mh, mw, H, W, 'bilinear');
    },
    async gradient(req: GradientRequest): Promise<GradientResult> {
      one(req.batch);
      const enc = pkg.tokenizer.encode(req.prompts.slice(0, 1));
      // the same LossSpec → LossConfig mapping as createAttackModel (model.ts)
      const loss: LossConfig =
        req.loss.kind === 'dicece'
          ? { kind: 'dicece', lambdaDice: req.loss.lambdaDice, lambdaCe: req.loss.lambdaCe, targeted: req.targeted, weighted: !!req.weights }
          : req.loss.kind === 'masked-bce' || req.loss.kind === 'masked-spherical'
            ? { kind: req.loss.kind, targeted: req.targeted, weighted: !!req.weights, logitThreshold: Math.log(m.threshold / (1 - m.threshold)) }
            : { kind: req.loss.kind, targeted: req.targeted, weighted: !!req.weights };
      const s = await session(enc.dims[1], loss);
      const feeds: Record<string, TensorValue> = {
        [STORED_INPUT]: { type: 'float32', data: Float32Array.from(toStoredFloat(req.x, 0)), dims: [1, C, H, W] },
        [m.io.inputIds]: { type: 'int64', data: enc.inputIds, dims: enc.dims },
        mask: { type: 'float32', data: Float32Array.from(req.mask), dims: [1, H, W] },
      };
      if (m.io.attentionMask) feeds[m.io.attentionMask] = { type: 'int64', data: enc.attentionMask, dims: enc.dims };
      if (req.weights) feeds.pixel_weights = { type: 'float32', data: req.weights, dims: [1, H, W] };
      counts.gradient++;
      const gradName = `grad_${STORED_INPUT}`;
      const out = await s.run(feeds, [NATIVE_LOGITS, 'loss', gradName]);
      const gs = out[gradName].data as Float32Array;
      const grad = new Float32Array(3 * plane);
      for (let i = 0; i < C * plane; i++) grad[i] = gs[i] * span;
      return { logits: out[NATIVE_LOGITS].data as Float32Array, loss: Number((out.loss.data as Float32Array)[0]), grad };
    },
    async dispose() {
      await seg.dispose();
      for (const s of graphs.values()) await s.then((x) => x.release()).catch(() => undefined);
    },
  };
}
