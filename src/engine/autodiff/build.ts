/**
 * buildGradientGraph: forward model → ONE model with outputs [logits, loss, grad_<wrt>] (and x_next
 * with the fused PGD step), built from standard ONNX ops only, for onnxruntime on CPU or CUDA.
 */
import type { ModelProto, NodeProto } from '../onnx/proto.js';
import { encodeModel } from '../onnx/proto.js';
import { makeNode } from '../onnx/builder.js';
import { GraphError } from './errors.js';
import { assertSupported, backward, pathNodes } from './gradient.js';
import { loadModel } from './load.js';
import { appendLoss, type LossConfig } from './losses.js';
import { appendPgdStep, normalisingInput, type PgdStepOptions, STEP_INPUTS } from './pgd-step.js';

export interface GradientOptions {
  /** Input to differentiate with respect to (default `pixel_values`). */
  wrt?: string;
  /** Model output the loss reads (default `logits`, else the first output). */
  logits?: string;
  loss: LossConfig;
  /** Static shapes for inputs with dynamic dims. */
  inputShapes?: Record<string, readonly number[]>;
  /** Fuse one PGD step into the graph (see pgd-step.ts); `wrt` is then the unnormalised image `x`. */
  step?: PgdStepOptions;
}

export interface GraphInput {
  name: string;
  /** ONNX element type: 'float32' | 'int64' | … */
  type: string;
  dims: number[];
}

export interface GradientGraph {
  bytes: Uint8Array;
  model: ModelProto;
  inputs: GraphInput[];
  outputs: { logits: string; loss: string; grad: string; xNext?: string };
  /** Op types of the forward nodes on the path from wrt to the loss (each used a gradient rule). */
  ops: string[];
  /** forward = model nodes kept, loss = loss sub-graph, backward = gradient (and step) nodes. */
  nodes: { forward: number; loss: number; backward: number };
  /** Shape-subgraph nodes removed by constant folding. */
  folded: number;
}

const TYPE_NAME: Record<number, string> = { 1: 'float32', 11: 'float64', 7: 'int64', 6: 'int32', 9: 'bool' };

export function buildGradientGraph(source: Uint8Array | ModelProto, opts: GradientOptions): GradientGraph {
  const wrtModel = opts.wrt ?? 'pixel_values';
  const { ctx, model, forward } = loadModel(source, {
    inputShapes: opts.inputShapes,
    replaceInputs: opts.step ? normalisingInput(wrtModel, opts.step) : undefined,
  });
  const wrt = opts.step ? STEP_INPUTS.x : wrtModel;
  const graphInputs = model.graph!.input.map((i) => i.name).filter((n) => !model.graph!.initializer.some((t) => t.name === n));
  if (!ctx.has(wrt)) throw new GraphError(`The model has no input named ${wrtModel}; its inputs are ${graphInputs.join(', ')} (choose one with --wrt).`);
  const graphOutputs = model.graph!.output.map((o) => o.name);
  const logits = opts.logits ?? (graphOutputs.includes('logits') ? 'logits' : graphOutputs[0]);
  if (!graphOutputs.includes(logits)) throw new GraphError(`The model has no output named ${logits}; its outputs are ${graphOutputs.join(', ')} (choose one with --logits).`);
  assertSupported(ctx, wrt, logits);
  if (!ctx.has(logits)) throw new GraphError(`Output ${logits} has no static shape; give the static shapes of the model's dynamic inputs with --input-shape (inputShapes in the API).`);
  const names = { logits, loss: 'loss', grad: `grad_${wrt}`, xNext: opts.step ? 'x_next' : undefined };
  for (const n of [names.loss, names.grad, names.xNext]) if (n && ctx.isUsed(n)) throw new GraphError(`The model already has a value named ${n}; rename it before building a gradient graph.`);
  /** Copies `from` into the stable output name callers use. */
  const publish = (from: string, to: string) => (ctx.add(makeNode('Identity', [from], [to], {}, ctx.fresh('Output'))), to);
  const mark = ctx.nodes.length;
  const { loss: lossValue, dLogits } = appendLoss(ctx, logits, opts.loss);
  publish(lossValue, names.loss);
  const lossNodes = new Set(ctx.nodes.slice(mark));
  const ops = [...new Set(pathNodes(ctx, wrt, logits).nodes.filter((n) => forward.has(n)).map((n) => n.opType))].sort();
  const grad = publish(backward(ctx, logits, wrt, dLogits), names.grad);
  if (opts.step) publish(appendPgdStep(ctx, grad, opts.step), names.xNext!);
  const outs = [names.logits, names.loss, names.grad, ...(names.xNext ? [names.xNext] : [])];
  const out = ctx.toModel(model, outs);
  const kept = out.graph!.node;
  const count = (s: Set<NodeProto>) => kept.filter((n) => s.has(n)).length;
  const nodes = { forward: count(forward), loss: count(lossNodes), backward: 0 };
  nodes.backward = kept.length - nodes.forward - nodes.loss;
  return {
    bytes: encodeModel(out),
    model: out,
    inputs: out.graph!.input.map((vi) => {
      const t = vi.type!.value.value as { elemType: number; shape?: { dim: { value: { value?: unknown } }[] } };
      return { name: vi.name, type: TYPE_NAME[t.elemType] ?? String(t.elemType), dims: (t.shape?.dim ?? []).map((d) => Number(d.value.value)) };
    }),
    outputs: { logits: names.logits, loss: names.loss, grad: names.grad, ...(names.xNext ? { xNext: names.xNext } : {}) },
    ops,
    nodes,
    folded: ctx.foldedCount,
  };
}
