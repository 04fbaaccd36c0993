/**
 * Static shape inference: one function per op mapping input types (and constant inputs) to output
 * types. Every value the pass touches — forward or backward — gets a fully known shape, so backward
 * nodes use constant shapes instead of Shape/Gather/NonZero chains.
 */
import type { NodeProto } from '../onnx/proto.js';
import { DataType } from '../onnx/proto.js';
import { GraphError } from './errors.js';
import { windowGeometry } from './geometry.js';
import { attr, attrInt, attrInts, numel, tensorDims, type ConstValue, type ValueType } from './ir.js';

export type ShapeFn = (n: NodeProto, t: (ValueType | undefined)[], c: (ConstValue | undefined)[], opset: number) => ValueType[];

/** Einsum subscripts (explicit or implicit output); ellipses and diagonals are not supported. */
export function parseEinsum(n: NodeProto): { inputs: string[]; output: string } {
  const eq = (attr(n, 'equation')?.s ? new TextDecoder().decode(attr(n, 'equation')!.s) : '').replace(/\s/g, '');
  if (eq.includes('.')) throw new GraphError(`Einsum ${n.name} uses an ellipsis, which is not supported.`);
  const [lhs, rhs] = eq.split('->');
  const inputs = lhs.split(',');
  if (inputs.some((subs) => new Set(subs).size !== subs.length)) throw new GraphError(`Einsum ${n.name} takes a diagonal (repeated subscript), which is not supported.`);
  const counts = new Map<string, number>();
  for (const l of lhs.replace(/,/g, '')) counts.set(l, (counts.get(l) ?? 0) + 1);
  const output = rhs ?? [...counts].filter(([, k]) => k === 1).map(([l]) => l).sort().join('');
  return { inputs, output };
}

export function broadcastDims(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) {
        if (d !== 1 && d !== v) throw new GraphError(`Shapes [${shapes.map((x) => x.join(',')).join('] and [')}] do not broadcast.`);
        d = v;
      }
    }
    return d;
  });
}

export const normAxis = (a: number, rank: number): number => (a < 0 ? a + rank : a);

/** Axes given as attribute (older opsets) or as input `index` (newer). */
export function axesOf(n: NodeProto, c: (ConstValue | undefined)[], index: number): number[] | undefined {
  const a = attrInts(n, 'axes');
  if (a) return a;
  if (n.input[index]) {
    const v = c[index];
    if (!v) throw new GraphError(`Node ${n.name} (${n.opType}) has non-constant axes; only static graphs can be differentiated.`);
    return Array.from(v.data);
  }
  return undefined;
}

export function constInput(n: NodeProto, c: (ConstValue | undefined)[], i: number, what: string): number[] {
  const v = c[i];
  if (!v) throw new GraphError(`Node ${n.name} (${n.opType}) has a non-constant ${what}; only static graphs can be differentiated.`);
  return Array.from(v.data);
}

const same: ShapeFn = (_n, t) => [{ ...t[0]!, dims: [...t[0]!.dims] }];
const bcast: ShapeFn = (_n, t) => [{ dtype: t[0]!.dtype, dims: broadcastDims(...t.filter((x): x is ValueType => !!x).map((x) => x.dims)) }];
const compare: ShapeFn = (n, t, c, o) => [{ dtype: DataType.BOOL, dims: bcast(n, t, c, o)[0].dims }];

function reduceDims(dims: readonly number[], axes: number[] | undefined, keep: boolean, noop: boolean): number[] {
  if (!axes || axes.length === 0) {
    if (noop) return [...dims];
    axes = dims.map((_, i) => i);
  }
  const ax = new Set(axes.map((a) => normAxis(a, dims.length)));
  return dims.flatMap((d, i) => (ax.has(i) ? (keep ? [1] : []) : [d]));
}

const reduce: ShapeFn = (n, t, c) => [
  { dtype: t[0]!.dtype, dims: reduceDims(t[0]!.dims, axesOf(n, c, 1), attrInt(n, 'keepdims', 1) === 1, attrInt(n, 'noop_with_empty_axes', 0) === 1) },
];

export function reshapeDims(n: NodeProto, input: readonly number[], spec: number[]): number[] {
  const allowZero = attrInt(n, 'allowzero', 0) === 1;
  const out = spec.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
  const neg = out.indexOf(-1);
  if (neg >= 0) out[neg] = numel(input) / numel(out.filter((_, i) => i !== neg));
  return out;
}

export function sliceParams(n: NodeProto, dims: readonly number[], c: (ConstValue | undefined)[], opset: number) {
  const starts = opset >= 10 ? constInput(n, c, 1, 'starts') : attrInts(n, 'starts')!;
  const ends = opset >= 10 ? constInput(n, c, 2, 'ends') : attrInts(n, 'ends')!;
  const axes = (opset >= 10 ? (n.input[3] ? constInput(n, c, 3, 'axes') : undefined) : attrInts(n, 'axes')) ?? starts.map((_, i) => i);
  const steps = opset >= 10 && n.input[4] ? constInput(n, c, 4, 'steps') : starts.map(() => 1);
  // Per axis: first index, step and count (ONNX clamping rules).
  const params = dims.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((a0, i) => {
    const a = normAxis(a0, dims.length);
    const d = dims[a];
    const step = steps[i];
    let s = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    const count = Math.max(0, Math.ceil((e - s) / step));
    params[a] = { start: s, step, count };
  });
  return params;
}

export function splitSizes(n: NodeProto, dims: readonly number[], c: (ConstValue | undefined)[], opset: number): number[] {
  const axis = normAxis(attrInt(n, 'axis', 0), dims.length);
  const given = opset >= 13 ? (n.input[1] ? constInput(n, c, 1, 'split') : undefined) : attrInts(n, 'split');
  if (given) return given;
  const parts = n.output.length;
  const size = Math.ceil(dims[axis] / parts);
  return Array.from({ length: parts }, (_, i) => Math.min(size, dims[axis] - i * size));
}

export function padsOf(n: NodeProto, rank: number, c: (ConstValue | undefined)[], opset: number): number[] {
  const raw = opset >= 11 ? constInput(n, c, 1, 'pads') : attrInts(n, 'pads')!;
  const axes = opset >= 18 && n.input[3] ? constInput(n, c, 3, 'axes').map((a) => normAxis(a, rank)) : undefined;
  if (!axes) return raw;
  const full = Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => ((full[a] = raw[i]), (full[a + rank] = raw[i + axes.length])));
  return full;
}

/** Output dims of Resize (scales or sizes, optional axes ≥18). */
export function resizeDims(n: NodeProto, dims: readonly number[], c: (ConstValue | undefined)[], opset: number): { out: number[]; scales: number[] } {
  const scalesIdx = opset >= 11 ? 2 : 1;
  const axes = (attrInts(n, 'axes') ?? dims.map((_, i) => i)).map((a) => normAxis(a, dims.length));
  const out = [...dims];
  const scales = dims.map(() => 1);
  const sizes = opset >= 11 && n.input[3] ? constInput(n, c, 3, 'sizes') : undefined;
  if (sizes) {
    axes.forEach((a, i) => ((out[a] = sizes[i]), (scales[a] = sizes[i] / dims[a])));
  } else {
    const s = constInput(n, c, scalesIdx, 'scales');
    axes.forEach((a, i) => ((out[a] = Math.floor(dims[a] * s[i])), (scales[a] = s[i])));
  }
  return { out, scales };
}

function matmulDims(a: readonly number[], b: readonly number[]): number[] {
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const batch = broadcastDims(a2.slice(0, -2), b2.slice(0, -2));
  const out = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

const UNARY = 'Identity Relu LeakyRelu Sigmoid Tanh Erf Gelu Exp Log Sqrt Neg Abs Clip Softmax LogSoftmax Sign Floor Ceil Round Reciprocal Sin Cos Softplus Elu HardSigmoid Selu CumSum Trilu InstanceNormalization LpNormalization HardSwish Mish Softsign';
const BROADCAST = 'Add Sub Mul Div Pow Max Min Mod PRelu Sum Mean BitShift';
const COMPARE = 'Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor';

export const SHAPES: Record<string, ShapeFn> = {
  ...Object.fromEntries(UNARY.split(' ').map((op) => [op, same])),
  ...Object.fromEntries(BROADCAST.split(' ').map((op) => [op, bcast])),
  ...Object.fromEntries(COMPARE.split(' ').map((op) => [op, compare])),
  Not: (_n, t) => [{ dtype: DataType.BOOL, dims: [...t[0]!.dims] }],
  IsNaN: (_n, t) => [{ dtype: DataType.BOOL, dims: [...t[0]!.dims] }],
  IsInf: (_n, t) => [{ dtype: DataType.BOOL, dims: [...t[0]!.dims] }],
  Where: (_n, t) => [{ dtype: t[1]!.dtype, dims: broadcastDims(t[0]!.dims, t[1]!.dims, t[2]!.dims) }],
  Cast: (n, t) => [{ dtype: attrInt(n, 'to', DataType.FLOAT), dims: [...t[0]!.dims] }],
  CastLike: (_n, t) => [{ dtype: t[1]!.dtype, dims: [...t[0]!.dims] }],
  Dropout: (_n, t) => [{ ...t[0]!, dims: [...t[0]!.dims] }, { dtype: DataType.BOOL, dims: [...t[0]!.dims] }],
  BatchNormalization: (_n, t) => [{ ...t[0]!, dims: [...t[0]!.dims] }],
  LayerNormalization: (n, t) => {
    const d = t[0]!.dims;
    const axis = normAxis(attrInt(n, 'axis', -1), d.length);
    const stat = d.map((v, i) => (i < axis ? v : 1));
    return [{ ...t[0]!, dims: [...d] }, { dtype: DataType.FLOAT, dims: stat }, { dtype: DataType.FLOAT, dims: stat }];
  },
  Shape: (n, t) => {
    const r = t[0]!.dims.length;
    const s = normAxis(attrInt(n, 'start', 0), r);
    const e = attr(n, 'end') ? normAxis(attrInt(n, 'end', r), r) : r;
    return [{ dtype: DataType.INT64, dims: [Math.max(0, Math.min(e, r) - Math.max(s, 0))] }];
  },
  Size: () => [{ dtype: DataType.INT64, dims: [] }],
  Constant: (n) => {
    const a = n.attribute[0];
    if (a.name === 'value' && a.t) return [{ dtype: a.t.dataType, dims: tensorDims(a.t) }];
    if (a.name === 'value_float') return [{ dtype: DataType.FLOAT, dims: [] }];
    if (a.name === 'value_floats') return [{ dtype: DataType.FLOAT, dims: [a.floats.length] }];
    if (a.name === 'value_int') return [{ dtype: DataType.INT64, dims: [] }];
    if (a.name === 'value_ints') return [{ dtype: DataType.INT64, dims: [a.ints.length] }];
    throw new GraphError(`Constant node ${n.name} uses ${a.name}, which is not supported.`);
  },
  ConstantOfShape: (n, _t, c) => [{ dtype: attr(n, 'value')?.t?.dataType ?? DataType.FLOAT, dims: constInput(n, c, 0, 'shape') }],
  Range: (n, t, c) => {
    const [s, l, d] = [0, 1, 2].map((i) => constInput(n, c, i, 'range bound')[0]);
    return [{ dtype: t[0]!.dtype, dims: [Math.max(0, Math.ceil((l - s) / d))] }];
  },
  MatMul: (_n, t) => [{ dtype: t[0]!.dtype, dims: matmulDims(t[0]!.dims, t[1]!.dims) }],
  Gemm: (n, t) => {
    const a = t[0]!.dims, b = t[1]!.dims;
    return [{ dtype: t[0]!.dtype, dims: [attrInt(n, 'transA', 0) ? a[1] : a[0], attrInt(n, 'transB', 0) ? b[0] : b[1]] }];
  },
  Conv: (n, t) => {
    const x = t[0]!.dims, w = t[1]!.dims;
    return [{ dtype: t[0]!.dtype, dims: [x[0], w[0], ...windowGeometry(n, x.slice(2), w.slice(2)).out] }];
  },
  ConvTranspose: (n, t) => {
    const x = t[0]!.dims, w = t[1]!.dims;
    return [{ dtype: t[0]!.dtype, dims: [x[0], w[1] * attrInt(n, 'group', 1), ...windowGeometry(n, x.slice(2), w.slice(2)).out] }];
  },
  MaxPool: (n, t) => {
    const x = t[0]!.dims;
    const dims = [x[0], x[1], ...windowGeometry(n, x.slice(2), attrInts(n, 'kernel_shape')!).out];
    return [{ dtype: t[0]!.dtype, dims }, { dtype: DataType.INT64, dims: [...dims] }];
  },
  AveragePool: (n, t) => {
    const x = t[0]!.dims;
    return [{ dtype: t[0]!.dtype, dims: [x[0], x[1], ...windowGeometry(n, x.slice(2), attrInts(n, 'kernel_shape')!).out] }];
  },
  GlobalAveragePool: (_n, t) => [{ dtype: t[0]!.dtype, dims: t[0]!.dims.map((d, i) => (i < 2 ? d : 1)) }],
  GlobalMaxPool: (_n, t) => [{ dtype: t[0]!.dtype, dims: t[0]!.dims.map((d, i) => (i < 2 ? d : 1)) }],
  ReduceMean: reduce, ReduceSum: reduce, ReduceMax: reduce, ReduceMin: reduce, ReduceProd: reduce,
  ReduceL2: reduce, ReduceL1: reduce, ReduceSumSquare: reduce, ReduceLogSumExp: reduce,
  ArgMax: (n, t) => [{ dtype: DataType.INT64, dims: reduceDims(t[0]!.dims, [attrInt(n, 'axis', 0)], attrInt(n, 'keepdims', 1) === 1, false) }],
  ArgMin: (n, t) => [{ dtype: DataType.INT64, dims: reduceDims(t[0]!.dims, [attrInt(n, 'axis', 0)], attrInt(n, 'keepdims', 1) === 1, false) }],
  Reshape: (n, t, c) => [{ dtype: t[0]!.dtype, dims: reshapeDims(n, t[0]!.dims, constInput(n, c, 1, 'shape')) }],
  Flatten: (n, t) => {
    const d = t[0]!.dims;
    const a = normAxis(attrInt(n, 'axis', 1), d.length);
    return [{ dtype: t[0]!.dtype, dims: [numel(d.slice(0, a)), numel(d.slice(a))] }];
  },
  Transpose: (n, t) => {
    const d = t[0]!.dims;
    const perm = attrInts(n, 'perm') ?? d.map((_, i) => d.length - 1 - i);
    return [{ dtype: t[0]!.dtype, dims: perm.map((p) => d[p]) }];
  },
  Squeeze: (n, t, c) => {
    const d = t[0]!.dims;
    const axes = axesOf(n, c, 1)?.map((a) => normAxis(a, d.length));
    return [{ dtype: t[0]!.dtype, dims: d.filter((v, i) => (axes ? !axes.includes(i) : v !== 1)) }];
  },
  Unsqueeze: (n, t, c) => {
    const d = t[0]!.dims;
    const r = d.length + axesOf(n, c, 1)!.length;
    const axes = new Set(axesOf(n, c, 1)!.map((a) => normAxis(a, r)));
    const out: number[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) out.push(axes.has(i) ? 1 : d[j++]);
    return [{ dtype: t[0]!.dtype, dims: out }];
  },
  Concat: (n, t) => {
    const d = [...t[0]!.dims];
    const a = normAxis(attrInt(n, 'axis', 0), d.length);
    d[a] = t.reduce((s, x) => s + x!.dims[a], 0);
    return [{ dtype: t[0]!.dtype, dims: d }];
  },
  Split: (n, t, c, o) => {
    const d = t[0]!.dims;
    const a = normAxis(attrInt(n, 'axis', 0), d.length);
    return splitSizes(n, d, c, o).map((s) => ({ dtype: t[0]!.dtype, dims: d.map((v, i) => (i === a ? s : v)) }));
  },
  Slice: (n, t, c, o) => [{ dtype: t[0]!.dtype, dims: sliceParams(n, t[0]!.dims, c, o).map((p) => p.count) }],
  Gather: (n, t) => {
    const d = t[0]!.dims;
    const a = normAxis(attrInt(n, 'axis', 0), d.length);
    return [{ dtype: t[0]!.dtype, dims: [...d.slice(0, a), ...t[1]!.dims, ...d.slice(a + 1)] }];
  },
  GatherElements: (_n, t) => [{ dtype: t[0]!.dtype, dims: [...t[1]!.dims] }],
  ScatterElements: same,
  ScatterND: same,
  Expand: (n, t, c) => [{ dtype: t[0]!.dtype, dims: broadcastDims(t[0]!.dims, constInput(n, c, 1, 'shape')) }],
  Tile: (n, t, c) => {
    const r = constInput(n, c, 1, 'repeats');
    return [{ dtype: t[0]!.dtype, dims: t[0]!.dims.map((d, i) => d * r[i]) }];
  },
  Pad: (n, t, c, o) => {
    const d = t[0]!.dims;
    const p = padsOf(n, d.length, c, o);
    return [{ dtype: t[0]!.dtype, dims: d.map((v, i) => v + p[i] + p[i + d.length]) }];
  },
  Resize: (n, t, c, o) => [{ dtype: t[0]!.dtype, dims: resizeDims(n, t[0]!.dims, c, o).out }],
  Einsum: (n, t) => {
    const { inputs, output } = parseEinsum(n);
    const size = new Map<string, number>();
    inputs.forEach((subs, k) => [...subs].forEach((l, i) => size.set(l, t[k]!.dims[i])));
    return [{ dtype: t[0]!.dtype, dims: [...output].map((l) => size.get(l)!) }];
  },
  NonZero: (n) => {
    throw new GraphError(`NonZero (${n.name}) depends on data; it is only supported when it can be constant-folded.`);
  },
};
