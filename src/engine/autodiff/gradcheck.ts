/**
 * Gradient verification: the gradient graph's analytic d loss/d wrt against central finite differences,
 * both computed on the float64 twin (twin.ts), on K sampled coordinates (half where |∇| is largest,
 * half uniform) plus one random direction. Running models is the caller's job: pass a SessionFactory
 * (the twin must run at graphOptimizationLevel 'basic'); this module never imports onnxruntime.
 *
 * relative error = |analytic − numeric| / max(|analytic|, |numeric|, 1e-6·‖∇‖∞)
 *
 * Step per coordinate (unless `h` fixes one): the float64 loss carries rounding noise σ far above
 * ε·|L| (sums over whole images), measured once as the scatter of L(x + t·v) − L(x) − t·∇·v over a few
 * ±1 directions v at t = 1e-9 (the analytic term removes the signal). A central difference then errs by
 * ≈ σ/h, so h = 10·σ / (tolerance·|∇ᵢ|), clamped to [1e-6, 1e-3]·max(|xᵢ|, 1): tiny gradients get large
 * steps, and no step is so large that truncation (h²) or a ReLU kink dominates.
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
export type RunFn = ((feeds: Record<string, FeedValue>, outputs: readonly string[]) => Promise<Record<string, FeedValue>>) & {
  /** Frees the session's memory (optional; gradcheck calls it when done with a session). */
  release?: () => Promise<void>;
};
/** Creates a session for model bytes; `twin` is true for float64 graphs (must use optimisation level 'basic'). */
export type SessionFactory = (bytes: Uint8Array, twin: boolean) => Promise<RunFn>;

export interface GradcheckOptions extends GradientOptions {
  /** Values for graph inputs; missing ones are generated from the seed (see defaultFeed). */
  feeds?: Record<string, FeedValue>;
  /** Coordinates checked by finite differences (default 16). */
  samples?: number;
  seed?: number;
  /** Fixed finite-difference step for every coordinate (default: chosen per coordinate, see above). */
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
  /** Measured float64 loss noise σ (NaN when `h` was fixed), and the smallest/largest step used. */
  lossNoise: number;
  steps: { min: number; max: number };
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
  const rand = rng(opts.seed ?? 1);
  const feeds32: Record<string, FeedValue> = {};
  for (const i of gg.inputs) feeds32[i.name] = opts.feeds?.[i.name] ?? defaultFeed(i.name, i.type, i.dims, rand);
  const feeds64 = Object.fromEntries(Object.entries(feeds32).map(([k, v]) => [k, toF64(v)]));
  const { logits, loss, grad } = gg.outputs;
  const wrt = grad.slice('grad_'.length);
  // One session at a time, each released before the next is built: at ViT-B/16 size the float32 graph,
  // the float64 twin and its loss-only copy hold 0.5, 1 and 1 GB of weights each.
  const once = async (bytes: Uint8Array, twin: boolean, f: Record<string, FeedValue>, names: string[]) => {
    const run = await session(bytes, twin);
    try {
      return await run(f, names);
    } finally {
      await run.release?.();
    }
  };
  const r32 = await once(gg.bytes, false, feeds32, [logits, grad]);
  let twin: ModelProto | undefined = float64Twin(decodeModel(gg.bytes));
  const r64 = await once(encodeModel(twin), true, feeds64, [logits, loss, grad]);
  const lossBytes = encodeModel(selectOutputs(twin, [gg.outputs.loss]));
  twin = undefined;
  const lossRun = await session(lossBytes, true);
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
  const tolerance = opts.tolerance ?? 1e-4;
  const lossAt = async (dir: Float64Array, t: number) => {
    const x = Float64Array.from(x0, (v, i) => v + t * dir[i]);
    const r = await lossRun({ ...feeds64, [wrt]: { type: 'float64', dims: feeds64[wrt].dims, data: x } }, [loss]);
    return (r[loss].data as Float64Array)[0];
  };
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
    return sum;
  };
  const lossNoise = opts.h === undefined ? await measureNoise(lossAt, g, dot, rand) : NaN;
  const used: number[] = [];
  /** Step for a derivative of size `deriv` along a direction whose entries are of size `scale`. */
  const stepFor = (deriv: number, scale: number) => {
    if (opts.h !== undefined) return opts.h;
    const s = Math.max(scale, 1);
    const h = (10 * lossNoise) / (tolerance * Math.max(Math.abs(deriv), 1e-6 * gInf, 1e-300));
    return Math.min(Math.max(h, 1e-6 * s), 1e-3 * s);
  };
  const central = async (dir: Float64Array, h: number) => {
    used.push(h);
    return ((await lossAt(dir, h)) - (await lossAt(dir, -h))) / (2 * h);
  };
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
    maxRelError = Math.max(maxRelError, rel(g[i], await central(unit, stepFor(g[i], Math.abs(x0[i]))), 1e-6 * gInf));
  }
  const v = Float64Array.from(g, () => rand() * 2 - 1);
  const vn = Math.sqrt(dot(v, v));
  v.forEach((e, i) => (v[i] = e / vn));
  const analytic = dot(g, v);
  const directionalRelError = rel(analytic, await central(v, stepFor(analytic, 1)), 1e-12);
  await lossRun.release?.();
  return {
    maxRelError, directionalRelError, float32RelError, forwardTwinRelDiff,
    ops: gg.ops, nodes: gg.nodes, samples: K, tolerance,
    lossNoise, steps: { min: Math.min(...used), max: Math.max(...used) },
    passed: maxRelError <= tolerance && directionalRelError <= tolerance,
  };
}

/**
 * Rounding noise of the float64 loss: RMS of L(x + t·v) − L(x) − t·∇·v over four ±1 directions at
 * t = 1e-9 (every input moves in its last bits, so every op rounds differently; the analytic term
 * removes the signal and t² is far below the noise). Floored at 2ε·|L|.
 */
async function measureNoise(
  lossAt: (dir: Float64Array, t: number) => Promise<number>,
  g: Float64Array,
  dot: (a: ArrayLike<number>, b: ArrayLike<number>) => number,
  rand: () => number,
): Promise<number> {
  const t = 1e-9;
  const l0 = await lossAt(g, 0);
  let sq = 0;
  for (let k = 0; k < 4; k++) {
    const v = Float64Array.from(g, () => (rand() < 0.5 ? -1 : 1));
    const r = (await lossAt(v, t)) - l0 - t * dot(g, v);
    sq += r * r;
  }
  return Math.max(Math.sqrt(sq / 4), 2 * Number.EPSILON * Math.abs(l0));
}
