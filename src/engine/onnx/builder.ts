/**
 * A small typed builder for ONNX graphs. Used by the autodiff pass to append nodes and by the tests to
 * generate their own models (so no test depends on a bundled binary).
 */
import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AttrType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { DataType } from './proto.js';

export type ElemType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
export type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

const ELEM: Record<ElemType, DataType> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
};

export function elemTypeCode(t: ElemType): number {
  return ELEM[t];
}

/** Attribute values are tagged so that 1 (int) and 1.0 (float) cannot be confused. */
export type Attr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { t: TensorProto }
  | { g: GraphProto };

export const int = (i: number): Attr => ({ i });
export const float = (f: number): Attr => ({ f });
export const str = (s: string): Attr => ({ s });
export const ints = (v: readonly number[]): Attr => ({ ints: v });
export const floats = (v: readonly number[]): Attr => ({ floats: v });

export function makeAttribute(name: string, a: Attr): AttributeProto {
  if ('i' in a) return create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(a.i) });
  if ('f' in a) return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: a.f });
  if ('s' in a) return create(AttributeProtoSchema, { name, type: AttrType.STRING, s: new TextEncoder().encode(a.s) });
  if ('ints' in a) return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: a.ints.map(BigInt) });
  if ('floats' in a) return create(AttributeProtoSchema, { name, type: AttrType.FLOATS, floats: [...a.floats] });
  if ('t' in a) return create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: a.t });
  return create(AttributeProtoSchema, { name, type: AttrType.GRAPH, g: a.g });
}

export function makeTensor(name: string, data: TypedData, dims: readonly number[], type?: ElemType): TensorProto {
  const elem: ElemType =
    type ??
    (data instanceof Float32Array
      ? 'float32'
      : data instanceof Float64Array
        ? 'float64'
        : data instanceof BigInt64Array
          ? 'int64'
          : data instanceof Int32Array
            ? 'int32'
            : 'bool');
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`tensor ${name}: ${data.length} values for shape [${dims.join(',')}]`);
  const raw = new Uint8Array(data.byteLength);
  raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: ELEM[elem], rawData: raw });
}

export function makeValueInfo(name: string, type: ElemType, dims: readonly (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) =>
    create(TensorShapeProto_DimensionSchema, {
      value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
    }),
  );
  const tensorType = create(TypeProto_TensorSchema, { elemType: ELEM[type], shape: create(TensorShapeProtoSchema, { dim }) });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

export function makeNode(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Record<string, Attr> = {},
  name = '',
  domain = '',
): NodeProto {
  return create(NodeProtoSchema, {
    opType: op,
    domain,
    name,
    input: [...inputs],
    output: [...outputs],
    attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)),
  });
}

/** Accumulates nodes, initializers and I/O; fresh() hands out unique value names. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly name = 'graph') {}

  fresh(prefix = 't'): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, type: ElemType, dims: readonly (number | string)[]): string {
    this.inputs.push(makeValueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElemType, dims: readonly (number | string)[]): string {
    this.outputs.push(makeValueInfo(name, type, dims));
    return name;
  }

  /** Adds a constant tensor; returns its value name. */
  constant(data: TypedData, dims: readonly number[], prefix = 'c'): string {
    const name = this.fresh(prefix);
    this.initializers.push(makeTensor(name, data, dims));
    return name;
  }

  /** Adds a node with `outputs` fresh outputs (or the given names) and returns the output names. */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, outputs: number | readonly string[] = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase())) : [...outputs];
    this.nodes.push(makeNode(op, inputs, outs, attrs, this.fresh(`n_${op}`)));
    return outs;
  }

  /** Single-output shorthand for node(). */
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, output?: string): string {
    return this.node(op, inputs, attrs, output ? [output] : 1)[0];
  }

  toGraph(): GraphProto {
    return create(GraphProtoSchema, {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    });
  }

  toModel(opset = 17, producer = 'vlsm-audit'): ModelProto {
    return create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: producer,
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
      graph: this.toGraph(),
    });
  }
}
