/**
 * Projected Gradient Descent — Madry et al., "Towards Deep Learning Models Resistant to Adversarial
 * Attacks", ICLR 2018, arXiv:1706.06083 — and the ONE base loop every gradient attack uses:
 *   random start → gradient → normalise (sign / unit L2) → step → project onto the ε-ball → clip to [0,1]
 * FGSM, SegPGD, CosPGD and the targeted attacks supply only what differs (a `PgdVariant`).
 *
 * Threat model: white box through our own reverse-mode pass (src/engine/autodiff); L∞ or L2 ball in
 * pixel units (or the paper's normalised units, L∞ only). Untargeted ascends L(logits, reference);
 * targeted ascends −L(logits, target). Defaults: ε = 8/255, α = 2/255, 40 steps, 1 restart, no random
 * start, DiceCE with λ_dice = λ_ce = 1. By default every iterate is quantised and judged (one extra
 * forward pass per step) and per image the one worst for the model across all steps and restarts is kept
 * (best-iterate.ts; the result's `kept` says at which step and restart). With `bestIterate: false` the
 * last iterate of each restart is quantised and per image the restart with the highest loss on the
 * quantised image is kept (Madry's PGD, used by the paper-reproduction protocol). earlyStop freezes an
 * image once the criterion holds on its unquantised prediction (success is re-checked after quantisation).
 * When the step is plain (RGB, one ε for all channels) the graph's fused step (x_next) is used as is;
 * grey images (one perturbation for the three planes) and per-channel ε step in JavaScript.
 * Shapes: AttackBatch [B,C,H,W] in [0,1] at model size; result images in [0,1], on the lattice.
 * Example (run by tests/engine/attacks/pgd.test.ts):
 *   const r = await pgd(model, batch, { budget: makeBudget({ eps: 8/255, alpha: 2/255, steps: 10 }), loss, seed: 0 });
 */
import { createRng } from '../metrics/random.js';
import { BestIterate, type KeptIterate } from './best-iterate.js';
import { applyDelta, normOf } from './budget.js';
import { defaultCriterion, finishAttack, predict } from './evaluate.js';
import { attackLoss } from './losses.js';
import { reduceRgbGradient, toRgbPlanes, type AttackModel } from './model.js';
import { masksFromLogits } from './prepare.js';
import type { AttackBatch, AttackOptions, AttackResult, Budget, LossSpec } from './types.js';

export interface WeightContext {
  /** Logits [B,H,W] at the current iterate. */
  logits: Float32Array;
  /** Reference (untargeted) or target (targeted), [B,H,W]. */
  mask: Uint8Array;
  targeted: boolean;
  threshold: number;
  /** Iteration, from 0, of `steps`. */
  t: number;
  steps: number;
}

export interface PgdVariant {
  name: string;
  /** Loss used instead of the caller's (SegPGD uses the paper's cross-entropy). */
  loss?: (given: LossSpec) => LossSpec;
  /** Per-pixel weights of the BCE term at the current iterate (costs one forward pass per step). */
  weights?: (c: WeightContext) => Float32Array;
}

export const PLAIN: PgdVariant = { name: 'pgd' };

/** α at iteration t: constant, or cosine-annealed from α towards 0. */
export function stepSize(b: Budget, alpha: readonly number[], t: number): number[] {
  if (b.schedule === 'constant') return [...alpha];
  const f = 0.5 * (1 + Math.cos((Math.PI * t) / b.steps));
  return alpha.map((a) => a * f);
}

export async function runPgd(model: AttackModel, batch: AttackBatch, opts: AttackOptions, variant: PgdVariant = PLAIN): Promise<AttackResult> {
  const started = performance.now();
  const { budget } = opts;
  const { norm, alpha } = normOf(budget, model.std, batch.channels);
  const { batch: B, channels: C, height: H, width: W } = batch;
  const plane = H * W;
  const per = C * plane;
  const shape = { batch: B, channels: C, height: H, width: W };
  const targeted = !!opts.target;
  const mask = opts.target ?? batch.reference;
  const loss = variant.loss ? variant.loss(opts.loss) : opts.loss;
  const criterion = opts.criterion ?? defaultCriterion(opts.target);
  const levels = opts.quantise === false ? 0 : batch.levels;
  const fused = C === 3 && norm.eps.every((e) => e === norm.eps[0]);
  const x0 = batch.x;
  const x0rgb = toRgbPlanes(x0, B, C, plane);
  const cleanLogits = await predict(model, batch, x0);
  const cleanMask = masksFromLogits(cleanLogits, model.threshold);
  const view = (d: Uint8Array, b: number) => ({ width: W, height: H, data: d.subarray(b * plane, (b + 1) * plane) });

  const bestIterate = opts.bestIterate !== false;
  const tracker = bestIterate ? new BestIterate({ batch: B, per, width: W, height: H, mask, targeted, threshold: model.threshold, loss: opts.loss }, x0) : undefined;
  // The quantised candidate is what gets judged and kept. When it differs from the iterate by float32
  // rounding only (L∞ steps of whole lattice steps, e.g. α = 2/255 on an 8-bit image) the iterate is
  // snapped onto it and the next gradient pass, which runs on exactly that image, judges it with its
  // logits: no extra forward pass. Otherwise (and for the final iterate) one forward pass per candidate.
  let pending: { q: Float32Array; x: Float32Array; step: number; restart: number } | undefined;
  const judge = (p: NonNullable<typeof pending>, logits: Float32Array) => {
    tracker!.offer(p.q, p.x, logits, { step: p.step, restart: p.restart });
    opts.onCandidate?.({ step: p.step, restart: p.restart, quantised: p.q, logits });
  };
  /** Judges (now or at the next gradient pass) the candidate x; returns the iterate to continue from. */
  const offer = async (x: Float32Array, step: number, restart: number, last: boolean): Promise<Float32Array> => {
    const q = norm.quantise(x0, x, levels, shape);
    if (!last && q.every((v, i) => Math.abs(v - x[i]) <= 1e-6)) {
      pending = { q, x: q, step, restart };
      return q;
    }
    judge({ q, x, step, restart }, await predict(model, batch, q));
    return x;
  };
  const best = new Float32Array(x0);
  const bestRaw = new Float32Array(x0);
  const bestLoss = new Float64Array(B).fill(-Infinity);
  const bestTrace: number[][] = [];
  const keptLast: KeptIterate[] = Array.from({ length: B }, () => ({ step: 0, restart: 0 }));
  let iterations = 0;

  for (let r = 0; r < budget.restarts; r++) {
    const rng = createRng((opts.seed + r * 0x9e3779b1) >>> 0);
    let x = budget.randomStart ? applyDelta(x0, norm.randomStart(rng, shape)) : new Float32Array(x0);
    if (tracker && budget.randomStart) x = await offer(x, 0, r, false);
    const frozen = new Array<boolean>(B).fill(false);
    const trace: number[][] = [];
    let t = 0;
    for (; t < budget.steps; t++) {
      if (opts.signal?.aborted) break;
      const a = stepSize(budget, alpha, t);
      const xrgb = toRgbPlanes(x, B, C, plane);
      const weights = variant.weights?.({ logits: await predict(model, batch, x), mask, targeted, threshold: model.threshold, t, steps: budget.steps });
      const g = await model.gradient({ x: xrgb, xOrig: x0rgb, batch: B, prompts: batch.prompts, mask, loss, targeted, weights, norm: norm.kind, eps: norm.eps[0], alpha: a[0] });
      iterations++;
      if (pending) judge(pending, g.logits);
      pending = undefined;
      const lossNow = attackLoss(loss, { logits: g.logits, mask, batch: B, targeted, weights, threshold: model.threshold });
      trace.push([...lossNow]);
      opts.onStep?.(t, lossNow.reduce((s, v) => s + v, 0) / B);
      if (budget.earlyStop) {
        const masks = masksFromLogits(g.logits, model.threshold);
        for (let b = 0; b < B; b++)
          frozen[b] ||= criterion.test({ prediction: view(masks, b), reference: view(batch.reference, b), cleanPrediction: view(cleanMask, b), target: opts.target ? view(opts.target, b) : undefined });
        if (frozen.every(Boolean)) break;
      }
      let next: Float32Array;
      if (fused && g.xNext) {
        next = g.xNext;
      } else {
        const dir = norm.step(reduceRgbGradient(g.grad, B, C, plane), a, shape);
        const delta = Float32Array.from(x, (v, i) => v + dir[i] - x0[i]);
        norm.project(delta, shape);
        next = applyDelta(x0, delta);
      }
      for (let b = 0; b < B; b++) if (frozen[b]) next.set(x.subarray(b * per, (b + 1) * per), b * per);
      x = next;
      if (tracker) x = await offer(x, t + 1, r, t + 1 === budget.steps);
    }
    if (pending) judge(pending, await predict(model, batch, pending.q));
    pending = undefined;
    const copyTrace = (b: number) => trace.forEach((row, k) => ((bestTrace[k] ??= new Array<number>(B).fill(NaN))[b] = row[b]));
    if (tracker) {
      for (let b = 0; b < B; b++) if (tracker.kept[b].restart === r) copyTrace(b);
      continue;
    }
    const q = norm.quantise(x0, x, levels, shape);
    const finalLoss = attackLoss(opts.loss, { logits: await predict(model, batch, q), mask, batch: B, targeted, threshold: model.threshold });
    for (let b = 0; b < B; b++) {
      if (!(finalLoss[b] > bestLoss[b])) continue;
      bestLoss[b] = finalLoss[b];
      best.set(q.subarray(b * per, (b + 1) * per), b * per);
      bestRaw.set(x.subarray(b * per, (b + 1) * per), b * per);
      keptLast[b] = { step: t, restart: r };
      copyTrace(b);
    }
  }
  return finishAttack(model, batch, opts, tracker ? tracker.best : best, {
    attack: variant.name,
    raw: tracker ? tracker.bestRaw : bestRaw,
    trace: bestTrace,
    iterations,
    started,
    cleanLogits,
    gradients: true,
    selection: tracker ? 'best-iterate' : 'last-iterate',
    kept: tracker ? tracker.kept : keptLast,
  });
}

/** PGD with the budget's norm (L∞ or L2). */
export const pgd = (model: AttackModel, batch: AttackBatch, opts: AttackOptions): Promise<AttackResult> =>
  runPgd(model, batch, opts, { name: opts.budget.norm === 'l2' ? 'pgd-l2' : 'pgd' });
