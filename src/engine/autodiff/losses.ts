/**
 * Loss sub-graphs appended after the logits. The ground-truth (or target) mask is a graph input of the
 * logits' shape, float 0/1; optional per-pixel weights (SegPGD/CosPGD) are another input.
 *
 * Sign convention: the `loss` output is always the objective the attack ASCENDS (x ← x + α·sign(∇)).
 * Untargeted: loss = L(logits, ground truth). Targeted (drive the mask toward `mask` = target):
 * loss = −L(logits, target), so ascending it minimises the distance to the target.
 */
import { DataType } from '../onnx/proto.js';
import type { GraphContext } from './context.js';
import { GraphError } from './errors.js';

export interface LossCommon {
  /** Drive the prediction toward the mask input instead of away from it (loss is negated). */
  targeted?: boolean;
  /** Adds a `pixel_weights` input (logits' shape) multiplying the per-pixel BCE term (SegPGD, CosPGD). */
  weighted?: boolean;
}
export type LossConfig = LossCommon &
  (
    | { kind: 'dicece'; lambdaDice?: number; lambdaCe?: number; smoothNr?: number; smoothDr?: number }
    | { kind: 'bce' }
    | { kind: 'dice'; smoothNr?: number; smoothDr?: number }
  );

export const MASK_INPUT = 'mask';
export const WEIGHTS_INPUT = 'pixel_weights';

/**
 * Axes of one image's pixels: MONAI reduces per image and channel, i.e. [2..] for [B,C,H,W] with C > 1;
 * with one channel ([B,H,W], [B,1,H,W], [B,H,W,1]) that equals reducing every non-batch axis.
 */
const spatialAxes = (dims: readonly number[]) => {
  const first = dims.length >= 4 && dims[1] > 1 ? 2 : 1;
  return dims.map((_, i) => i).filter((i) => i >= first);
};

/**
 * BCE with logits: softplus(z) − z·t, averaged (weighted when w). Softplus (stable in ORT) rather than
 * max(z,0) + log(1+e^{−|z|}): the latter's two kinks cancel in value but not in a subgradient at z = 0.
 */
function bce(c: GraphContext, z: string, t: string, w?: string): string {
  const per = c.sub(c.op('Softplus', [z]), c.mul(z, t));
  const all = c.dims(z).map((_, i) => i);
  return c.reduce('ReduceMean', w ? c.mul(per, w) : per, all, false);
}

/** MONAI DiceLoss(sigmoid=True, squared_pred=False, batch=False): mean over images of 1 − (2Σpt + nr)/(Σt + Σp + dr). */
function dice(c: GraphContext, z: string, t: string, nr: number, dr: number): string {
  const p = c.op('Sigmoid', [z]);
  const axes = spatialAxes(c.dims(z));
  const inter = c.reduce('ReduceSum', c.mul(p, t), axes, false);
  const denom = c.add2(c.add2(c.reduce('ReduceSum', t, axes, false), c.reduce('ReduceSum', p, axes, false)), c.scalar(dr));
  const f = c.sub(c.scalar(1), c.div(c.add2(c.mul(inter, c.scalar(2)), c.scalar(nr)), denom));
  return c.reduce('ReduceMean', f, c.dims(f).map((_, i) => i), false);
}

/** Appends the loss; declares the mask (and weights) inputs; returns the scalar loss value name. */
export function appendLoss(c: GraphContext, logits: string, cfg: LossConfig): string {
  const lt = c.type(logits);
  if (lt.dtype !== DataType.FLOAT) throw new GraphError(`Logits ${logits} must be float32 to attach a loss.`);
  c.addInput(MASK_INPUT, { dtype: DataType.FLOAT, dims: [...lt.dims] });
  const w = cfg.weighted ? (c.addInput(WEIGHTS_INPUT, { dtype: DataType.FLOAT, dims: [...lt.dims] }), WEIGHTS_INPUT) : undefined;
  let loss: string;
  switch (cfg.kind) {
    case 'bce':
      loss = bce(c, logits, MASK_INPUT, w);
      break;
    case 'dice':
      loss = dice(c, logits, MASK_INPUT, cfg.smoothNr ?? 1e-5, cfg.smoothDr ?? 1e-5);
      break;
    case 'dicece': {
      const d = dice(c, logits, MASK_INPUT, cfg.smoothNr ?? 1e-5, cfg.smoothDr ?? 1e-5);
      const ce = bce(c, logits, MASK_INPUT, w);
      loss = c.add2(c.mul(d, c.scalar(cfg.lambdaDice ?? 1.5)), c.mul(ce, c.scalar(cfg.lambdaCe ?? 1.0)));
      break;
    }
  }
  return cfg.targeted ? c.neg(loss) : loss;
}
