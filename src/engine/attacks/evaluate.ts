/**
 * The shared end of every attack: predictions on the clean, the quantised adversarial and the
 * pre-quantisation images, the success criterion and the per-image metrics. Metrics are computed on the
 * quantised image (what would be stored); pre-quantisation Dice/IoU are reported beside them.
 * HD95 uses the image diagonal when exactly one mask is empty (metrics/hd95.ts), so means stay finite.
 */
import { hd95 } from '../metrics/hd95.js';
import { psnr, ssim } from '../metrics/image-quality.js';
import { dice, iou, type MaskView } from '../metrics/overlap.js';
import { perturbationNorms, type PerturbationNorms } from '../metrics/perturbation.js';
import { areaShrunk, diceDrop, targetDiceAbove, type Criterion } from './criteria.js';
import { toRgbPlanes, type AttackModel } from './model.js';
import { masksFromLogits } from './prepare.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export interface MaskMetrics {
  dice: number;
  iou: number;
  /** HD95 in pixels of the model input (image diagonal when exactly one mask is empty). */
  hd95: number;
  /** HD95 in mm, when the pixel spacing is known. */
  hd95Mm?: number;
  /** Predicted foreground fraction. */
  area: number;
}

export interface ImageMetrics {
  id: string;
  clean: MaskMetrics;
  adversarial: MaskMetrics;
  preQuantisation: { dice: number; iou: number };
  perturbation: PerturbationNorms;
  psnr: number;
  /** NaN for images smaller than SSIM's 11×11 window. */
  ssim: number;
  /** Dice of the adversarial prediction with the target (targeted attacks). */
  targetDice?: number;
  success: boolean;
}

export function defaultCriterion(target: Uint8Array | undefined): Criterion {
  if (!target) return diceDrop(0.5);
  return target.some((v) => v) ? targetDiceAbove(0.5) : areaShrunk(0.1);
}

function view(data: Uint8Array, b: number, w: number, h: number): MaskView {
  return { width: w, height: h, data: data.subarray(b * w * h, (b + 1) * w * h) };
}

function maskMetrics(pred: MaskView, ref: MaskView, spacing?: [number, number]): MaskMetrics {
  const m: MaskMetrics = {
    dice: dice(pred, ref),
    iou: iou(pred, ref),
    hd95: hd95(pred, ref, { onEmpty: 'diagonal' }),
    area: pred.data.reduce((a, v) => a + v, 0) / pred.data.length,
  };
  if (spacing) m.hd95Mm = hd95(pred, ref, { onEmpty: 'diagonal', spacingMm: spacing });
  return m;
}

export interface FinishInput {
  attack: string;
  raw: Float32Array;
  trace: number[][];
  iterations: number;
  started: number;
  /** True when the attack used gradients (reports then say how they were computed). */
  gradients?: boolean;
  /** Clean logits when already computed. */
  cleanLogits?: Float32Array;
  selection?: AttackResult['selection'];
  kept?: AttackResult['kept'];
}

/** Logits of planar [B,C,H,W] images. */
export function predict(model: AttackModel, batch: Pick<AttackBatch, 'batch' | 'channels' | 'width' | 'height' | 'prompts'>, x: Float32Array): Promise<Float32Array> {
  return model.forward(toRgbPlanes(x, batch.batch, batch.channels, batch.width * batch.height), batch.batch, batch.prompts);
}

export async function finishAttack(model: AttackModel, batch: AttackBatch, opts: AttackOptions, adversarial: Float32Array, f: FinishInput): Promise<AttackResult> {
  const { width: w, height: h } = batch;
  const plane = w * h;
  const per = batch.channels * plane;
  const cleanMask = masksFromLogits(f.cleanLogits ?? (await predict(model, batch, batch.x)), model.threshold);
  const advMask = masksFromLogits(await predict(model, batch, adversarial), model.threshold);
  const rawMask = masksFromLogits(await predict(model, batch, f.raw), model.threshold);
  const criterion = opts.criterion ?? defaultCriterion(opts.target);
  const metrics: ImageMetrics[] = [];
  for (let b = 0; b < batch.batch; b++) {
    const ref = view(batch.reference, b, w, h);
    const pred = view(advMask, b, w, h);
    const clean = view(cleanMask, b, w, h);
    const target = opts.target ? view(opts.target, b, w, h) : undefined;
    const xs = batch.x.subarray(b * per, (b + 1) * per);
    const xa = adversarial.subarray(b * per, (b + 1) * per);
    const spacing = batch.spacingMm?.[b];
    const image = (d: Float32Array) => ({ width: w, height: h, channels: batch.channels, data: d });
    metrics.push({
      id: batch.ids?.[b] ?? String(b),
      clean: maskMetrics(clean, ref, spacing),
      adversarial: maskMetrics(pred, ref, spacing),
      preQuantisation: { dice: dice(view(rawMask, b, w, h), ref), iou: iou(view(rawMask, b, w, h), ref) },
      perturbation: perturbationNorms(xs, xa),
      psnr: psnr(xs, xa),
      ssim: w > 10 && h > 10 ? ssim(image(xs), image(xa)) : NaN,
      ...(target ? { targetDice: dice(pred, target) } : {}),
      success: criterion.test({ prediction: pred, reference: ref, cleanPrediction: clean, target }),
    });
  }
  return {
    attack: f.attack,
    seed: opts.seed,
    budget: opts.budget,
    loss: opts.loss,
    targeted: !!opts.target,
    referenceKind: batch.referenceKind,
    raw: f.raw,
    adversarial,
    cleanMask,
    adversarialMask: advMask,
    trace: f.trace,
    iterations: f.iterations,
    ...(f.selection ? { selection: f.selection } : {}),
    ...(f.kept ? { kept: f.kept } : {}),
    success: metrics.map((m) => m.success),
    metrics,
    ms: performance.now() - f.started,
    provider: model.provider,
    gradientMode: f.gradients ? model.gradientMode : null,
  };
}
