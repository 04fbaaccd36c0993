/**
 * The stored-domain forward graph: the model with its preprocessing chain prepended and its logits
 * resized back to the image, so that autodiff (src/engine/autodiff) differentiates the whole path
 *   stored [1,C,Hn,Wn] → ·slope + intercept → VOI window → (MONOCHROME1: 1 − y) → Resize to the model
 *   size (the package's filter) → (y − mean)/std → model → logits → bilinear Resize to [1,Hn,Wn]
 * with the existing rules only (Mul, Add, Sub, Div, Clip, Sigmoid, Resize, Reshape). The result is an
 * ordinary forward ONNX model (input `stored`, output `logits_native`), so buildGradientGraph and
 * gradcheck take it unchanged.
 *
 * Gradient at the window bounds: the LINEAR window is Clip(a·m + b, 0, 1); the Clip rule passes the
 * gradient where lo ≤ x ≤ hi, bounds included, so a stored value exactly on a window edge gets the
 * one-sided gradient of the inside (it can be pushed into the window), and values strictly outside get 0.
 *
 * Resampling matches the engine: ONNX Resize linear with half_pixel coordinates is torch's bilinear with
 * align_corners=False, antialias=False (preprocess.resizePlanar) for any scale, because both clamp the
 * source coordinate to the edge; `nearest` is torch's floor(dst·in/out) = asymmetric + floor.
 * tests/engine/attacks/domain/stored-graph.test.ts compares this graph's logits with the engine's.
 */
import type { ModelProto } from '../../onnx/proto.js';
import { DataType } from '../../onnx/proto.js';
import { makeNode, type Attr } from '../../onnx/builder.js';
import type { GraphContext } from '../../autodiff/context.js';
import { GraphError } from '../../autodiff/errors.js';
import { loadModel } from '../../autodiff/load.js';
import type { Manifest } from '../../model/manifest.js';
import type { StoredImage } from './stored-image.js';
import { pilResizeMatrix, transposeMatrix, type PilFilter } from '../../autodiff/resize-matrix.js';
import type { PilMode } from '../../model/pil-resize.js';

export const STORED_INPUT = 'stored';
export const NATIVE_LOGITS = 'logits_native';

/** Everything between the stored values and the model's pixel_values, as numbers. */
export interface PreprocessChain {
  width: number;
  height: number;
  channels: 1 | 3;
  /** raster: display = stored / levels; dicom: modality = stored·slope + intercept, then the window. */
  kind: 'raster' | 'dicom';
  levels: number;
  slope: number;
  intercept: number;
  window?: { center: number; width: number };
  voiFunction: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';
  invert: boolean;
  modelWidth: number;
  modelHeight: number;
  mean: readonly number[];
  std: readonly number[];
  resample: Manifest['input']['resample'];
}

export function chainOf(img: StoredImage, m: Manifest): PreprocessChain {
  return {
    width: img.width, height: img.height, channels: img.channels, kind: img.format === 'dicom' ? 'dicom' : 'raster', levels: img.levels,
    slope: img.slope, intercept: img.intercept, window: img.window, voiFunction: img.voiFunction, invert: img.invert,
    modelWidth: m.input.width, modelHeight: m.input.height, mean: m.input.mean, std: m.input.std, resample: m.input.resample,
  };
}

/** Appends stored → display [1,C,Hn,Wn] in [0,1] (the engine's decode, as graph ops). */
function display(c: GraphContext, s: string, ch: PreprocessChain): string {
  if (ch.kind === 'raster') return c.div(s, c.scalar(ch.levels));
  const w = ch.window;
  if (!w) throw new GraphError('A DICOM chain needs its VOI window.');
  const m = c.add2(c.mul(s, c.scalar(ch.slope)), c.scalar(ch.intercept));
  let y: string;
  if (ch.voiFunction === 'SIGMOID') y = c.op('Sigmoid', [c.mul(c.sub(m, c.scalar(w.center)), c.scalar(4 / w.width))]);
  else {
    // LINEAR: (m − (c − ½))/(w − 1) + ½; LINEAR_EXACT: (m − c)/w + ½; both clipped to [0,1] (voi.ts)
    const exact = ch.voiFunction === 'LINEAR_EXACT';
    const lin = c.add2(c.div(c.sub(m, c.scalar(exact ? w.center : w.center - 0.5)), c.scalar(exact ? w.width : w.width - 1)), c.scalar(0.5));
    y = c.op('Clip', [lin, c.scalar(0), c.scalar(1)]);
  }
  return ch.invert ? c.sub(c.scalar(1), y) : y;
}

/**
 * Pillow's resampling (HF processors, `pil-*` in the manifest) as two MatMuls, y = M_h · x · M_wᵀ, with
 * the same separable weights as inference (autodiff/resize-matrix.ts). The float graph omits Pillow's
 * 8-bit rounding between passes: it is the differentiable surrogate; results are re-evaluated by the
 * engine's own preprocessing.
 */
function pilResizeOp(c: GraphContext, x: string, dims: readonly number[], mode: PilMode): string {
  const [, , inH, inW] = c.dims(x);
  const [, , outH, outW] = dims;
  const axis = (inLen: number, outLen: number): Float64Array => {
    if (mode !== 'pil-nearest') return pilResizeMatrix(inLen, outLen, mode.slice(4) as PilFilter);
    const m = new Float64Array(outLen * inLen);
    for (let o = 0; o < outLen; o++) m[o * inLen + Math.min(Math.floor((o + 0.5) * (inLen / outLen)), inLen - 1)] = 1;
    return m;
  };
  // horizontal pass first, each pass only when that size changes, clamped to [0,1] after each (Pillow
  // clamps to a byte; bicubic/lanczos overshoot at edges) — as pil-resize.ts does at inference
  const clamp = (y: string): string => c.op('Clip', [y, c.scalar(0), c.scalar(1)]);
  const rows = inW === outW ? x : clamp(c.op('MatMul', [x, c.floats(transposeMatrix(axis(inW, outW), outW, inW), [inW, outW])]));
  return inH === outH ? rows : clamp(c.op('MatMul', [c.floats(axis(inH, outH), [outH, inH]), rows]));
}

function resize(c: GraphContext, x: string, dims: readonly number[], mode: PreprocessChain['resample']): string {
  if (mode.startsWith('pil-')) return pilResizeOp(c, x, dims, mode as PilMode);
  const d = c.dims(x);
  if (d.every((v, i) => v === dims[i])) return x;
  const attrs: Record<string, Attr> = mode === 'bilinear'
    ? { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'half_pixel' } }
    : { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } };
  return c.op('Resize', [x, '', '', c.ints(dims)], attrs);
}

export interface ComposeOptions {
  pixelValues: string;
  logits: string;
  logitsLayout: 'BHW' | 'B1HW' | 'BHW1';
  /** Static shapes of the text inputs (input_ids, attention_mask) for this prompt. */
  textShapes: Record<string, readonly number[]>;
}

/** The model with the chain prepended and logits resized to the image: a forward model stored → logits_native. */
export function composeStoredModel(modelBytes: Uint8Array, ch: PreprocessChain, o: ComposeOptions): ModelProto {
  if (o.logitsLayout === 'BHW1') throw new GraphError('The stored domain needs logits laid out [B,H,W] or [B,1,H,W].');
  const { ctx, model } = loadModel(modelBytes, {
    inputShapes: { ...o.textShapes, [o.pixelValues]: [1, 3, ch.modelHeight, ch.modelWidth] },
    replaceInputs: (c, name, type) => {
      if (name !== o.pixelValues) return false;
      if (c.isUsed(STORED_INPUT) || c.isUsed(NATIVE_LOGITS)) throw new GraphError(`The model already uses the name ${STORED_INPUT} or ${NATIVE_LOGITS}.`);
      if (type.dims.length !== 4 || type.dims[1] !== 3) throw new GraphError(`${name} must be NCHW with 3 channels for the stored domain.`);
      c.addInput(STORED_INPUT, { dtype: DataType.FLOAT, dims: [1, ch.channels, ch.height, ch.width] });
      const y = resize(c, display(c, STORED_INPUT, ch), [1, ch.channels, ch.modelHeight, ch.modelWidth], ch.resample);
      // grey: one display plane broadcast against the 3-channel mean/std, as toModelRgb replicates it
      const centred = c.sub(y, c.floats(Float64Array.from(ch.mean), [1, 3, 1, 1]));
      c.add(makeNode('Div', [centred, c.floats(Float64Array.from(ch.std), [1, 3, 1, 1])], [name], {}, c.fresh('Div')));
      return true;
    },
  });
  const lt = ctx.dims(o.logits);
  const four = o.logitsLayout === 'B1HW' ? o.logits : ctx.reshape(o.logits, [1, 1, lt[lt.length - 2], lt[lt.length - 1]]);
  const up = resize(ctx, four, [1, 1, ch.height, ch.width], 'bilinear');
  ctx.add(makeNode('Reshape', [up, ctx.ints([1, ch.height, ch.width])], [NATIVE_LOGITS], {}, ctx.fresh('Reshape')));
  return ctx.toModel(model, [NATIVE_LOGITS], 'vlsm-audit-stored-domain');
}
