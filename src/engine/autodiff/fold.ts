/**
 * Constant folding of shape sub-graphs: ops whose inputs are all known constants (small initializers,
 * Constant nodes, Shape of a static value…) are evaluated here and replaced by initializers, so the
 * graph the gradient pass sees — and the one it writes — has no Shape/Gather/Concat chains left.
 */
import type { NodeProto } from '../onnx/proto.js';
import { DataType } from '../onnx/proto.js';
import { attr, attrInt, attrInts, numel, tensorValues, type ConstValue, type ValueType } from './ir.js';
import { broadcastDims, normAxis, sliceParams } from './shapes.js';

/** Largest constant (elements) the folder produces; bigger results stay as nodes. */
export const FOLD_LIMIT = 1 << 16;

const strides = (d: readonly number[]) => {
  const s = Array<number>(d.length).fill(1);
  for (let i = d.length - 2; i >= 0; i--) s[i] = s[i + 1] * d[i + 1];
  return s;
};

/** Reads input `c` at the output multi-index `idx` under numpy broadcasting. */
function bget(c: ConstValue, out: readonly number[], flat: number): number {
  const r = out.length;
  const s = strides(c.dims);
  let rem = flat;
  let off = 0;
  for (let i = r - 1; i >= 0; i--) {
    const k = rem % out[i];
    rem = Math.floor(rem / out[i]);
    const j = i - (r - c.dims.length);
    if (j >= 0 && c.dims[j] !== 1) off += k * s[j];
  }
  return c.data[off];
}

function elementwise(cs: ConstValue[], dtype: number, f: (...v: number[]) => number): ConstValue {
  const dims = broadcastDims(...cs.map((c) => c.dims));
  const data = new Float64Array(numel(dims));
  for (let i = 0; i < data.length; i++) data[i] = f(...cs.map((c) => bget(c, dims, i)));
  return { dtype, dims, data };
}

/** Gathers `c` along a generic index map: out[flat] = c.data[src(flat)]. */
function remap(c: ConstValue, dims: number[], src: (idx: number[]) => number): ConstValue {
  const data = new Float64Array(numel(dims));
  const idx = Array<number>(dims.length).fill(0);
  for (let i = 0; i < data.length; i++) {
    data[i] = c.data[src(idx)];
    for (let a = dims.length - 1; a >= 0; a--) if (++idx[a] < dims[a]) break; else idx[a] = 0;
  }
  return { dtype: c.dtype, dims, data };
}

const isInt = (dtype: number) => dtype !== DataType.FLOAT && dtype !== DataType.DOUBLE && dtype !== DataType.FLOAT16;
const div = (dtype: number) => (a: number, b: number) => (isInt(dtype) ? Math.trunc(a / b) : a / b);
const bool = (f: (a: number, b: number) => boolean) => (a: number, b: number) => (f(a, b) ? 1 : 0);

type Folder = (n: NodeProto, c: ConstValue[], out: ValueType[], inTypes: ValueType[], opset: number) => ConstValue[];
const one = (f: (n: NodeProto, c: ConstValue[], out: ValueType[], inTypes: ValueType[], opset: number) => ConstValue): Folder => (...a) => [f(...a)];
const ew = (f: (dtype: number) => (...v: number[]) => number): Folder => one((_n, c, out) => elementwise(c, out[0].dtype, f(out[0].dtype)));

export const FOLDERS: Record<string, Folder> = {
  Identity: one((_n, c) => c[0]),
  Cast: one((_n, c, out) => ({ dtype: out[0].dtype, dims: c[0].dims, data: isInt(out[0].dtype) ? c[0].data.map(Math.trunc) : c[0].data })),
  Constant: one((n, _c, out) => {
    const a = n.attribute[0];
    const data = a.t ? tensorValues(a.t) : Float64Array.from(a.name === 'value_float' ? [a.f] : a.name === 'value_floats' ? a.floats : a.name === 'value_int' ? [Number(a.i)] : a.ints.map(Number));
    return { ...out[0], data };
  }),
  ConstantOfShape: one((n, _c, out) => {
    const t = attr(n, 'value')?.t;
    return { ...out[0], data: new Float64Array(numel(out[0].dims)).fill(t ? tensorValues(t)[0] : 0) };
  }),
  Add: ew(() => (a, b) => a + b), Sub: ew(() => (a, b) => a - b), Mul: ew(() => (a, b) => a * b), Div: ew(div),
  Max: ew(() => Math.max), Min: ew(() => Math.min), Neg: ew(() => (a) => -a), Abs: ew(() => Math.abs),
  Floor: ew(() => Math.floor), Ceil: ew(() => Math.ceil), Sqrt: ew(() => Math.sqrt), Pow: ew(() => Math.pow),
  Mod: ew(() => (a, b) => ((a % b) + b) % b),
  Equal: ew(() => bool((a, b) => a === b)), Less: ew(() => bool((a, b) => a < b)), Greater: ew(() => bool((a, b) => a > b)),
  LessOrEqual: ew(() => bool((a, b) => a <= b)), GreaterOrEqual: ew(() => bool((a, b) => a >= b)),
  And: ew(() => bool((a, b) => !!a && !!b)), Or: ew(() => bool((a, b) => !!a || !!b)), Not: ew(() => (a) => (a ? 0 : 1)),
  Where: ew(() => (c, a, b) => (c ? a : b)),
  Shape: one((n, _c, out, t) => {
    const r = t[0].dims.length;
    const s = Math.max(0, normAxis(attrInt(n, 'start', 0), r));
    return { ...out[0], data: Float64Array.from(t[0].dims.slice(s, s + out[0].dims[0])) };
  }),
  Size: one((_n, _c, out, t) => ({ ...out[0], data: Float64Array.of(numel(t[0].dims)) })),
  Reshape: one((_n, c, out) => ({ ...out[0], data: c[0].data })),
  Flatten: one((_n, c, out) => ({ ...out[0], data: c[0].data })),
  Squeeze: one((_n, c, out) => ({ ...out[0], data: c[0].data })),
  Unsqueeze: one((_n, c, out) => ({ ...out[0], data: c[0].data })),
  Expand: one((_n, c, out) => ({ ...out[0], data: Float64Array.from({ length: numel(out[0].dims) }, (_, i) => bget(c[0], out[0].dims, i)) })),
  Range: one((_n, c, out) => ({ ...out[0], data: Float64Array.from({ length: out[0].dims[0] }, (_, i) => c[0].data[0] + i * c[2].data[0]) })),
  Concat: one((n, c, out) => {
    const d = out[0].dims;
    const a = normAxis(attrInt(n, 'axis', 0), d.length);
    const parts: Float64Array[] = [];
    const outer = numel(d.slice(0, a));
    for (let o = 0; o < outer; o++)
      for (const x of c) {
        const inner = numel(x.dims.slice(a));
        parts.push(x.data.subarray(o * inner, (o + 1) * inner));
      }
    const data = new Float64Array(numel(d));
    let off = 0;
    for (const p of parts) data.set(p, off), (off += p.length);
    return { ...out[0], data };
  }),
  Gather: one((n, c, out) => {
    const d = c[0].dims;
    const a = normAxis(attrInt(n, 'axis', 0), d.length);
    const s = strides(d);
    const ir = c[1].dims.length;
    const is = strides(c[1].dims);
    return remap(c[0], out[0].dims, (idx) => {
      let j = 0;
      for (let k = 0; k < ir; k++) j += idx[a + k] * is[k];
      let g = c[1].data[j];
      if (g < 0) g += d[a];
      let off = g * s[a];
      for (let k = 0; k < d.length; k++) if (k !== a) off += idx[k < a ? k : k + ir - 1] * s[k];
      return off;
    });
  }),
  Slice: one((n, c, out, t, opset) => {
    const p = sliceParams(n, t[0].dims, c, opset);
    const s = strides(t[0].dims);
    return remap(c[0], out[0].dims, (idx) => idx.reduce((o, k, a) => o + (p[a].start + k * p[a].step) * s[a], 0));
  }),
  Transpose: one((n, c, out) => {
    const d = c[0].dims;
    const perm = attrInts(n, 'perm') ?? d.map((_, i) => d.length - 1 - i);
    const s = strides(d);
    return remap(c[0], out[0].dims, (idx) => idx.reduce((o, k, a) => o + k * s[perm[a]], 0));
  }),
  NonZero: one((_n, c) => {
    const nz: number[][] = [];
    const d = c[0].dims;
    const st = strides(d);
    c[0].data.forEach((v, i) => v && nz.push(d.map((_, a) => Math.floor(i / st[a]) % d[a])));
    const data = new Float64Array(d.length * nz.length);
    nz.forEach((ix, j) => ix.forEach((v, a) => (data[a * nz.length + j] = v)));
    return { dtype: DataType.INT64, dims: [d.length, nz.length], data };
  }),
};

/** Evaluates `n` when all its inputs are constants and the folder knows it; undefined otherwise. */
export function tryFold(n: NodeProto, c: (ConstValue | undefined)[], out: ValueType[] | undefined, inTypes: ValueType[], opset: number): ConstValue[] | undefined {
  const f = FOLDERS[n.opType];
  if (!f || n.domain) return undefined;
  const shapeOnly = n.opType === 'Shape' || n.opType === 'Size';
  const present = n.input.map((name, i) => (name ? c[i] : undefined));
  if (!shapeOnly && n.input.some((name, i) => name && !c[i])) return undefined;
  if (out && out.some((o) => numel(o.dims) > FOLD_LIMIT)) return undefined;
  if (!out && n.opType !== 'NonZero') return undefined;
  return f(n, present as ConstValue[], out ?? [], inTypes, opset);
}
