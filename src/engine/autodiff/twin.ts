/**
 * The float64 twin of a float32 graph: every float tensor, input, output and Cast becomes double, and
 * ops without a double CPU kernel are lowered (lower.ts). Run it at graphOptimizationLevel 'basic'
 * (ORT's fusions such as QuickGelu have no double kernels). Finite differences need this precision:
 * in float32 they are too noisy to verify anything.
 */
import { clone } from '@bufbuild/protobuf';
import { NodeProtoSchema, type ModelProto, type NodeProto, type TensorProto } from 'onnx-buf';
import { DataType } from '../onnx/proto.js';
import { makeAttribute, makeTensor } from '../onnx/builder.js';
import { GraphContext } from './context.js';
import { dependencies, tensorDims, tensorValues, valueInfoType } from './ir.js';
import { modelOpset } from './load.js';
import { LOWERINGS } from './lower.js';

const toDouble = (t: TensorProto): TensorProto =>
  t.dataType === DataType.FLOAT ? makeTensor(t.name, Float64Array.from(tensorValues(t)), tensorDims(t)) : t;

function doubleNode(n: NodeProto): NodeProto {
  const m = clone(NodeProtoSchema, n);
  m.attribute = m.attribute.map((a) => {
    if (a.name === 'to' && m.opType === 'Cast' && Number(a.i) === DataType.FLOAT) return makeAttribute('to', { i: DataType.DOUBLE });
    if (a.t && a.t.dataType === DataType.FLOAT) return makeAttribute(a.name, { t: toDouble(a.t) });
    if (m.opType === 'Constant' && a.name === 'value_float') return makeAttribute('value', { t: makeTensor('v', Float64Array.of(a.f), []) });
    if (m.opType === 'Constant' && a.name === 'value_floats') return makeAttribute('value', { t: makeTensor('v', Float64Array.from(a.floats), [a.floats.length]) });
    return a;
  });
  return m;
}

export function float64Twin(model: ModelProto): ModelProto {
  const g = model.graph!;
  const c = new GraphContext(modelOpset(model));
  c.floatType = DataType.DOUBLE;
  c.reserve([...g.node.flatMap((n) => [n.name, ...n.output]), ...g.input.map((i) => i.name), ...g.initializer.map((t) => t.name)]);
  for (const t of g.initializer) c.addInitializer(toDouble(t));
  for (const vi of g.input) {
    if (c.has(vi.name)) continue;
    const t = valueInfoType(vi);
    c.addInput(vi.name, { dtype: t.dtype === DataType.FLOAT ? DataType.DOUBLE : t.dtype, dims: t.dims });
  }
  for (const n of g.node) {
    const lower = LOWERINGS[n.opType];
    if (lower && !n.domain) lower(c, doubleNode(n));
    else c.add(doubleNode(n));
  }
  return c.toModel(model, g.output.map((o) => o.name), 'float64-twin');
}

/** The same model with only `outputs` kept (nodes that do not reach them are dropped). */
export function selectOutputs(model: ModelProto, outputs: readonly string[]): ModelProto {
  const g = model.graph!;
  const needed = dependencies(g.node, outputs).values;
  // A shallow copy: the kept initializers are shared, not cloned (a ViT-B/16 twin holds 1 GB of them).
  const graph = {
    ...g,
    node: g.node.filter((n) => n.output.some((o) => needed.has(o))),
    initializer: g.initializer.filter((t) => needed.has(t.name)),
    input: g.input.filter((i) => needed.has(i.name)),
    output: g.output.filter((o) => outputs.includes(o.name)),
  };
  return { ...model, graph };
}
