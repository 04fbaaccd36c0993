/**
 * Lowerings used only by the float64 twin: ONNX Runtime's CPU provider has no double kernel for Conv,
 * ConvTranspose, AveragePool, GlobalAveragePool, Erf, Gelu, InstanceNormalization or Resize, so the
 * twin rewrites them into ops that have one (Pad, Gather, MatMul, Pow, Reduce*, Slice …). Exactness
 * matters more than speed here: these graphs only serve as the finite-difference reference.
 */
import type { NodeProto } from '../onnx/proto.js';
import { makeNode } from '../onnx/builder.js';
import type { GraphContext } from './context.js';
import { GraphError } from './errors.js';
import { poolCounts, windowGeometry, type WindowGeometry } from './geometry.js';
import { attrFloat, attrInt, attrInts, attrStr, numel } from './ir.js';
import { flipKernel } from './rules-nn.js';
import { resizeDims } from './shapes.js';
import { resizeMatrix, transposeMatrix } from './resize-matrix.js';

interface Window { kernel: number[]; strides: number[]; dilations: number[]; pb: number[]; pe: number[]; group: number }

/**
 * im2col elements above which a Conv is lowered as a sum over kernel offsets instead: the dense
 * [N, C·K, out] Gather of a 16×16 stride-1 window over 352² × 768 channels is 195 GB in double.
 */
export const IM2COL_MAX_ELEMENTS = 1 << 25;

/** Conv as im2col: Gather the windows (constant indices, any pads incl. negative) and one MatMul per group. */
function convCore(c: GraphContext, x: string, w: string, b: string | undefined, g: Window, out: string): void {
  const [n, ch, ...sp] = c.dims(x);
  const m = c.dims(w)[0];
  const r = sp.length;
  const padded = sp.map((v, i) => v + Math.max(g.pb[i], 0) + Math.max(g.pe[i], 0));
  const shift = g.pb.map((p) => Math.max(-p, 0));
  const outDims = sp.map((v, i) => Math.floor((v + g.pb[i] + g.pe[i] - (g.kernel[i] - 1) * g.dilations[i] - 1) / g.strides[i]) + 1);
  const xp = c.pad(x, [0, 0, ...g.pb.map((p) => Math.max(p, 0)), 0, 0, ...g.pe.map((p) => Math.max(p, 0))]);
  const K = numel(g.kernel), O = numel(outDims);
  let y: string;
  if (n * ch * K * O > IM2COL_MAX_ELEMENTS) y = convByOffsets(c, xp, w, g, shift, outDims);
  else {
    const pStride = padded.map((_, i) => numel(padded.slice(i + 1)));
    const idx: number[] = new Array(K * O);
    for (let k = 0; k < K; k++)
      for (let o = 0; o < O; o++) {
        let flat = 0, kr = k, or = o;
        for (let i = r - 1; i >= 0; i--) {
          const ki = kr % g.kernel[i], oi = or % outDims[i];
          kr = Math.floor(kr / g.kernel[i]);
          or = Math.floor(or / outDims[i]);
          flat += (oi * g.strides[i] + ki * g.dilations[i] + shift[i]) * pStride[i];
        }
        idx[k * O + o] = flat;
      }
    const cols = c.op('Gather', [c.reshape(xp, [n, ch, numel(padded)]), c.ints(idx)], { axis: { i: 2 } });
    const grouped = c.reshape(cols, [n, g.group, (ch / g.group) * K, O]);
    const wr = c.reshape(w, [g.group, m / g.group, (ch / g.group) * K]);
    y = c.reshape(c.op('MatMul', [wr, grouped]), [n, m, ...outDims]);
  }
  if (b) y = c.add2(y, c.reshape(b, [1, m, ...sp.map(() => 1)]));
  c.add(identity(y, out));
}

/**
 * y = Σ_k W[:, :, k] · X_k, X_k the strided window of the padded input at kernel offset k: K MatMuls
 * whose intermediates are output-sized, instead of one K-times-larger im2col.
 */
function convByOffsets(c: GraphContext, xp: string, w: string, g: Window, shift: number[], outDims: number[]): string {
  const [n, ch] = c.dims(xp);
  const m = c.dims(w)[0];
  const r = outDims.length;
  const K = numel(g.kernel), O = numel(outDims);
  const axes = outDims.map((_, i) => i + 2);
  let sum: string | undefined;
  for (let k = 0; k < K; k++) {
    const ki = new Array<number>(r);
    for (let i = r - 1, kr = k; i >= 0; kr = Math.floor(kr / g.kernel[i]), i--) ki[i] = kr % g.kernel[i];
    const starts = ki.map((v, i) => v * g.dilations[i] + shift[i]);
    const xs = c.slice(xp, starts, starts.map((s, i) => s + (outDims[i] - 1) * g.strides[i] + 1), axes, g.strides);
    const wk = c.reshape(c.slice(w, ki, ki.map((v) => v + 1), axes), [g.group, m / g.group, ch / g.group]);
    const term = c.op('MatMul', [wk, c.reshape(xs, [n, g.group, ch / g.group, O])]);
    sum = sum ? c.add2(sum, term) : term;
  }
  return c.reshape(sum!, [n, m, ...outDims]);
}

const mk = (op: string, ins: string[], outs: string[]) => makeNode(op, ins, outs);
const identity = (from: string, to: string): NodeProto => mk('Identity', [from], [to]);

function lowerConv(c: GraphContext, n: NodeProto): void {
  const [x, w, b] = n.input;
  const geo = windowGeometry(n, c.dims(x).slice(2), c.dims(w).slice(2));
  convCore(c, x, w, b || undefined, geo, n.output[0]);
}

/** ConvTranspose = stride-1 Conv of the zero-upsampled input with the flipped kernel, pads (k−1)d − p. */
function lowerConvTranspose(c: GraphContext, n: NodeProto): void {
  const [x, w, b] = n.input;
  const xd = c.dims(x);
  const geo = windowGeometry(n, xd.slice(2), c.dims(w).slice(2));
  if (geo.group === 1 && geo.kernel.every((k, i) => k === geo.strides[i] && geo.dilations[i] === 1)) {
    convTransposePatches(c, x, w, b || undefined, geo, n.output[0]);
    return;
  }
  let up = x;
  geo.strides.forEach((s, i) => {
    if (s === 1) return;
    const a = 2 + i;
    const d = c.dims(up);
    const p = Array<number>(2 * (d.length + 1)).fill(0);
    p[d.length + 1 + a + 1] = s - 1;
    const z = c.reshape(c.pad(c.unsqueeze(up, [a + 1]), p), d.map((v, k) => (k === a ? v * s : v)));
    up = c.slice(z, [0], [(d[a] - 1) * s + 1], [a]);
  });
  const span = geo.kernel.map((k, i) => (k - 1) * geo.dilations[i]);
  const win = {
    kernel: geo.kernel, strides: geo.kernel.map(() => 1), dilations: geo.dilations, group: geo.group,
    pb: span.map((s, i) => s - geo.pb[i]), pe: span.map((s, i) => s - geo.pe[i] + geo.outputPadding[i]),
  };
  convCore(c, up, flipKernel(c, w, geo.group), b || undefined, win, n.output[0]);
}

/**
 * ConvTranspose whose windows tile the output (kernel = stride: ViT patch-embedding backward, CLIPSeg's
 * ×4 heads): every output pixel gets exactly one input pixel, so y = x·W per input pixel, then the
 * [k₁…k_r] blocks are interleaved into place. One MatMul; no zero-upsampled input and no im2col.
 */
function convTransposePatches(c: GraphContext, x: string, w: string, b: string | undefined, geo: WindowGeometry, out: string): void {
  const [n, ch, ...sp] = c.dims(x);
  const [, mo, ...k] = c.dims(w);
  const r = sp.length;
  const rows = c.reshape(c.transpose(x, [0, ...sp.map((_, i) => i + 2), 1]), [n * numel(sp), ch]);
  const prod = c.reshape(c.op('MatMul', [rows, c.reshape(w, [ch, mo * numel(k)])]), [n, ...sp, mo, ...k]);
  // [n, i₁…i_r, m, k₁…k_r] → [n, m, i₁, k₁, …, i_r, k_r]
  const perm = [0, r + 1, ...sp.flatMap((_, i) => [i + 1, r + 2 + i])];
  let y = c.reshape(c.transpose(prod, perm), [n, mo, ...sp.map((v, i) => v * k[i])]);
  // output_padding adds zero rows at the end, pads crop: keep [pb, pb + out) of the padded tiling.
  const ext = geo.out.map((o, i) => Math.max(0, geo.pb[i] + o - sp[i] * k[i]));
  if (ext.some((e) => e > 0)) y = c.pad(y, [0, 0, ...sp.map(() => 0), 0, 0, ...ext]);
  if (geo.pb.some((p) => p > 0) || ext.some((e, i) => sp[i] * k[i] + e !== geo.pb[i] + geo.out[i]))
    y = c.slice(y, geo.pb, geo.pb.map((p, i) => p + geo.out[i]), sp.map((_, i) => i + 2));
  if (b) y = c.add2(y, c.reshape(b, [1, mo, ...sp.map(() => 1)]));
  c.add(identity(y, out));
}

function lowerAveragePool(c: GraphContext, n: NodeProto): void {
  const x = n.input[0];
  const [, ch, ...sp] = c.dims(x);
  const geo = windowGeometry(n, sp, attrInts(n, 'kernel_shape')!);
  const counts = poolCounts(geo, sp, attrInt(n, 'count_include_pad', 0) === 1);
  const pe = sp.map((h, i) => geo.strides[i] * (geo.out[i] - 1) + (geo.kernel[i] - 1) * geo.dilations[i] + 1 - geo.pb[i] - h);
  const ones = c.floats(new Float64Array(ch * numel(geo.kernel)).fill(1), [ch, 1, ...geo.kernel]);
  const sum = c.fresh('pool_sum');
  convCore(c, x, ones, undefined, { ...geo, pe, group: ch }, sum);
  c.add(mk('Div', [sum, c.floats(counts, geo.out)], [n.output[0]]));
}

/** erf(x) = sign(x)·(2/√π)·a·e^{−a²}·Σₙ 2ⁿa²ⁿ/(2n+1)!!, a = min(|x|, 6): all terms positive, no cancellation. */
function erfValue(c: GraphContext, x: string): string {
  const N = 100;
  const coef = new Float64Array(N);
  coef[0] = 1;
  for (let k = 1; k < N; k++) coef[k] = (coef[k - 1] * 2) / (2 * k + 1);
  const a = c.op('Min', [c.op('Abs', [x]), c.scalar(6)]);
  const y = c.mul(a, a);
  const powers = c.op('Pow', [c.unsqueeze(y, [-1]), c.floats(Float64Array.from({ length: N }, (_, k) => k), [N])]);
  const series = c.reshape(c.op('MatMul', [powers, c.floats(coef, [N, 1])]), c.dims(x));
  const mag = c.mul(c.mul(c.mul(a, c.op('Exp', [c.neg(y)])), series), c.scalar(2 / Math.sqrt(Math.PI)));
  return c.mul(c.op('Sign', [x]), mag);
}

function lowerGelu(c: GraphContext, n: NodeProto): void {
  const x = n.input[0];
  let inner: string;
  if (attrStr(n, 'approximate', 'none') === 'tanh') {
    const cube = c.mul(c.mul(x, x), x);
    inner = c.op('Tanh', [c.mul(c.add2(x, c.mul(cube, c.scalar(0.044715))), c.scalar(Math.sqrt(2 / Math.PI)))]);
  } else inner = erfValue(c, c.mul(x, c.scalar(Math.SQRT1_2)));
  c.add(mk('Mul', [c.mul(x, c.scalar(0.5)), c.add2(c.scalar(1), inner)], [n.output[0]]));
}

function lowerInstanceNorm(c: GraphContext, n: NodeProto): void {
  const [x, gamma, beta] = n.input;
  const d = c.dims(x);
  const axes = d.slice(2).map((_, i) => i + 2);
  const xc = c.sub(x, c.reduce('ReduceMean', x, axes));
  const inv = c.op('Reciprocal', [c.op('Sqrt', [c.add2(c.reduce('ReduceMean', c.mul(xc, xc), axes), c.scalar(attrFloat(n, 'epsilon', 1e-5)))])]);
  const shape = [d[1], ...d.slice(2).map(() => 1)];
  c.add(mk('Add', [c.mul(c.mul(xc, inv), c.reshape(gamma, shape)), c.reshape(beta, shape)], [n.output[0]]));
}

function lowerResize(c: GraphContext, n: NodeProto): void {
  const x = n.input[0];
  const d = c.dims(x);
  const { out, scales } = resizeDims(n, d, n.input.map((i) => (i ? c.consts.get(i) : undefined)), c.opset);
  let cur = x;
  d.forEach((len, a) => {
    if (out[a] === len && scales[a] === 1) return;
    if (a < d.length - 2) throw new GraphError(`Resize ${n.name} resizes a non-spatial axis.`);
    const m = resizeMatrix(n, len, out[a], scales[a]);
    cur = a === d.length - 1
      ? c.op('MatMul', [cur, c.floats(transposeMatrix(m, out[a], len), [len, out[a]])])
      : c.op('MatMul', [c.floats(m, [out[a], len]), cur]);
  });
  c.add(identity(cur, n.output[0]));
}

/** Activations written out in double-capable ops: out = f(c, x). */
const activation = (f: (c: GraphContext, x: string, n: NodeProto) => string) => (c: GraphContext, n: NodeProto) => c.add(identity(f(c, n.input[0], n), n.output[0]));
const elu = (c: GraphContext, x: string, alpha: number) => c.op('Where', [c.op('Greater', [x, c.scalar(0)]), x, c.mul(c.sub(c.op('Exp', [x]), c.scalar(1)), c.scalar(alpha))]);
const hardSigmoid = (c: GraphContext, x: string, a: number, b: number) => c.op('Max', [c.scalar(0), c.op('Min', [c.scalar(1), c.add2(c.mul(x, c.scalar(a)), c.scalar(b))])]);

export const LOWERINGS: Record<string, (c: GraphContext, n: NodeProto) => void> = {
  Mean: (c, n) => c.add(mk('Mul', [n.input.slice(1).reduce((s, v) => c.add2(s, v), n.input[0]), c.scalar(1 / n.input.length)], [n.output[0]])),
  Elu: activation((c, x, n) => elu(c, x, attrFloat(n, 'alpha', 1))),
  Selu: activation((c, x, n) => c.mul(elu(c, x, attrFloat(n, 'alpha', 1.67326319217681884765625)), c.scalar(attrFloat(n, 'gamma', 1.05070102214813232421875)))),
  HardSigmoid: activation((c, x, n) => hardSigmoid(c, x, attrFloat(n, 'alpha', 0.2), attrFloat(n, 'beta', 0.5))),
  HardSwish: activation((c, x) => c.mul(x, hardSigmoid(c, x, 1 / 6, 0.5))),
  Softsign: activation((c, x) => c.div(x, c.add2(c.scalar(1), c.op('Abs', [x])))),
  PRelu: (c, n) => c.add(mk('Where', [c.op('Greater', [n.input[0], c.scalar(0)]), n.input[0], c.mul(n.input[0], n.input[1])], [n.output[0]])),
  GlobalMaxPool: (c, n) => c.add(identity(c.reduce('ReduceMax', n.input[0], c.dims(n.input[0]).slice(2).map((_, i) => i + 2)), n.output[0])),
  // softplus(x) = max(x,0) + log(1 + e^{−|x|})
  Softplus: (c, n) => c.add(mk('Add', [c.op('Relu', [n.input[0]]), c.op('Log', [c.add2(c.scalar(1), c.op('Exp', [c.neg(c.op('Abs', [n.input[0]]))]))])], [n.output[0]])),
  Conv: lowerConv,
  ConvTranspose: lowerConvTranspose,
  AveragePool: lowerAveragePool,
  GlobalAveragePool: (c, n) => c.add(identity(c.reduce('ReduceMean', n.input[0], c.dims(n.input[0]).slice(2).map((_, i) => i + 2)), n.output[0])),
  Erf: (c, n) => c.add(identity(erfValue(c, n.input[0]), n.output[0])),
  Gelu: lowerGelu,
  InstanceNormalization: lowerInstanceNorm,
  Resize: lowerResize,
};
