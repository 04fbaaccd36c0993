/**
 * APGD — Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", ICML 2020, arXiv:2003.01690 (Algorithm 1), for L∞ and L2, as we read the paper:
 *   η⁽⁰⁾ = 2ε;  x⁽¹⁾ = P(x⁽⁰⁾ + η·s(∇f(x⁽⁰⁾)))
 *   z = P(x⁽ᵏ⁾ + η·s(∇f(x⁽ᵏ⁾))),  x⁽ᵏ⁺¹⁾ = P(x⁽ᵏ⁾ + α(z − x⁽ᵏ⁾) + (1 − α)(x⁽ᵏ⁾ − x⁽ᵏ⁻¹⁾)),  α = 0.75
 * with s = sign (L∞) or g/‖g‖₂ (L2) and P the projection onto the ε-ball and [0,1]. At the checkpoints
 * w_j = ⌈p_j·N⌉ (p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)) the step size of an
 * image halves and its iterate restarts from its best point (highest objective so far, momentum reset)
 * when (1) fewer than ρ = 75 % of the steps since the last checkpoint raised the objective, or (2) neither
 * η nor the best objective changed since the last checkpoint. Everything is per image.
 *
 * Segmentation: the objective is any entry of the loss table (losses.ts; SEA's masked/balanced/JS
 * losses for our per-pixel sigmoid VLSMs). Progressive radius reduction (SEA, arXiv:2306.12941) runs the
 * schedule in stages on balls of radius m·ε (e.g. m = 2, 1.5, 1 over 30 %/30 %/40 % of the steps), each
 * stage starting from the previous stage's best point projected onto the next ball; only iterates of
 * the final stage (radius ε) are candidates. Candidates are judged by best-iterate.ts on their quantised
 * image (one forward pass each), so APGD always returns a best iterate.
 * Cost per restart: `steps` gradient evaluations + `steps` forward passes (final stage only, plus one).
 * Restarts after the first start from a uniformly random point of the ball.
 * Shapes: AttackBatch [B,C,H,W] in [0,1] at model size; result images in [0,1], on the lattice.
 * Example (run by tests/engine/attacks/apgd.test.ts):
 *   const r = await apgd(model, batch, { budget: makeBudget({ eps: 4/255, steps: 20 }), loss, seed: 0 });
 */
import { createRng } from '../metrics/random.js';
import { BestIterate } from './best-iterate.js';
import { applyDelta, normOf, type Norm, type Shape } from './budget.js';
import { finishAttack, predict } from './evaluate.js';
import { modelGradientSource, type GradientSource } from './gradient-source.js';
import type { AttackModel } from './model.js';
import type { AttackBatch, AttackOptions, AttackResult, Budget, LossSpec } from './types.js';

const ALPHA = 0.75;
const RHO = 0.75;

/** Checkpoint iterations w_j in (0, n) of the paper's schedule. */
export function apgdCheckpoints(n: number): number[] {
  const p = [0, 0.22];
  while (p[p.length - 1] < 1) p.push(p[p.length - 1] + Math.max(p[p.length - 1] - p[p.length - 2] - 0.03, 0.06));
  return [...new Set(p.map((v) => Math.ceil(v * n - 1e-9)))].filter((w) => w > 0 && w < n);
}

export interface ApgdRun {
  x0: Float32Array;
  shape: Shape;
  /** Lattice of the stored image (0: no quantisation). */
  levels: number;
  budget: Budget;
  /** Per-channel std of the model's normalisation (for the `normalised` unit). */
  std: readonly number[];
  loss: LossSpec;
  seed: number;
  restart: number;
  /** Radius multipliers, largest first and ending with 1; default [1]. */
  radii?: readonly number[];
  tracker: BestIterate;
  signal?: AbortSignal;
  onStep?: (iteration: number, meanLoss: number) => void;
  onCandidate?: AttackOptions['onCandidate'];
}

/** Stage lengths: 30 % of the steps for each stage but the last, which gets the rest. */
export function stageSteps(steps: number, stages: number): number[] {
  const early = Array.from({ length: stages - 1 }, () => Math.max(1, Math.floor(0.3 * steps)));
  return [...early, Math.max(1, steps - early.reduce((a, v) => a + v, 0))];
}

/**
 * One APGD restart on any gradient source; offers every final-stage iterate to `run.tracker`.
 * Returns the gradient evaluations used and the objective per step (rows) and image (columns).
 */
export async function apgdRun(source: GradientSource, run: ApgdRun): Promise<{ iterations: number; trace: number[][] }> {
  const { x0, shape, budget } = run;
  const B = shape.batch;
  const per = shape.channels * shape.height * shape.width;
  const radii = run.radii ?? [1];
  if (radii[radii.length - 1] !== 1) throw new RangeError('Progressive radius reduction must end at the budget’s radius (multiplier 1).');
  const lengths = stageSteps(budget.steps, radii.length);
  const finalNorm = normOf(budget, run.std, shape.channels).norm;
  // plain loops: typed-array .from with a map function is ~50× slower in V8, and these run every step
  const project = (norm: Norm, v: Float32Array) => {
    const delta = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) delta[i] = v[i] - x0[i];
    norm.project(delta, shape);
    return applyDelta(x0, delta);
  };
  const copyImage = (dst: Float32Array, src: Float32Array, b: number) => dst.set(src.subarray(b * per, (b + 1) * per), b * per);
  const offer = async (x: Float32Array, step: number) => {
    const q = finalNorm.quantise(x0, x, run.levels, shape);
    const logits = await source.logits(q);
    run.tracker.offer(q, x, logits, { step, restart: run.restart });
    run.onCandidate?.({ step, restart: run.restart, quantised: q, logits });
  };

  const trace: number[][] = [];
  let iterations = 0;
  let start: Float32Array;
  if (budget.randomStart || run.restart > 0) {
    const first = normOf({ ...budget, eps: budget.eps * radii[0] }, run.std, shape.channels).norm;
    start = applyDelta(x0, first.randomStart(createRng((run.seed + run.restart * 0x9e3779b1) >>> 0), shape));
  } else start = new Float32Array(x0);

  for (const [s, m] of radii.entries()) {
    const { norm } = normOf({ ...budget, eps: budget.eps * m }, run.std, shape.channels);
    const final = s === radii.length - 1;
    const n = lengths[s];
    const checkpoints = new Set(apgdCheckpoints(n));
    let x = project(norm, start);
    if (final) await offer(x, iterations);
    let prev = x;
    const eta = new Float64Array(B).fill(2);
    const xmax = new Float32Array(x);
    const gmax = new Float32Array(x.length);
    const fmax = new Float64Array(B).fill(-Infinity);
    const fPrev = new Float64Array(B).fill(-Infinity);
    const rises = new Int32Array(B);
    const etaAtCheck = Float64Array.from(eta);
    const fmaxAtCheck = new Float64Array(B).fill(-Infinity);
    let lastCheck = 0;
    for (let k = 0; k < n; k++) {
      if (run.signal?.aborted) break;
      const g = await source.gradient(x, run.loss);
      iterations++;
      trace.push([...g.loss]);
      run.onStep?.(trace.length - 1, g.loss.reduce((a, v) => a + v, 0) / B);
      const grad = g.grad;
      for (let b = 0; b < B; b++) {
        if (k > 0 && g.loss[b] > fPrev[b]) rises[b]++;
        fPrev[b] = g.loss[b];
        if (!(g.loss[b] > fmax[b])) continue;
        fmax[b] = g.loss[b];
        copyImage(xmax, x, b);
        copyImage(gmax, grad, b);
      }
      if (checkpoints.has(k)) {
        for (let b = 0; b < B; b++) {
          const stalled = rises[b] < RHO * (k - lastCheck) || (eta[b] === etaAtCheck[b] && fmax[b] === fmaxAtCheck[b]);
          if (stalled) {
            eta[b] /= 2;
            copyImage(x, xmax, b);
            copyImage(prev, xmax, b);
            copyImage(grad, gmax, b);
          }
          rises[b] = 0;
          etaAtCheck[b] = eta[b];
          fmaxAtCheck[b] = fmax[b];
        }
        lastCheck = k;
      }
      const dir = norm.step(grad, norm.eps, shape);
      for (let b = 0; b < B; b++) for (let i = b * per; i < (b + 1) * per; i++) dir[i] *= eta[b];
      for (let i = 0; i < dir.length; i++) dir[i] += x[i];
      const z = project(norm, dir);
      let next = z;
      if (k > 0) {
        const m = new Float32Array(x.length);
        for (let i = 0; i < x.length; i++) m[i] = x[i] + ALPHA * (z[i] - x[i]) + (1 - ALPHA) * (x[i] - prev[i]);
        next = project(norm, m);
      }
      prev = x;
      x = next;
      if (final) await offer(x, iterations);
    }
    start = xmax;
  }
  return { iterations, trace };
}

export interface ApgdOptions extends AttackOptions {
  /** Progressive radius reduction: multipliers of ε, largest first, ending with 1 (default [1]). */
  radii?: readonly number[];
}

/** APGD with the budget's norm (L∞ or L2) on the model-input gradient graph. budget.alpha is unused. */
export async function apgd(model: AttackModel, batch: AttackBatch, opts: ApgdOptions): Promise<AttackResult> {
  const started = performance.now();
  const { budget } = opts;
  const { batch: B, channels: C, height: H, width: W } = batch;
  const targeted = !!opts.target;
  const mask = opts.target ?? batch.reference;
  const source = modelGradientSource(model, batch, mask, targeted);
  const cleanLogits = await predict(model, batch, batch.x);
  const tracker = new BestIterate({ batch: B, per: C * H * W, width: W, height: H, mask, targeted, threshold: model.threshold, loss: opts.loss }, batch.x);
  const shape = { batch: B, channels: C, height: H, width: W };
  const levels = opts.quantise === false ? 0 : batch.levels;
  const trace: number[][] = [];
  let iterations = 0;
  for (let r = 0; r < budget.restarts; r++) {
    const run = await apgdRun(source, { x0: batch.x, shape, levels, budget, std: model.std, loss: opts.loss, seed: opts.seed, restart: r, radii: opts.radii, tracker, signal: opts.signal, onStep: opts.onStep, onCandidate: opts.onCandidate });
    iterations += run.iterations;
    for (let b = 0; b < B; b++) if (tracker.kept[b].restart === r) run.trace.forEach((row, k) => ((trace[k] ??= new Array<number>(B).fill(NaN))[b] = row[b]));
  }
  return finishAttack(model, batch, opts, tracker.best, {
    attack: budget.norm === 'l2' ? 'apgd-l2' : 'apgd',
    raw: tracker.bestRaw,
    trace,
    iterations,
    started,
    cleanLogits,
    gradients: true,
    selection: 'best-iterate',
    kept: tracker.kept,
  });
}
