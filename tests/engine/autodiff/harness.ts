/**
 * Builds one-op test models: every differentiable operand is carved out of the single wrt input
 * `pixel_values` (flat, Split + Reshape), constants are seeded initializers, and the op's output is
 * `logits`, so gradcheck exercises exactly that rule (plus Split/Reshape) on the float64 twin.
 */
import { GraphBuilder } from '../../../src/engine/onnx/builder.js';
import { encodeModel } from '../../../src/engine/onnx/proto.js';
import { rng, type FeedValue, type SessionFactory } from '../../../src/engine/autodiff/gradcheck.js';
import { makeRunner } from './ort.js';

export interface RuleCase {
  name: string;
  /** Shapes of the operands derived from pixel_values. */
  inputs: number[][];
  /** Value range per operand (default [-2, 2]). */
  ranges?: [number, number][];
  /** Put exact zeros among the values (only for ops smooth at 0). */
  zeros?: boolean;
  opset?: number;
  build: (b: GraphBuilder, ins: string[], w: (dims: number[], lo?: number, hi?: number) => string) => string;
}

export function caseModel(c: RuleCase, seed = 7): { bytes: Uint8Array; feed: FeedValue } {
  const rand = rng(seed);
  const b = new GraphBuilder(c.name);
  const sizes = c.inputs.map((d) => d.reduce((a, v) => a * v, 1));
  const total = sizes.reduce((a, v) => a + v, 0);
  b.input('pixel_values', 'float32', [total]);
  const parts = c.inputs.length === 1 ? ['pixel_values'] : b.node('Split', ['pixel_values', b.constant(BigInt64Array.from(sizes.map(BigInt)), [sizes.length])], { axis: { i: 0 } }, sizes.length);
  const ins = parts.map((p, i) => b.op('Reshape', [p, b.constant(BigInt64Array.from(c.inputs[i].map(BigInt)), [c.inputs[i].length])]));
  const w = (dims: number[], lo = -1, hi = 1) => b.constant(Float32Array.from({ length: dims.reduce((a, v) => a * v, 1) }, () => lo + (hi - lo) * rand()), dims, 'w');
  const y = c.build(b, ins, w);
  b.op('Identity', [y], {}, 'logits');
  b.output('logits', 'float32', []);
  b.outputs[0].type = undefined;
  const data = new Float32Array(total);
  let off = 0;
  c.inputs.forEach((_, i) => {
    const [lo, hi] = c.ranges?.[i] ?? [-2, 2];
    for (let k = 0; k < sizes[i]; k++) data[off + k] = c.zeros && rand() < 0.15 ? 0 : lo + (hi - lo) * rand();
    off += sizes[i];
  });
  return { bytes: encodeModel(b.toModel(c.opset ?? 17)), feed: { type: 'float32', data, dims: [total] } };
}

/** SessionFactory over the test runner: the float64 twin at 'basic', float32 graphs at 'basic' too. */
export const session: SessionFactory = (bytes) => makeRunner(bytes, { level: 'basic', threads: 1 });
