/**
 * Loads a forward ONNX model into a GraphContext: checks opset and external data, fixes static input
 * shapes, registers initializers and adds the nodes in topological order (constant-folding shape
 * sub-graphs as they come).
 */
import { clone } from '@bufbuild/protobuf';
import { NodeProtoSchema, type ModelProto, type NodeProto } from 'onnx-buf';
import { decodeModel, usesExternalData } from '../onnx/proto.js';
import { GraphContext } from './context.js';
import { GraphError } from './errors.js';
import { valueInfoType, type ValueType } from './ir.js';

export const MIN_OPSET = 13;
export const MAX_OPSET = 20;

export function modelOpset(model: ModelProto): number {
  const imp = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return imp ? Number(imp.version) : 1;
}

/** Kahn's algorithm, iterative (deep graphs overflow a recursive walk). */
export function sortTopologically(nodes: readonly NodeProto[], available: Set<string>): NodeProto[] {
  const consumers = new Map<string, number[]>();
  const missing = nodes.map((n, k) => {
    const ins = new Set(n.input.filter((i) => i && !available.has(i)));
    for (const i of ins) consumers.set(i, [...(consumers.get(i) ?? []), k]);
    return ins.size;
  });
  const ready = nodes.map((_, k) => k).filter((k) => missing[k] === 0);
  const out: NodeProto[] = [];
  while (ready.length) {
    const k = ready.shift()!;
    out.push(nodes[k]);
    for (const o of nodes[k].output) for (const j of consumers.get(o) ?? []) if (--missing[j] === 0) ready.push(j);
  }
  if (out.length !== nodes.length) throw new GraphError('The graph has a cycle or uses values nothing produces.');
  return out;
}

export interface LoadOptions {
  /** Static shapes for inputs with dynamic dims (e.g. { pixel_values: [1,3,224,224], input_ids: [1,77] }). */
  inputShapes?: Record<string, readonly number[]>;
  /** Graph inputs computed in-graph instead (the fused PGD step computes pixel_values from x). */
  replaceInputs?: (c: GraphContext, name: string, type: ValueType) => boolean;
}

export function loadModel(source: Uint8Array | ModelProto, opts: LoadOptions = {}): { ctx: GraphContext; model: ModelProto; forward: Set<NodeProto> } {
  const model = source instanceof Uint8Array ? decodeModel(source) : source;
  const graph = model.graph!;
  const opset = modelOpset(model);
  if (opset < MIN_OPSET || opset > MAX_OPSET) throw new GraphError(`The model uses ONNX opset ${opset}; gradients are supported for opsets ${MIN_OPSET}–${MAX_OPSET}. Re-export it with one of those.`);
  const external = graph.initializer.filter(usesExternalData).map((t) => t.name);
  if (external.length) throw new GraphError(`The model keeps ${external.length} weight tensor(s) in external data files (e.g. ${external[0]}); re-export it as a single .onnx file.`);
  const ctx = new GraphContext(opset);
  const names = [...graph.node.flatMap((n) => [n.name, ...n.input, ...n.output]), ...graph.input.map((i) => i.name), ...graph.initializer.map((t) => t.name)];
  ctx.reserve(names);
  for (const vi of graph.valueInfo) {
    try {
      ctx.declared.set(vi.name, valueInfoType(vi));
    } catch {
      /* dynamic value_info is ignored */
    }
  }
  const inits = new Set(graph.initializer.map((t) => t.name));
  for (const t of graph.initializer) ctx.addInitializer(t);
  for (const vi of graph.input) {
    if (inits.has(vi.name)) continue;
    const type = valueInfoType(vi, opts.inputShapes?.[vi.name]);
    if (!opts.replaceInputs?.(ctx, vi.name, type)) ctx.addInput(vi.name, type);
  }
  const available = new Set([...ctx.types.keys()]);
  const nodes = sortTopologically(graph.node.map((n) => clone(NodeProtoSchema, n)), available);
  const forward = new Set<NodeProto>();
  for (const n of nodes) {
    ctx.add(n);
    forward.add(n);
  }
  return { ctx, model, forward };
}
