/**
 * Segmentation attack ensemble, after SEA (Croce, Singh & Hein, arXiv:2306.12941) and Halmosi, Mohos &
 * Jelasity (ECCV 2024, arXiv:2407.09150): no single loss is strongest on every image, so the ensemble
 * runs several step-size-free attacks with different losses and keeps, per image, the adversarial image
 * worst for the model by the audit's metric (best-iterate.ts: lowest Dice with the reference; targeted:
 * highest Dice with the target, or smallest area for erase), judged on the quantised image. The result's
 * `kept[b].member` names the member that found it.
 *
 * Default members (DEFAULT_ENSEMBLE), in order, each APGD (apgd.ts) with `budget.steps` steps:
 *   apgd-dice    (soft Dice: the metric's own proxy)  apgd-masked-bce  (SEA: only still-correct pixels)
 *   apgd-dicece  (the PGD loss, step-size free)      apgd-js          (SEA: Jensen–Shannon)
 *   apgd-masked-spherical (SEA)
 * Budget: at most members × steps gradient evaluations and members × (steps + 1) + 2 forward passes per
 * image (default 5 × 20 = 100 gradient + 107 forward passes). An image whose kept Dice is already 0
 * (targeted: target Dice 1; erase: area 0) cannot get worse, so later members skip it — real runs cost less.
 * Progressive radius reduction: at large ε (L∞ ≥ 8/255 pixel or ≥ 0.1 normalised, L2 ≥ 1) members
 * marked `prr` run APGD on balls of 2ε, 1.5ε, then ε (30 %/30 %/40 % of their steps).
 * Shapes: AttackBatch [B,C,H,W] in [0,1] at model size; result images in [0,1], on the lattice.
 * Example (run by tests/engine/attacks/ensemble.test.ts):
 *   const r = await ensemble(model, batch, { budget: makeBudget({ eps: 4/255, steps: 10 }), loss, seed: 0 });
 */
import { apgd } from './apgd.js';
import { BestIterate, pick, type KeptIterate } from './best-iterate.js';
import { finishAttack, predict } from './evaluate.js';
import type { AttackModel } from './model.js';
import { runPgd } from './pgd.js';
import type { AttackBatch, AttackOptions, AttackResult, Budget, LossKind } from './types.js';

export interface EnsembleMember {
  attack: 'apgd' | 'pgd';
  loss: LossKind;
  /** Steps of this member (default: the ensemble budget's steps). */
  steps?: number;
  /** Progressive radius reduction at large ε (APGD only). */
  prr?: boolean;
}

// Order changes only the cost, never the result's worst case: a member skips only images that cannot get
// worse. The soft-Dice member first because it most often reaches Dice 0 (measured, docs/attacks.md).
export const DEFAULT_ENSEMBLE: readonly EnsembleMember[] = [
  { attack: 'apgd', loss: 'dice' },
  { attack: 'apgd', loss: 'masked-bce' },
  { attack: 'apgd', loss: 'dicece' },
  { attack: 'apgd', loss: 'js', prr: true },
  { attack: 'apgd', loss: 'masked-spherical', prr: true },
];

/** Default steps per member when the caller gives none (CLI). */
export const ENSEMBLE_STEPS = 20;
export const PRR_RADII: readonly number[] = [2, 1.5, 1];

export const memberName = (m: EnsembleMember): string => `${m.attack}-${m.loss}${m.prr ? '-prr' : ''}`;

/** "apgd-masked-bce,pgd-dicece,apgd-js-prr" → members (the names memberName writes). */
export function parseMembers(text: string, losses: readonly LossKind[]): EnsembleMember[] {
  return text.split(',').map((raw) => {
    const name = raw.trim();
    const m = /^(apgd|pgd)-(.+?)(-prr)?$/.exec(name);
    if (!m || !(losses as readonly string[]).includes(m[2])) throw new RangeError(`Ensemble member "${name}" is not <apgd|pgd>-<loss>[-prr] with a loss of ${losses.join(', ')}.`);
    if (m[3] && m[1] !== 'apgd') throw new RangeError(`Ensemble member "${name}": progressive radius reduction exists for APGD only.`);
    return { attack: m[1] as 'apgd' | 'pgd', loss: m[2] as LossKind, ...(m[3] ? { prr: true } : {}) };
  });
}

/** ε large enough for progressive radius reduction. */
export function largeEps(b: Budget): boolean {
  if (b.norm === 'l2') return b.eps >= 1;
  return b.units === 'normalised' ? b.eps >= 0.1 : b.eps >= 8 / 255 - 1e-9;
}

/** The images of a batch at the given indices, as their own batch. */
export function pickBatch(batch: AttackBatch, images: readonly number[]): AttackBatch {
  const plane = batch.width * batch.height;
  return {
    ...batch,
    x: pick(batch.x, images, batch.channels * plane),
    batch: images.length,
    prompts: batch.prompts.length === 1 ? batch.prompts : images.map((b) => batch.prompts[b]),
    reference: pick(batch.reference, images, plane),
    spacingMm: batch.spacingMm && images.map((b) => batch.spacingMm![b]),
    ids: batch.ids && images.map((b) => batch.ids![b]),
  };
}

export interface EnsembleOptions extends AttackOptions {
  members?: readonly EnsembleMember[];
  /** Called after each member with its result on the images it ran on (their batch indices). */
  onMember?: (name: string, result: AttackResult, images: readonly number[]) => void;
}

export async function ensemble(model: AttackModel, batch: AttackBatch, opts: EnsembleOptions): Promise<AttackResult> {
  const started = performance.now();
  const members = opts.members ?? DEFAULT_ENSEMBLE;
  if (members.length === 0) throw new RangeError('The ensemble needs at least one member.');
  const { batch: B, channels: C, height: H, width: W } = batch;
  const plane = W * H;
  const targeted = !!opts.target;
  const mask = opts.target ?? batch.reference;
  const cleanLogits = await predict(model, batch, batch.x);
  const tracker = new BestIterate({ batch: B, per: C * plane, width: W, height: H, mask, targeted, threshold: model.threshold, loss: opts.loss }, batch.x);
  // the floor of the metric per image: nothing can be worse for the model
  const floor = Array.from({ length: B }, (_, b) => (targeted && mask.subarray(b * plane, (b + 1) * plane).some((v) => v) ? -1 : 0));
  const trace: number[][] = [];
  let iterations = 0;
  for (const member of members) {
    if (opts.signal?.aborted) break;
    const images = [...Array(B).keys()].filter((b) => tracker.metric[b] > floor[b]);
    if (images.length === 0) break;
    const sub = images.length === B ? batch : pickBatch(batch, images);
    const name = memberName(member);
    const mopts: AttackOptions = {
      ...opts,
      budget: { ...opts.budget, steps: member.steps ?? opts.budget.steps },
      loss: { ...opts.loss, kind: member.loss },
      target: opts.target && (images.length === B ? opts.target : pick(opts.target, images, plane)),
      bestIterate: true,
      // members see a subset of the batch: per-candidate callbacks would index the wrong images
      onCandidate: undefined,
    };
    const res =
      member.attack === 'apgd'
        ? await apgd(model, sub, { ...mopts, radii: member.prr && largeEps(opts.budget) ? PRR_RADII : undefined })
        : await runPgd(model, sub, mopts, { name: 'pgd' });
    iterations += res.iterations;
    opts.onMember?.(name, res, images);
    const from: KeptIterate[] = images.map((_, j) => ({ ...(res.kept?.[j] ?? { step: res.iterations, restart: 0 }), member: name }));
    const taken = tracker.offer(res.adversarial, res.raw, await predict(model, sub, res.adversarial), from, images);
    taken.forEach((ok, j) => {
      if (!ok) return;
      for (let k = 0; k < Math.max(trace.length, res.trace.length); k++) (trace[k] ??= new Array<number>(B).fill(NaN))[images[j]] = res.trace[k]?.[j] ?? NaN;
    });
  }
  return finishAttack(model, batch, opts, tracker.best, {
    attack: 'ensemble',
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
