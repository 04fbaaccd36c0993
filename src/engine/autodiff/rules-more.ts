/**
 * Gradient rules for the less common ops (activations, variadic sums, max/L2 reductions, non-constant
 * Pad modes, GatherElements). Registered into the one table in rules.ts.
 */
import type { NodeProto } from '../onnx/proto.js';
import type { GraphContext } from './context.js';
import { GraphError } from './errors.js';
import { attrFloat, attrInt, attrStr } from './ir.js';
import type { Grad, Rule } from './rules.js';
import { axesOf, normAxis, padsOf, parseEinsum } from './shapes.js';

const X = (n: NodeProto) => n.input[0], Y = (n: NodeProto) => n.output[0];
const floatOf = (c: GraphContext, cond: string, like: string) => c.op('Cast', [cond], { to: { i: c.type(like).dtype } });
const positive = (c: GraphContext, x: string) => c.op('Greater', [x, c.scalar(0)]);

/** ReduceMax/ReduceMin/GlobalMaxPool: g goes to the elements equal to the extremum, shared among ties. */
function extremumGrad(c: GraphContext, n: NodeProto, g: Grad[], axes: number[]): Grad[] {
  const x = X(n), d = c.dims(x);
  const kept = d.map((v, i) => (axes.includes(i) ? 1 : v));
  const hit = floatOf(c, c.op('Equal', [x, c.reshape(Y(n), kept)]), x);
  const share = c.div(c.reshape(g[0]!, kept), c.reduce('ReduceSum', hit, axes));
  return [c.mul(hit, share), ...n.input.slice(1).map(() => null)];
}
const reduceAxes = (c: GraphContext, n: NodeProto): number[] => {
  const d = c.dims(X(n));
  const axes = axesOf(n, n.input.map((i) => (i ? c.consts.get(i) : undefined)), 1);
  return axes && axes.length ? axes.map((a) => normAxis(a, d.length)) : d.map((_, i) => i);
};
const keptShape = (c: GraphContext, n: NodeProto) => {
  const axes = reduceAxes(c, n);
  return c.dims(X(n)).map((v, i) => (axes.includes(i) ? 1 : v));
};

/**
 * Pad in edge/reflect/wrap mode on the last two axes is linear, y = P·x per axis, with P a constant
 * 0/1 source-index matrix; gx = Pᵀ·g. (Constant mode is handled in rules.ts by a Slice.)
 */
function padModeGrad(c: GraphContext, n: NodeProto, g: Grad[]): Grad[] {
  const x = X(n), d = c.dims(x);
  const mode = attrStr(n, 'mode', 'constant');
  const pads = padsOf(n, d.length, n.input.map((i) => (i ? c.consts.get(i) : undefined)), c.opset);
  let cur = g[0]!;
  for (let a = 0; a < d.length; a++) {
    const [pb, pe] = [pads[a], pads[a + d.length]];
    if (pb === 0 && pe === 0) continue;
    if (a < d.length - 2 || pb < 0 || pe < 0) throw new GraphError(`Pad ${n.name} (${mode}) pads axis ${a} or crops; only padding of the last two axes has a gradient rule.`);
    const len = d[a], out = len + pb + pe;
    const src = (o: number) => {
      const i = o - pb;
      if (mode === 'edge') return Math.min(Math.max(i, 0), len - 1);
      if (mode === 'wrap') return ((i % len) + len) % len;
      const period = 2 * (len - 1); // reflect: …2 1 [0 1 2 … n−1] n−2 …
      const r = ((i % period) + period) % period;
      return r < len ? r : period - r;
    };
    const pT = new Float64Array(len * out); // Pᵀ [len, out]
    for (let o = 0; o < out; o++) pT[src(o) * out + o] += 1;
    cur = a === d.length - 1
      ? c.op('MatMul', [cur, c.floats(transpose(pT, len, out), [out, len])])
      : c.op('MatMul', [c.floats(pT, [len, out]), cur]);
  }
  return [cur, ...n.input.slice(1).map(() => null)];
}
function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) t[k * rows + r] = m[r * cols + k];
  return t;
}

/**
 * Einsum: g_k = einsum(out, others → S_k); subscripts of operand k that appear nowhere else were
 * summed over and come back by broadcasting (Unsqueeze + Expand).
 */
function einsumGrad(c: GraphContext, n: NodeProto, g: Grad[], need: boolean[]): Grad[] {
  const { inputs, output } = parseEinsum(n);
  return inputs.map((subs, k) => {
    if (!need[k]) return null;
    const others = inputs.filter((_, j) => j !== k);
    const seen = new Set(output + others.join(''));
    const kept = [...subs].filter((l) => seen.has(l)).join('');
    const eq = `${[output, ...others].join(',')}->${kept}`;
    let gk = c.op('Einsum', [g[0]!, ...n.input.filter((_, j) => j !== k)], { equation: { s: eq } });
    if (kept.length < subs.length) {
      const missing = [...subs].map((l, i) => (seen.has(l) ? -1 : i)).filter((i) => i >= 0);
      gk = c.op('Expand', [c.unsqueeze(gk, missing), c.ints(c.dims(n.input[k]))]);
    }
    return gk;
  });
}

export const MORE_RULES: Record<string, Rule> = {
  Einsum: einsumGrad,
  Sum: (_c, n, g) => n.input.map(() => g[0]),
  Mean: (c, n, g) => n.input.map(() => c.mul(g[0]!, c.scalar(1 / n.input.length))),
  // x > 0 ? g : g·slope; gslope = x > 0 ? 0 : g·x
  PRelu: (c, n, g, need) => {
    const [x, slope] = n.input;
    const pos = positive(c, x);
    return [need[0] ? c.op('Where', [pos, g[0]!, c.mul(g[0]!, slope)]) : null, need[1] ? c.op('Where', [pos, c.scalar(0), c.mul(g[0]!, x)]) : null];
  },
  Sin: (c, n, g) => [c.mul(g[0]!, c.op('Cos', [X(n)]))], // cos x
  Cos: (c, n, g) => [c.neg(c.mul(g[0]!, c.op('Sin', [X(n)])))], // −sin x
  Elu: (c, n, g) => [c.op('Where', [positive(c, X(n)), g[0]!, c.mul(g[0]!, c.add2(Y(n), c.scalar(attrFloat(n, 'alpha', 1))))])], // x ≤ 0: y + α
  Selu: (c, n, g) => {
    const alpha = attrFloat(n, 'alpha', 1.67326319217681884765625), gamma = attrFloat(n, 'gamma', 1.05070102214813232421875);
    return [c.op('Where', [positive(c, X(n)), c.mul(g[0]!, c.scalar(gamma)), c.mul(g[0]!, c.add2(Y(n), c.scalar(gamma * alpha)))])]; // x ≤ 0: y + γα
  },
  // α·1[0 < αx+β < 1]
  HardSigmoid: (c, n, g) => {
    const alpha = attrFloat(n, 'alpha', 0.2), beta = attrFloat(n, 'beta', 0.5);
    const t = c.add2(c.mul(X(n), c.scalar(alpha)), c.scalar(beta));
    const inside = c.op('And', [c.op('Greater', [t, c.scalar(0)]), c.op('Less', [t, c.scalar(1)])]);
    return [c.mul(g[0]!, c.mul(floatOf(c, inside, X(n)), c.scalar(alpha)))];
  },
  // x < −3: 0, x > 3: 1, else x/3 + 1/2
  HardSwish: (c, n, g) => {
    const x = X(n);
    const mid = c.add2(c.mul(x, c.scalar(1 / 3)), c.scalar(0.5));
    const d = c.op('Where', [c.op('Less', [x, c.scalar(-3)]), c.scalar(0), c.op('Where', [c.op('Greater', [x, c.scalar(3)]), c.scalar(1), mid])]);
    return [c.mul(g[0]!, d)];
  },
  Softsign: (c, n, g) => {
    const d = c.add2(c.scalar(1), c.op('Abs', [X(n)])); // 1/(1+|x|)²
    return [c.div(g[0]!, c.mul(d, d))];
  },
  ReduceL2: (c, n, g) => [c.div(c.mul(c.reshape(g[0]!, keptShape(c, n)), X(n)), c.reshape(Y(n), keptShape(c, n))), ...n.input.slice(1).map(() => null)], // x/y
  ReduceSumSquare: (c, n, g) => [c.mul(c.mul(c.reshape(g[0]!, keptShape(c, n)), X(n)), c.scalar(2)), ...n.input.slice(1).map(() => null)], // 2x
  ReduceMax: (c, n, g) => extremumGrad(c, n, g, reduceAxes(c, n)),
  ReduceMin: (c, n, g) => extremumGrad(c, n, g, reduceAxes(c, n)),
  GlobalMaxPool: (c, n, g) => extremumGrad(c, n, g, c.dims(X(n)).slice(2).map((_, i) => i + 2)),
  // scatter-add g back to the gathered positions
  GatherElements: (c, n, g) => {
    if (c.opset < 16) throw new GraphError(`GatherElements ${n.name}: its gradient needs opset ≥ 16 (ScatterElements reduction).`);
    const axis = attrInt(n, 'axis', 0);
    return [c.op('ScatterElements', [c.zerosLike(X(n)), n.input[1], g[0]!], { axis: { i: axis }, reduction: { s: 'add' } }), null];
  },
  PadModes: padModeGrad,
};
