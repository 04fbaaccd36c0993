/**
 * The gradient table: one entry per op, mapping (context, node, output gradients, which inputs need a
 * gradient) to one gradient per input (null where an input has none or none is needed). Gradients
 * may come back in the broadcast output shape; the driver un-broadcasts them in one place.
 * Formulas: y = node output, g = incoming gradient, gx = gradient for input x.
 */
import type { NodeProto } from '../onnx/proto.js';
import { DataType } from '../onnx/proto.js';
import { GraphError } from './errors.js';
import type { GraphContext } from './context.js';
import { attrFloat, attrInt, attrInts, attrStr, isFloat, numel } from './ir.js';
import { axesOf, normAxis, padsOf, sliceParams } from './shapes.js';
import { NN_RULES } from './rules-nn.js';
import { MORE_RULES } from './rules-more.js';

export type Grad = string | null;
export type Rule = (c: GraphContext, n: NodeProto, g: Grad[], need: boolean[]) => Grad[];

const [X, Y] = [(n: NodeProto) => n.input[0], (n: NodeProto) => n.output[0]];
/** Rule for a unary op whose gx = g · f(c, node). */
const chain = (f: (c: GraphContext, n: NodeProto) => string): Rule => (c, n, g) => [c.mul(g[0]!, f(c, n))];
const passThrough: Rule = (_c, n, g) => n.input.map((_, i) => (i === 0 ? g[0] : null));
const noGrad: Rule = (_c, n) => n.input.map(() => null);

/** Concat of output gradients, zeros for outputs nobody used (Split). */
function splitGrad(c: GraphContext, n: NodeProto, g: Grad[]): Grad[] {
  const parts = n.output.map((o, i) => g[i] ?? c.zerosLike(o));
  const axis = normAxis(attrInt(n, 'axis', 0), c.dims(X(n)).length);
  return [parts.length === 1 ? parts[0] : c.op('Concat', parts, { axis: { i: axis } }), ...n.input.slice(1).map(() => null)];
}

/** Slice: g placed back into zeros — per axis flip for negative steps, zero-insertion for |step|>1, Pad. */
function sliceGrad(c: GraphContext, n: NodeProto, g: Grad[]): Grad[] {
  const dims = c.dims(X(n));
  const params = sliceParams(n, dims, n.input.map((i) => (i ? c.consts.get(i) : undefined)), c.opset);
  let cur = g[0]!;
  const pads = Array<number>(2 * dims.length).fill(0);
  params.forEach(({ start, step, count }, a) => {
    if (count === 0) throw new GraphError(`Slice ${n.name} selects nothing on axis ${a}.`);
    if (step < 0) cur = c.slice(cur, [-1], [-(dims[a] + 1)], [a], [-1]);
    const s = Math.abs(step);
    const first = step < 0 ? start + (count - 1) * step : start;
    let len = count;
    if (s > 1) {
      const d = c.dims(cur);
      const r1 = d.length + 1;
      const p = Array<number>(2 * r1).fill(0);
      p[r1 + a + 1] = s - 1; // s−1 zeros after every element
      const up = c.pad(c.unsqueeze(cur, [a + 1]), p);
      cur = c.reshape(up, d.map((v, i) => (i === a ? v * s : v)));
      len = (count - 1) * s + 1;
      cur = c.slice(cur, [0], [len], [a]);
    }
    pads[a] = first;
    pads[a + dims.length] = dims[a] - first - len;
  });
  return [c.pad(cur, pads), ...n.input.slice(1).map(() => null)];
}

/** Gather: gx = onehot(indices)ᵀ · g along the axis (one MatMul; indices may repeat or be tensors). */
function gatherGrad(c: GraphContext, n: NodeProto, g: Grad[]): Grad[] {
  const d = c.dims(X(n));
  const a = normAxis(attrInt(n, 'axis', 0), d.length);
  const idxName = n.input[1];
  const m = numel(c.dims(idxName));
  const known = c.consts.get(idxName);
  let onehot: string;
  if (known) {
    const o = new Float64Array(d[a] * m);
    known.data.forEach((v, j) => (o[(v < 0 ? v + d[a] : v) * m + j] = 1));
    onehot = c.floats(o, [d[a], m]);
  } else {
    const flat = c.reshape(idxName, [1, m]);
    const idx64 = c.type(idxName).dtype === DataType.INT64 ? flat : c.op('Cast', [flat], { to: { i: DataType.INT64 } });
    const wrapped = c.op('Where', [c.op('Less', [idx64, c.ints([0])]), c.add2(idx64, c.ints([d[a]])), idx64]);
    const range = c.ints(Array.from({ length: d[a] }, (_, i) => i));
    const eq = c.op('Equal', [c.reshape(range, [d[a], 1]), wrapped]);
    onehot = c.op('Cast', [eq], { to: { i: c.type(Y(n)).dtype } });
  }
  const outer = numel(d.slice(0, a)), inner = numel(d.slice(a + 1));
  const g3 = c.reshape(g[0]!, [outer, m, inner]);
  return [c.reshape(c.op('MatMul', [onehot, g3]), d), null];
}

function matmulGrad(c: GraphContext, n: NodeProto, g: Grad[], need: boolean[]): Grad[] {
  const [A, B] = n.input;
  const ra = c.dims(A).length, rb = c.dims(B).length;
  const swap = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
  if (ra >= 2 && rb >= 2) {
    return [
      need[0] ? c.op('MatMul', [g[0]!, c.transpose(B, swap(rb))]) : null,
      need[1] ? c.op('MatMul', [c.transpose(A, swap(ra)), g[0]!]) : null,
    ];
  }
  if (rb === 1 && ra >= 2) {
    const gy = c.unsqueeze(g[0]!, [-1]);
    return [need[0] ? c.mul(gy, B) : null, need[1] ? c.op('MatMul', [c.unsqueeze(g[0]!, [-2]), A]) : null];
  }
  if (ra === 1 && rb >= 2) {
    const gA = need[0] ? c.op('MatMul', [B, c.unsqueeze(g[0]!, [-1])]) : null;
    return [gA && c.reshape(gA, c.dims(gA).slice(0, -1)), need[1] ? c.mul(c.unsqueeze(A, [-1]), c.unsqueeze(g[0]!, [-2])) : null];
  }
  return [need[0] ? c.mul(g[0]!, B) : null, need[1] ? c.mul(g[0]!, A) : null];
}

/** Gemm: Y = α·A'B' + β·C; gA' = α·g·B'ᵀ, gB' = α·A'ᵀ·g, gC = β·g (transposes folded into Gemm flags). */
function gemmGrad(c: GraphContext, n: NodeProto, g: Grad[], need: boolean[]): Grad[] {
  const [A, B] = n.input;
  const alpha = attrFloat(n, 'alpha', 1), beta = attrFloat(n, 'beta', 1);
  const tA = attrInt(n, 'transA', 0), tB = attrInt(n, 'transB', 0);
  const gemm = (a: string, b: string, ta: number, tb: number) => c.op('Gemm', [a, b], { alpha: { f: alpha }, transA: { i: ta }, transB: { i: tb } });
  const gA = !need[0] ? null : tA ? gemm(B, g[0]!, tB, 1) : gemm(g[0]!, B, 0, tB ? 0 : 1);
  const gB = !need[1] ? null : tB ? gemm(g[0]!, A, 1, tA) : gemm(A, g[0]!, tA ? 0 : 1, 0);
  const gC = n.input[2] && need[2] ? (beta === 1 ? g[0] : c.mul(g[0]!, c.scalar(beta))) : null;
  return n.input.length > 2 ? [gA, gB, gC] : [gA, gB];
}

function reduceGrad(mean: boolean): Rule {
  return (c, n, g) => {
    const d = c.dims(X(n));
    let axes = axesOf(n, n.input.map((i) => (i ? c.consts.get(i) : undefined)), 1);
    if (!axes || axes.length === 0) {
      if (attrInt(n, 'noop_with_empty_axes', 0)) return [g[0], null];
      axes = d.map((_, i) => i);
    }
    const ax = new Set(axes.map((a) => normAxis(a, d.length)));
    const kept = c.reshape(g[0]!, d.map((v, i) => (ax.has(i) ? 1 : v)));
    const count = d.reduce((p, v, i) => (ax.has(i) ? p * v : p), 1);
    const scaled = mean ? c.mul(kept, c.scalar(1 / count)) : kept;
    return [c.op('Expand', [scaled, c.ints(d)]), ...n.input.slice(1).map(() => null)];
  };
}

const softmax: Rule = (c, n, g) => {
  const y = Y(n);
  const axis = normAxis(attrInt(n, 'axis', -1), c.dims(y).length);
  const gy = c.mul(g[0]!, y);
  return [c.sub(gy, c.mul(y, c.reduce('ReduceSum', gy, [axis])))];
};

const logSoftmax: Rule = (c, n, g) => {
  const axis = normAxis(attrInt(n, 'axis', -1), c.dims(Y(n)).length);
  return [c.sub(g[0]!, c.mul(c.op('Exp', [Y(n)]), c.reduce('ReduceSum', g[0]!, [axis])))];
};

/** Gelu: exact gx = g·(Φ(x) + x·φ(x)); tanh form differentiates 0.5x(1+tanh(k(x+0.044715x³))). */
function geluGrad(c: GraphContext, n: NodeProto, g: Grad[]): Grad[] {
  const x = X(n);
  if (attrStr(n, 'approximate', 'none') === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    const x2 = c.mul(x, x);
    const t = c.op('Tanh', [c.mul(c.mul(x, c.scalar(k)), c.add2(c.scalar(1), c.mul(x2, c.scalar(0.044715))))]);
    const dt = c.mul(c.sub(c.scalar(1), c.mul(t, t)), c.add2(c.scalar(k), c.mul(x2, c.scalar(3 * 0.044715 * k))));
    const d = c.add2(c.mul(c.scalar(0.5), c.add2(c.scalar(1), t)), c.mul(c.mul(c.scalar(0.5), x), dt));
    return [c.mul(g[0]!, d)];
  }
  const cdf = c.mul(c.scalar(0.5), c.add2(c.scalar(1), c.op('Erf', [c.mul(x, c.scalar(Math.SQRT1_2))])));
  const pdf = c.mul(c.op('Exp', [c.mul(c.mul(x, x), c.scalar(-0.5))]), c.scalar(1 / Math.sqrt(2 * Math.PI)));
  return [c.mul(g[0]!, c.add2(cdf, c.mul(x, pdf)))];
}

function clipGrad(c: GraphContext, n: NodeProto, g: Grad[]): Grad[] {
  const x = X(n);
  const lo = c.opset >= 11 ? n.input[1] : undefined, hi = c.opset >= 11 ? n.input[2] : undefined;
  const conds = [lo && c.op('GreaterOrEqual', [x, lo]), hi && c.op('LessOrEqual', [x, hi])].filter((v): v is string => !!v);
  if (conds.length === 0) return [g[0], null, null].slice(0, n.input.length);
  const cond = conds.length === 2 ? c.op('And', conds) : conds[0];
  return [c.op('Where', [cond, g[0]!, c.scalar(0)]), ...n.input.slice(1).map(() => null)];
}

function tileGrad(c: GraphContext, n: NodeProto, g: Grad[]): Grad[] {
  const d = c.dims(X(n));
  const reps = Array.from(c.consts.get(n.input[1])!.data);
  const split = c.reshape(g[0]!, d.flatMap((v, i) => [reps[i], v]));
  const summed = c.reduce('ReduceSum', split, d.map((_, i) => 2 * i));
  return [c.reshape(summed, d), null];
}

function padGrad(c: GraphContext, n: NodeProto, g: Grad[]): Grad[] {
  const d = c.dims(X(n));
  const pads = padsOf(n, d.length, n.input.map((i) => (i ? c.consts.get(i) : undefined)), c.opset);
  if (attrStr(n, 'mode', 'constant') !== 'constant') return MORE_RULES.PadModes(c, n, g, []);
  if (pads.some((p) => p < 0)) throw new GraphError(`Pad ${n.name} crops (negative pads), which has no gradient rule.`);
  const axes = d.map((_, i) => i);
  return [c.slice(g[0]!, pads.slice(0, d.length), d.map((v, i) => pads[i] + v), axes), ...n.input.slice(1).map(() => null)];
}

const minMax = (isMax: boolean): Rule => (c, n, g) => {
  if (n.input.length !== 2) throw new GraphError(`${n.opType} ${n.name} with ${n.input.length} inputs has no gradient rule.`);
  const [a, b] = n.input;
  const pick = c.op(isMax ? 'GreaterOrEqual' : 'LessOrEqual', [a, b]);
  return [c.op('Where', [pick, g[0]!, c.scalar(0)]), c.op('Where', [pick, c.scalar(0), g[0]!])];
};

export const RULES: Record<string, Rule> = {
  Identity: passThrough,
  Dropout: passThrough,
  Cast: (c, n, g) => [c.op('Cast', [g[0]!], { to: { i: c.type(X(n)).dtype } })],
  Neg: (c, _n, g) => [c.neg(g[0]!)],
  // g·1[y > 0]; Cast(Greater) measured ~5× cheaper than Sign and ~2× cheaper than Where on CPU
  Relu: chain((c, n) => c.op('Cast', [c.op('Greater', [Y(n), c.scalar(0)])], { to: { i: c.type(Y(n)).dtype } })),
  LeakyRelu: (c, n, g) => [c.op('Where', [c.op('Greater', [X(n), c.scalar(0)]), g[0]!, c.mul(g[0]!, c.scalar(attrFloat(n, 'alpha', 0.01)))])],
  Sigmoid: chain((c, n) => c.mul(Y(n), c.sub(c.scalar(1), Y(n)))), // y(1-y)
  Tanh: chain((c, n) => c.sub(c.scalar(1), c.mul(Y(n), Y(n)))), // 1-y²
  Erf: chain((c, n) => c.mul(c.scalar(2 / Math.sqrt(Math.PI)), c.op('Exp', [c.neg(c.mul(X(n), X(n)))]))), // 2/√π·e^{-x²}
  Gelu: geluGrad,
  Exp: chain((_c, n) => Y(n)),
  Softplus: chain((c, n) => c.op('Sigmoid', [X(n)])), // σ(x)
  Log: (c, n, g) => [c.div(g[0]!, X(n))],
  Sqrt: (c, n, g) => [c.div(c.mul(g[0]!, c.scalar(0.5)), Y(n))], // 1/(2y)
  Reciprocal: (c, n, g) => [c.neg(c.mul(g[0]!, c.mul(Y(n), Y(n))))], // -y²
  Abs: chain((c, n) => c.op('Sign', [X(n)])),
  Sign: noGrad, Floor: noGrad, Ceil: noGrad, Round: noGrad,
  Clip: clipGrad,
  Softmax: softmax, // y·(g − Σ g·y)
  LogSoftmax: logSoftmax, // g − e^y·Σ g
  Add: (_c, n, g) => n.input.map(() => g[0]),
  Sub: (c, _n, g, need) => [g[0], need[1] ? c.neg(g[0]!) : null],
  Mul: (c, n, g, need) => [need[0] ? c.mul(g[0]!, n.input[1]) : null, need[1] ? c.mul(g[0]!, n.input[0]) : null],
  Div: (c, n, g, need) => [need[0] ? c.div(g[0]!, n.input[1]) : null, need[1] ? c.neg(c.div(c.mul(g[0]!, Y(n)), n.input[1])) : null], // g/b, −g·y/b
  Pow: (c, n, g, need) => {
    const a = n.input[0]; // gA = g·b·a^(b−1), gB = g·y·ln a
    const b = isFloat(c.type(n.input[1]).dtype) ? n.input[1] : c.op('Cast', [n.input[1]], { to: { i: c.floatType } });
    return [need[0] ? c.mul(c.mul(g[0]!, b), c.op('Pow', [a, c.sub(b, c.scalar(1))])) : null, need[1] ? c.mul(c.mul(g[0]!, Y(n)), c.op('Log', [a])) : null];
  },
  Max: minMax(true),
  Min: minMax(false),
  Where: (c, n, g, need) => [null, need[1] ? c.op('Where', [n.input[0], g[0]!, c.scalar(0)]) : null, need[2] ? c.op('Where', [n.input[0], c.scalar(0), g[0]!]) : null],
  MatMul: matmulGrad,
  Gemm: gemmGrad,
  ReduceSum: reduceGrad(false),
  ReduceMean: reduceGrad(true),
  Reshape: (c, n, g) => [c.reshape(g[0]!, c.dims(X(n))), null],
  Flatten: (c, n, g) => [c.reshape(g[0]!, c.dims(X(n)))],
  Squeeze: (c, n, g) => [c.reshape(g[0]!, c.dims(X(n))), ...n.input.slice(1).map(() => null)],
  Unsqueeze: (c, n, g) => [c.reshape(g[0]!, c.dims(X(n))), ...n.input.slice(1).map(() => null)],
  Transpose: (c, n, g) => {
    const r = c.dims(X(n)).length;
    const perm = attrInts(n, 'perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
    const inv = Array<number>(r);
    perm.forEach((p, i) => (inv[p] = i));
    return [c.transpose(g[0]!, inv)];
  },
  Concat: (c, n, g) => {
    const axis = normAxis(attrInt(n, 'axis', 0), c.dims(Y(n)).length);
    return c.split(g[0]!, axis, n.input.map((i) => c.dims(i)[axis]));
  },
  Split: splitGrad,
  Slice: sliceGrad,
  Gather: gatherGrad,
  Expand: (_c, _n, g) => [g[0], null], // un-broadcast by the driver
  Tile: tileGrad,
  Pad: padGrad,
  ...NN_RULES,
  ...Object.fromEntries(Object.entries(MORE_RULES).filter(([op]) => op !== 'PadModes')),
};
