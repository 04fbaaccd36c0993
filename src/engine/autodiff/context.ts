/**
 * GraphContext: the graph being built. Every node added (forward, loss, backward or lowering) gets its
 * output types from static shape inference at once, and is constant-folded when its inputs are known,
 * so rules can always ask `dims(name)`. Helpers emit opset-correct forms (axes as inputs from 13 for
 * ReduceSum/Squeeze/Unsqueeze/Split, from 18 for the other reductions).
 */
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, type ModelProto, type NodeProto, type TensorProto } from 'onnx-buf';
import { DataType } from '../onnx/proto.js';
import { makeNode, makeValueInfo, type Attr, type ElemType } from '../onnx/builder.js';
import { GraphError } from './errors.js';
import { FOLD_LIMIT, tryFold } from './fold.js';
import { constToTensor, dependencies, numel, tensorDims, tensorValues, type ConstValue, type ValueType } from './ir.js';
import { SHAPES } from './shapes.js';

const ELEM_NAME: Record<number, ElemType> = {
  [DataType.FLOAT]: 'float32',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.BOOL]: 'bool',
};

/** Key for common-subexpression elimination; undefined for attributes that carry tensors or graphs. */
function cseKey(op: string, inputs: readonly string[], attrs: Record<string, Attr>, nOut: number): string | undefined {
  if (Object.values(attrs).some((a) => 't' in a || 'g' in a)) return undefined;
  return `${op}|${nOut}|${inputs.join(',')}|${JSON.stringify(Object.entries(attrs).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

export class GraphContext {
  readonly nodes: NodeProto[] = [];
  readonly types = new Map<string, ValueType>();
  readonly consts = new Map<string, ConstValue>();
  /** Initializers too large to hold as numbers; written back unchanged. */
  readonly bigInits = new Map<string, TensorProto>();
  /** Shapes declared in the source model's value_info, used for ops without a shape rule. */
  readonly declared = new Map<string, ValueType>();
  readonly inputs: string[] = [];
  /** Why a node's output types could not be inferred (dynamic shapes, ops without a shape rule). */
  readonly shapeErrors = new Map<NodeProto, string>();
  /** Element type of the float constants rules emit (DOUBLE in the float64 twin). */
  floatType: number = DataType.FLOAT;
  foldedCount = 0;
  private readonly used = new Set<string>();
  private readonly dedupe = new Map<string, string>();
  private readonly cse = new Map<string, string[]>();
  private counter = 0;

  constructor(readonly opset: number) {}

  reserve(names: Iterable<string>): void {
    for (const n of names) this.used.add(n);
  }

  fresh(prefix: string): string {
    let name: string;
    do name = `ad/${prefix}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  type(name: string): ValueType {
    const t = this.types.get(name);
    if (!t) throw new GraphError(`Value ${name} has no known static type.`);
    return t;
  }
  dims(name: string): number[] {
    return this.type(name).dims;
  }
  isUsed(name: string): boolean {
    return this.used.has(name);
  }
  has(name: string): boolean {
    return this.types.has(name);
  }

  addInput(name: string, type: ValueType): void {
    this.used.add(name);
    this.inputs.push(name);
    this.types.set(name, type);
  }

  addInitializer(t: TensorProto): void {
    const type = { dtype: t.dataType, dims: tensorDims(t) };
    this.used.add(t.name);
    this.types.set(t.name, type);
    if (numel(type.dims) <= FOLD_LIMIT) this.consts.set(t.name, { ...type, data: tensorValues(t) });
    else this.bigInits.set(t.name, t);
  }

  /** Infers the node's output types, folds it when possible, else appends it. */
  add(node: NodeProto): void {
    const inT = node.input.map((i) => (i ? this.types.get(i) : undefined));
    const inC = node.input.map((i) => (i ? this.consts.get(i) : undefined));
    this.used.add(node.name);
    node.output.forEach((o) => this.used.add(o));
    const known = node.input.every((i, k) => !i || inT[k]);
    const fn = SHAPES[node.opType];
    let out: ValueType[] | undefined;
    if (known && fn && !node.domain && node.opType !== 'NonZero') {
      try {
        out = fn(node, inT, inC, this.opset);
      } catch (e) {
        // Left untyped: harmless off the gradient path; on it, the driver reports the node with this reason.
        if (!(e instanceof GraphError)) throw e;
        this.shapeErrors.set(node, e.message);
      }
    }
    const folded = known ? tryFold(node, inC, out, inT as ValueType[], this.opset) : undefined;
    if (folded) {
      node.output.forEach((o, i) => o && (this.consts.set(o, folded[i]), this.types.set(o, { dtype: folded[i].dtype, dims: folded[i].dims })));
      this.foldedCount++;
      return;
    }
    node.output.forEach((o, i) => {
      const t = out?.[i] ?? this.declared.get(o);
      if (o && t) this.types.set(o, t);
    });
    this.nodes.push(node);
  }

  /**
   * Appends a node with fresh outputs; returns their names. An identical node already in the graph
   * (same op, inputs and attributes — e.g. the Sigmoid(z) that both Dice and the BCE backward need)
   * is reused instead (common-subexpression elimination).
   */
  ops(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, nOut = 1): string[] {
    const key = cseKey(op, inputs, attrs, nOut);
    const hit = key && this.cse.get(key);
    if (hit) return hit;
    const outs = Array.from({ length: nOut }, () => this.fresh(op.toLowerCase()));
    this.add(makeNode(op, inputs, outs, attrs, this.fresh(op)));
    if (key) this.cse.set(key, outs);
    return outs;
  }
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.ops(op, inputs, attrs, 1)[0];
  }

  constant(c: ConstValue, prefix = 'c'): string {
    const key = c.data.length <= 64 ? `${c.dtype}|${c.dims}|${c.data}` : undefined;
    const hit = key && this.dedupe.get(key);
    if (hit) return hit;
    const name = this.fresh(prefix);
    this.consts.set(name, c);
    this.types.set(name, { dtype: c.dtype, dims: [...c.dims] });
    if (key) this.dedupe.set(key, name);
    return name;
  }
  ints(values: readonly number[]): string {
    return this.constant({ dtype: DataType.INT64, dims: [values.length], data: Float64Array.from(values) }, 'i');
  }
  scalar(v: number): string {
    return this.constant({ dtype: this.floatType, dims: [], data: Float64Array.of(v) }, 's');
  }
  floats(data: Float64Array, dims: readonly number[]): string {
    return this.constant({ dtype: this.floatType, dims: [...dims], data }, 'f');
  }

  // --- opset-aware helpers -------------------------------------------------------------------
  reduce(op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', x: string, axes: readonly number[], keep = true): string {
    const k = { keepdims: { i: keep ? 1 : 0 } };
    const asInput = op === 'ReduceSum' ? this.opset >= 13 : this.opset >= 18;
    return asInput ? this.op(op, [x, this.ints(axes)], k) : this.op(op, [x], { ...k, axes: { ints: axes } });
  }
  reshape(x: string, dims: readonly number[]): string {
    const d = this.dims(x);
    if (d.length === dims.length && d.every((v, i) => v === dims[i])) return x;
    return this.op('Reshape', [x, this.ints(dims)]);
  }
  unsqueeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13 ? this.op('Unsqueeze', [x, this.ints(axes)]) : this.op('Unsqueeze', [x], { axes: { ints: axes } });
  }
  transpose(x: string, perm: readonly number[]): string {
    return perm.every((p, i) => p === i) ? x : this.op('Transpose', [x], { perm: { ints: perm } });
  }
  split(x: string, axis: number, sizes: readonly number[]): string[] {
    if (sizes.length === 1) return [x];
    return this.opset >= 13
      ? this.ops('Split', [x, this.ints(sizes)], { axis: { i: axis } }, sizes.length)
      : this.ops('Split', [x], { axis: { i: axis }, split: { ints: sizes } }, sizes.length);
  }
  pad(x: string, pads: readonly number[]): string {
    return pads.every((p) => p === 0) ? x : this.op('Pad', [x, this.ints(pads)]);
  }
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): string {
    const ins = [x, this.ints(starts), this.ints(ends), this.ints(axes)];
    return this.op('Slice', steps ? [...ins, this.ints(steps)] : ins);
  }
  add2(a: string, b: string): string { return this.op('Add', [a, b]); }
  sub(a: string, b: string): string { return this.op('Sub', [a, b]); }
  mul(a: string, b: string): string { return this.op('Mul', [a, b]); }
  div(a: string, b: string): string { return this.op('Div', [a, b]); }
  neg(a: string): string { return this.op('Neg', [a]); }
  zerosLike(x: string): string {
    return this.op('ConstantOfShape', [this.ints(this.dims(x))], { value: { t: constToTensor('v', { dtype: this.type(x).dtype, dims: [1], data: Float64Array.of(0) }) } });
  }

  /** Writes a model with the given graph inputs/outputs, keeping only nodes that reach the outputs. */
  toModel(base: ModelProto, outputs: readonly string[], name = 'vlsm-audit-gradient'): ModelProto {
    const { values: needed, nodes: keep, producer } = dependencies(this.nodes, outputs);
    for (const p of keep) {
      for (const a of p.attribute) if (a.g) throw new GraphError(`Node ${p.name} (${p.opType}) has a sub-graph, which is not supported on the gradient path.`);
    }
    const initializer: TensorProto[] = [];
    for (const v of needed) {
      if (producer.has(v) || this.inputs.includes(v)) continue;
      const big = this.bigInits.get(v);
      const c = this.consts.get(v);
      if (big) initializer.push(big);
      else if (c) initializer.push(constToTensor(v, c));
    }
    const vi = (n: string) => {
      const t = this.type(n);
      const e = ELEM_NAME[t.dtype];
      if (!e) throw new GraphError(`Value ${n} has element type ${DataType[t.dtype]}, which cannot be a graph input or output here.`);
      return makeValueInfo(n, e, t.dims);
    };
    const graph = create(GraphProtoSchema, {
      name,
      node: this.nodes.filter((n) => keep.has(n)),
      initializer,
      input: this.inputs.filter((i) => needed.has(i)).map(vi),
      output: outputs.map(vi),
    });
    return create(ModelProtoSchema, { ...base, graph, functions: [], producerName: 'vlsm-audit autodiff' });
  }
}
