/**
 * Gradient verification: the gradient graph's analytic d loss/d wrt against central finite differences,
 * both computed on the float64 twin (twin.ts), on K sampled coordinates (half where |∇| is largest,
 * half uniform) plus one random direction. Running models is the caller's job: pass a SessionFactory
 * (the twin must run at graphOptimizationLevel 'basic'); this module never imports onnxruntime.
 *
 * relative error = |analytic − numeric| / max(|analytic|, |numeric|, 1e-6·‖∇‖∞)
 */
import type { ModelProto } from '../onnx/proto.js';
import { decodeModel, encodeModel } from '../onnx/proto.js';
import { buildGradientGraph, type GradientGraph, type GradientOptions } from './build.js';
import { MASK_INPUT, WEIGHTS_INPUT } from './losses.js';
import { STEP_INPUTS } from './pgd-step.js';
import { float64Twin, selectOutputs } from './twin.js';
import { mulberry32 } from '../metrics/random.js';

export type FeedType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
export interface FeedValue {
  type: FeedType;
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
  dims: readonly number[];
}
export type RunFn = (feeds: Record<string, FeedValue>, outputs: readonly string[]) => Promise<Record<string, FeedValue>>;
/** Creates a session for model bytes; `twin` is true for float64 graphs (must use optimisation level 'basic'). */
export type SessionFactory = (bytes: Uint8Array, twin: boolean) => Promise<RunFn>;

export interface GradcheckOptions extends GradientOptions {
  /** Values for graph inputs; missing ones are generated from the seed (see defaultFeed). */
  feeds?: Record<string, FeedValue>;
  /** Coordinates checked by finite differences (default 16). */
  samples?: number;
  seed?: number;
  /** Finite-difference step (default 1e-6). */
  h?: number;
  /** Pass threshold for both relative errors (default 1e-4). */
  tolerance?: number;
}

export interface GradcheckReport {
  maxRelError: number;
  directionalRelError: number;
  /** max |∇ float32 graph − ∇ twin| / ‖∇ twin‖∞: what float32 costs at run time. */
  float32RelError: number;
  /** max |logits float32 − logits twin| / ‖logits‖∞: checks the twin's lowerings. */
  forwardTwinRelDiff: number;
  ops: string[];
  nodes: GradientGraph['nodes'];
  samples: number;
  tolerance: number;
  passed: boolean;
}

/** Seeded uniform generator (mulberry32) so every check is reproducible. */
export const rng = mulberry32;

/** Seeded input values by role: images uniform, masks 0/1, weights in [0.5,1.5], token ids small, attention ones. */
export function defaultFeed(name: string, type: string, dims: readonly number[], rand: () => number): FeedValue {
  const n = dims.reduce((a, b) => a * b, 1);
  if (type === 'int64') {
    const isMask = /mask/i.test(name);
    return { type, dims, data: BigInt64Array.from({ length: n }, () => (isMask ? 1n : BigInt(1 + Math.floor(rand() * 9)))) };
  }
  const gen = (): number => {
    if (name === MASK_INPUT) return rand() < 0.4 ? 1 : 0;
    if (name === WEIGHTS_INPUT) return 0.5 + rand();
    if (name === STEP_INPUTS.x || name === STEP_INPUTS.xOrig) return rand();
    if (name === STEP_INPUTS.epsilon) return 8 / 255;
    if (name === STEP_INPUTS.alpha) return 2 / 255;
    return rand() * 4 - 2;
  };
  return { type: 'float32', dims, data: Float32Array.from({ length: n }, gen) };
}

const toF64 = (v: FeedValue): FeedValue => (v.type === 'float32' ? { type: 'float64', dims: v.dims, data: Float64Array.from(v.data as Float32Array) } : v);
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

export async function gradcheck(source: Uint8Array | ModelProto, opts: GradcheckOptions, session: SessionFactory): Promise<GradcheckReport> {
  const gg = buildGradientGraph(source, opts);
  const twin = float64Twin(decodeModel(gg.bytes));
  const twinRun = await session(encodeModel(twin), true);
  const lossRun = await session(encodeModel(selectOutputs(twin, [gg.outputs.loss])), true);
  const run32 = await session(gg.bytes, false);
  const rand = rng(opts.seed ?? 1);
  const feeds32: Record<string, FeedValue> = {};
  for (const i of gg.inputs) feeds32[i.name] = opts.feeds?.[i.name] ?? defaultFeed(i.name, i.type, i.dims, rand);
  const feeds64 = Object.fromEntries(Object.entries(feeds32).map(([k, v]) => [k, toF64(v)]));
  const { logits, loss, grad } = gg.outputs;
  const wrt = grad.slice('grad_'.length);
  const r64 = await twinRun(feeds64, [logits, loss, grad]);
  const r32 = await run32(feeds32, [logits, grad]);
  const g = r64[grad].data as Float64Array;
  const gInf = maxAbs(g);
  const l64 = r64[logits].data as Float64Array;
  const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };
  const forwardTwinRelDiff = diff(r32[logits].data as Float32Array, l64) / Math.max(maxAbs(l64), 1e-30);
  const float32RelError = diff(r32[grad].data as Float32Array, g) / Math.max(gInf, 1e-30);

  const x0 = feeds64[wrt].data as Float64Array;
  const h = opts.h ?? 1e-6;
  const lossAt = async (dir: Float64Array, t: number) => {
    const x = Float64Array.from(x0, (v, i) => v + t * dir[i]);
    const r = await lossRun({ ...feeds64, [wrt]: { type: 'float64', dims: feeds64[wrt].dims, data: x } }, [loss]);
    return (r[loss].data as Float64Array)[0];
  };
  const central = async (dir: Float64Array) => ((await lossAt(dir, h)) - (await lossAt(dir, -h))) / (2 * h);
  const rel = (a: number, b: number, floor: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor, 1e-300);

  const K = Math.min(opts.samples ?? 16, g.length);
  const byMagnitude = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
  const coords = new Set(byMagnitude.slice(0, Math.ceil(K / 2)));
  while (coords.size < K) coords.add(Math.floor(rand() * g.length));
  let maxRelError = 0;
  const unit = new Float64Array(g.length);
  for (const i of coords) {
    unit.fill(0);
    unit[i] = 1;
    maxRelError = Math.max(maxRelError, rel(g[i], await central(unit), 1e-6 * gInf));
  }
  const v = Float64Array.from(g, () => rand() * 2 - 1);
  const vn = Math.sqrt(v.reduce((s, e) => s + e * e, 0));
  v.forEach((e, i) => (v[i] = e / vn));
  const analytic = g.reduce((s, e, i) => s + e * v[i], 0);
  const directionalRelError = rel(analytic, await central(v), 1e-12);
  const tolerance = opts.tolerance ?? 1e-4;
  return {
    maxRelError, directionalRelError, float32RelError, forwardTwinRelDiff,
    ops: gg.ops, nodes: gg.nodes, samples: K, tolerance,
    passed: maxRelError <= tolerance && directionalRelError <= tolerance,
  };
}
