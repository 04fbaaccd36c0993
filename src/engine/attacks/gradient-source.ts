/**
 * Where a gradient attack gets its gradients and judges its candidates, as plain functions of the
 * attack-space image x ([B,C,H,W] in [0,1]). APGD (apgd.ts) and the ensemble run on this interface only,
 * so any differentiable pipeline can supply it: the model-input graph here (modelGradientSource), or a
 * graph that starts from the stored image and contains the preprocessing (the stored domain).
 */
import { predict } from './evaluate.js';
import { attackLoss } from './losses.js';
import { reduceRgbGradient, toRgbPlanes, type AttackModel } from './model.js';
import type { AttackBatch, LossSpec } from './types.js';

export interface GradientAt {
  /** ∂(objective)/∂x in attack space, [B,C,H,W]; each image's gradient is that of its own objective. */
  grad: Float32Array;
  /** Objective per image at x (the value the attack ascends; −L toward a target). */
  loss: Float64Array;
  /** Logits [B,H,W] at x. */
  logits: Float32Array;
}

export interface GradientSource {
  gradient(x: Float32Array, loss: LossSpec): Promise<GradientAt>;
  /** Logits [B,H,W] of x (judging quantised candidates). */
  logits(x: Float32Array): Promise<Float32Array>;
  /** Decision threshold on σ(logit). */
  readonly threshold: number;
}

/**
 * The model-input gradient graph as a gradient source. `mask` is the reference (untargeted) or the
 * target (targeted: the objective is −L(logits, target)).
 */
export function modelGradientSource(model: AttackModel, batch: AttackBatch, mask: Uint8Array, targeted: boolean): GradientSource {
  const { batch: B, channels: C, width: W, height: H } = batch;
  const plane = W * H;
  const x0rgb = toRgbPlanes(batch.x, B, C, plane);
  return {
    threshold: model.threshold,
    async gradient(x, loss) {
      // ε and α only feed the fused step output, which is not used here
      const g = await model.gradient({ x: toRgbPlanes(x, B, C, plane), xOrig: x0rgb, batch: B, prompts: batch.prompts, mask, loss, targeted, norm: 'linf', eps: 0, alpha: 0 });
      return { grad: reduceRgbGradient(g.grad, B, C, plane), logits: g.logits, loss: attackLoss(loss, { logits: g.logits, mask, batch: B, targeted, threshold: model.threshold }) };
    },
    logits: (x) => predict(model, batch, x),
  };
}
