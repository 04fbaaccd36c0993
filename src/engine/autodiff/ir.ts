/**
 * Small read helpers over the ONNX protobuf (onnx-buf types): tensor data, attributes, value types.
 * The autodiff pass works on NodeProto/TensorProto directly; these keep the reading in one place.
 */
import type { AttributeProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto.js';
import { DataType, usesExternalData } from '../onnx/proto.js';
import { makeTensor } from '../onnx/builder.js';
import { GraphError } from './errors.js';

/** A static value type: element type (ONNX DataType code) and dims (all known). */
export interface ValueType {
  dtype: number;
  dims: number[];
}

/** A constant value, numbers held as float64 (int64 beyond 2^53 loses precision; only Slice bounds do that). */
export interface ConstValue extends ValueType {
  data: Float64Array;
}

export const isFloat = (dtype: number): boolean =>
  dtype === DataType.FLOAT || dtype === DataType.DOUBLE || dtype === DataType.FLOAT16 || dtype === DataType.BFLOAT16;

export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function tensorDims(t: TensorProto): number[] {
  return t.dims.map(Number);
}

/** Decodes any numeric TensorProto into float64 numbers (raw or typed fields). */
export function tensorValues(t: TensorProto): Float64Array {
  if (usesExternalData(t)) throw new GraphError(`Tensor ${t.name} keeps its data outside the model file (external data), which is not supported; re-export the model as one file.`);
  const n = numel(tensorDims(t));
  const out = new Float64Array(n);
  const raw = t.rawData;
  if (raw.length > 0) {
    const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
    const view: ArrayLike<number | bigint> = (() => {
      switch (t.dataType) {
        case DataType.FLOAT: return new Float32Array(buf);
        case DataType.DOUBLE: return new Float64Array(buf);
        case DataType.INT64: return new BigInt64Array(buf);
        case DataType.INT32: return new Int32Array(buf);
        case DataType.UINT8: case DataType.BOOL: return new Uint8Array(buf);
        case DataType.INT8: return new Int8Array(buf);
        case DataType.INT16: return new Int16Array(buf);
        case DataType.UINT64: return new BigUint64Array(buf);
        default: throw new GraphError(`Tensor ${t.name} has element type ${DataType[t.dataType]}, which the gradient pass cannot read.`);
      }
    })();
    for (let i = 0; i < n; i++) out[i] = Number(view[i]);
    return out;
  }
  const src: ArrayLike<number | bigint> =
    t.dataType === DataType.FLOAT ? t.floatData
      : t.dataType === DataType.DOUBLE ? t.doubleData
        : t.dataType === DataType.INT64 ? t.int64Data
          : t.dataType === DataType.UINT64 ? t.uint64Data
            : t.int32Data;
  for (let i = 0; i < n; i++) out[i] = Number(src[i] ?? 0);
  return out;
}

/** Encodes a constant back into a TensorProto of its dtype. */
export function constToTensor(name: string, c: ConstValue): TensorProto {
  const d = c.data;
  switch (c.dtype) {
    case DataType.FLOAT: return makeTensor(name, Float32Array.from(d), c.dims);
    case DataType.DOUBLE: return makeTensor(name, Float64Array.from(d), c.dims);
    case DataType.INT64: return makeTensor(name, BigInt64Array.from(d, (v) => BigInt(Math.max(-9.2e18, Math.min(9.2e18, Math.trunc(v))))), c.dims);
    case DataType.INT32: return makeTensor(name, Int32Array.from(d), c.dims);
    case DataType.BOOL: return makeTensor(name, Uint8Array.from(d, (v) => (v ? 1 : 0)), c.dims, 'bool');
    default: throw new GraphError(`Cannot write a constant of element type ${DataType[c.dtype]}.`);
  }
}

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}
export function attrInt(node: NodeProto, name: string, def: number): number {
  const a = attr(node, name);
  return a ? Number(a.i) : def;
}
export function attrFloat(node: NodeProto, name: string, def: number): number {
  const a = attr(node, name);
  return a ? a.f : def;
}
export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? a.ints.map(Number) : undefined;
}
export function attrStr(node: NodeProto, name: string, def: string): string {
  const a = attr(node, name);
  return a ? new TextDecoder().decode(a.s) : def;
}

/** Static type of a graph input/output; dynamic dims are resolved through `given` or rejected. */
export function valueInfoType(vi: ValueInfoProto, given?: readonly number[]): ValueType {
  const tt = vi.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
  if (!tt) throw new GraphError(`Graph input ${vi.name} is not a tensor.`);
  const shapeHint = () => (tt.shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? String(d.value.value) : `<${d.value.case === 'dimParam' ? d.value.value : '?'}>`)).join(',');
  if (given && tt.shape && given.length !== tt.shape.dim.length) throw new GraphError(`The shape given for input ${vi.name} (--input-shape) has ${given.length} dimensions but the model's has ${tt.shape.dim.length}: ${vi.name}=${shapeHint()}.`);
  const dims = (tt.shape?.dim ?? given?.map(() => undefined) ?? []).map((d, i) => {
    const fixed = d?.value.case === 'dimValue' ? Number(d.value.value) : undefined;
    if (fixed !== undefined && given && given[i] !== fixed) throw new GraphError(`The shape given for input ${vi.name} (--input-shape) has ${given[i]} at dimension ${i}, but the model fixes it to ${fixed}: ${vi.name}=${shapeHint()}.`);
    if (fixed !== undefined) return fixed;
    if (given) return given[i];
    throw new GraphError(`Input ${vi.name} has a dynamic dimension ${i}; give its static shape with --input-shape ${vi.name}=${shapeHint()} (inputShapes in the API).`);
  });
  return { dtype: tt.elemType, dims };
}

/**
 * What `outputs` depend on: the values and the nodes producing them, walked iteratively (a recursive
 * walk overflows on deep graphs). Used to prune graphs to the outputs they are written for.
 */
export function dependencies(
  nodes: readonly NodeProto[],
  outputs: readonly string[],
): { values: Set<string>; nodes: Set<NodeProto>; producer: Map<string, NodeProto> } {
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output) producer.set(o, n);
  const values = new Set<string>();
  const kept = new Set<NodeProto>();
  const stack = [...outputs];
  while (stack.length) {
    const v = stack.pop()!;
    if (values.has(v)) continue;
    values.add(v);
    const p = producer.get(v);
    if (p && !kept.has(p)) {
      kept.add(p);
      for (const i of p.input) if (i) stack.push(i);
    }
  }
  return { values, nodes: kept, producer };
}
