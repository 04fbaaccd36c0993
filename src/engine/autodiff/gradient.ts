/**
 * The reverse-mode driver: walks back from the loss over only the nodes on a path from `wrt`, asks the
 * rule table for each node's input gradients, un-broadcasts them (the one place that happens) and sums
 * contributions. Unsupported ops are all collected first and reported together.
 */
import type { NodeProto } from '../onnx/proto.js';
import type { GraphContext } from './context.js';
import { GraphError, UnsupportedOpError } from './errors.js';
import { isFloat } from './ir.js';
import { RULES } from './rules.js';

/** Nodes on a float path from `wrt` to `loss`, in topological order (iterative, no recursion). */
export function pathNodes(c: GraphContext, wrt: string, loss: string): { nodes: NodeProto[]; live: Set<string> } {
  const fromWrt = new Set([wrt]);
  for (const n of c.nodes) // c.nodes is topologically sorted (sortTopologically on load, appends after)
    if (n.input.some((i) => fromWrt.has(i))) n.output.forEach((o) => o && (c.types.get(o) === undefined || isFloat(c.type(o).dtype)) && fromWrt.add(o));
  const toLoss = new Set([loss]);
  const onPath: NodeProto[] = [];
  for (let k = c.nodes.length - 1; k >= 0; k--) {
    const n = c.nodes[k];
    if (!n.output.some((o) => toLoss.has(o)) || !n.input.some((i) => fromWrt.has(i))) continue;
    onPath.push(n);
    n.input.forEach((i) => fromWrt.has(i) && toLoss.add(i));
  }
  return { nodes: onPath.reverse(), live: new Set([...toLoss].filter((v) => fromWrt.has(v))) };
}

/** Sums `g` to the static shape of `x`: ReduceSum over broadcast axes, then Reshape. */
export function unbroadcast(c: GraphContext, g: string, x: string): string {
  const gd = c.dims(g), xd = c.dims(x);
  if (gd.length === xd.length && gd.every((v, i) => v === xd[i])) return g;
  const padded = [...Array<number>(gd.length - xd.length).fill(1), ...xd];
  const axes = gd.map((_, i) => i).filter((i) => padded[i] === 1 && gd[i] !== 1);
  return c.reshape(axes.length ? c.reduce('ReduceSum', g, axes) : g, xd);
}

/**
 * Throws one UnsupportedOpError naming every node between `wrt` and `target` that has no gradient rule
 * (or no static shape rule while its inputs have static shapes).
 */
export function assertSupported(c: GraphContext, wrt: string, target: string): void {
  const missing = pathNodes(c, wrt, target).nodes.filter(
    (n) => !RULES[n.opType] || n.domain || (n.input.every((i) => !i || c.has(i)) && n.output.some((o) => o && !c.has(o))),
  );
  if (missing.length) {
    throw new UnsupportedOpError(missing.map((n) => ({ op: n.domain ? `${n.domain}.${n.opType}` : n.opType, node: n.name, reason: c.shapeErrors.get(n) })));
  }
}

/**
 * Appends the backward graph; returns the name of d target / d wrt. `seed` is the gradient arriving at
 * `target` (default ones: target is the loss itself).
 */
export function backward(c: GraphContext, target: string, wrt: string, seed?: string): string {
  assertSupported(c, wrt, target);
  const { nodes, live } = pathNodes(c, wrt, target);
  const td = c.dims(target);
  const grads = new Map<string, string>([[target, seed ?? (td.length === 0 ? c.scalar(1) : c.op('Expand', [c.scalar(1), c.ints(td)]))]]);
  for (const n of [...nodes].reverse()) {
    const gy = n.output.map((o) => grads.get(o) ?? null);
    if (gy.every((g) => g === null)) continue;
    const gx = RULES[n.opType](c, n, gy, n.input.map((i) => live.has(i)));
    if (gx.length !== n.input.length) throw new Error(`rule ${n.opType} returned ${gx.length} gradients for ${n.input.length} inputs`);
    gx.forEach((g, i) => {
      const x = n.input[i];
      if (!g || !live.has(x)) return;
      const u = unbroadcast(c, g, x);
      const prev = grads.get(x);
      grads.set(x, prev ? c.add2(prev, u) : u);
    });
  }
  const g = grads.get(wrt);
  if (!g) throw new GraphError(`The loss does not depend on ${wrt}; there is no gradient to compute.`);
  return g;
}
