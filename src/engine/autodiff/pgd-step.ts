/**
 * Fused PGD step: the graph takes the UNNORMALISED image x in [0,1] (pixel space, where ε and α are
 * defined), normalises it inside ((x − mean)/std → the model's pixel_values), and returns
 *   linf: x_next = clip₀¹( clip_[x_orig−ε, x_orig+ε]( x + α·sign(∇ₓ loss) ) )
 *   l2:   x_next = clip₀¹( x_orig + Π_ε( x + α·∇/‖∇‖₂ − x_orig ) ),  Π_ε scales δ to ‖δ‖₂ ≤ ε per image
 * so one attack iteration is one session.run. `loss` is ascended (see losses.ts for targeted losses).
 */
import { DataType } from '../onnx/proto.js';
import type { GraphContext } from './context.js';
import { GraphError } from './errors.js';
import type { ValueType } from './ir.js';

export interface PgdStepOptions {
  /** Per-channel mean and std of the model's normalisation, in [0,1] units. */
  mean: readonly number[];
  std: readonly number[];
  /** Threat model (default linf). */
  norm?: 'linf' | 'l2';
}

/** Input names of the step graph: x (current image), x_orig (clean image), epsilon and alpha (scalars). */
export const STEP_INPUTS = { x: 'x', xOrig: 'x_orig', epsilon: 'epsilon', alpha: 'alpha' } as const;

/** Replaces the model's `wrt` input by (x − mean)/std computed from the new input x. */
export function normalisingInput(wrt: string, o: PgdStepOptions) {
  return (c: GraphContext, name: string, type: ValueType): boolean => {
    if (name !== wrt) return false;
    if (c.has(STEP_INPUTS.x) || c.has(STEP_INPUTS.xOrig)) throw new GraphError('The model already uses the names x/x_orig; the fused PGD step cannot add its inputs.');
    const ch = type.dims[1];
    if (o.mean.length !== ch || o.std.length !== ch) throw new GraphError(`mean/std need ${ch} values, one per channel of ${wrt}.`);
    c.addInput(STEP_INPUTS.x, type);
    c.addInput(STEP_INPUTS.xOrig, type);
    const shape = [1, ch, ...type.dims.slice(2).map(() => 1)];
    const mean = c.floats(Float64Array.from(o.mean), shape);
    const std = c.floats(Float64Array.from(o.std), shape);
    // The division writes the model's original input name, so the forward graph is unchanged.
    const div = c.div(c.sub(STEP_INPUTS.x, mean), std);
    const node = c.nodes[c.nodes.length - 1];
    node.output[0] = name;
    c.types.set(name, c.type(div));
    return true;
  };
}

export function appendPgdStep(c: GraphContext, grad: string, o: PgdStepOptions): string {
  const { x, xOrig, epsilon, alpha } = STEP_INPUTS;
  c.addInput(epsilon, { dtype: DataType.FLOAT, dims: [] });
  c.addInput(alpha, { dtype: DataType.FLOAT, dims: [] });
  const dims = c.dims(x);
  const perImage = dims.map((_, i) => i).slice(1);
  const norm = (v: string) => c.op('Sqrt', [c.reduce('ReduceSum', c.mul(v, v), perImage)]);
  let projected: string;
  if ((o.norm ?? 'linf') === 'linf') {
    const stepped = c.add2(x, c.mul(alpha, c.op('Sign', [grad])));
    projected = c.op('Min', [c.op('Max', [stepped, c.sub(xOrig, epsilon)]), c.add2(xOrig, epsilon)]);
  } else {
    const tiny = c.scalar(1e-12);
    const stepped = c.add2(x, c.mul(alpha, c.div(grad, c.add2(norm(grad), tiny))));
    const delta = c.sub(stepped, xOrig);
    const scale = c.op('Min', [c.scalar(1), c.div(epsilon, c.add2(norm(delta), tiny))]);
    projected = c.add2(xOrig, c.mul(delta, scale));
  }
  return c.op('Clip', [projected, c.scalar(0), c.scalar(1)]);
}
