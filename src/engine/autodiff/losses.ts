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
import { numel } from './ir.js';

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

/** A loss term: its scalar value and its analytic gradient with respect to the logits (times `scale`). */
interface Term {
  value: string;
  grad: string;
}

/**
 * BCE with logits: softplus(z) − z·t, averaged (weighted when w); softplus(z) = max(z,0) + log(1+e^{−|z|})
 * (stable, and 4× faster in ORT than its Softplus kernel). The value is never differentiated node by
 * node — that form's kinks would give a wrong subgradient at z = 0 — the gradient is analytic:
 * scale·w·(σ(z) − t)/N.
 */
function bce(c: GraphContext, z: string, t: string, w: string | undefined, scale: number): Term {
  const softplus = c.add2(c.op('Relu', [z]), c.op('Log', [c.add2(c.scalar(1), c.op('Exp', [c.neg(c.op('Abs', [z]))]))]));
  const per = c.sub(softplus, c.mul(z, t));
  const dims = c.dims(z);
  const value = c.reduce('ReduceMean', w ? c.mul(per, w) : per, dims.map((_, i) => i), false);
  const g = c.mul(c.sub(c.op('Sigmoid', [z]), t), c.scalar(scale / numel(dims)));
  return { value, grad: w ? c.mul(g, w) : g };
}

/**
 * MONAI DiceLoss(sigmoid=True, squared_pred=False, batch=False): mean over the G images (× channels)
 * of f = 1 − (2I + nr)/D, I = Σpt, D = Σt + Σp + dr, p = σ(z).
 * Gradient: scale/G · p(1−p) · ((2I + nr)/D² − 2t/D), per-image factors computed once.
 */
function dice(c: GraphContext, z: string, t: string, nr: number, dr: number, scale: number): Term {
  const p = c.op('Sigmoid', [z]);
  const axes = spatialAxes(c.dims(z));
  const inter = c.reduce('ReduceSum', c.mul(p, t), axes);
  const denom = c.add2(c.add2(c.reduce('ReduceSum', t, axes), c.reduce('ReduceSum', p, axes)), c.scalar(dr));
  const num = c.add2(c.mul(inter, c.scalar(2)), c.scalar(nr));
  const f = c.sub(c.scalar(1), c.div(num, denom));
  const value = c.reduce('ReduceMean', f, c.dims(f).map((_, i) => i), false);
  const k = scale / numel(c.dims(f));
  const inv = c.op('Reciprocal', [denom]);
  const a = c.mul(c.mul(num, c.mul(inv, inv)), c.scalar(k)); // k·(2I+nr)/D²
  const b = c.mul(inv, c.scalar(2 * k)); // k·2/D
  const slope = c.mul(p, c.sub(c.scalar(1), p)); // σ'(z)
  return { value, grad: c.mul(slope, c.sub(a, c.mul(t, b))) };
}

/**
 * Appends the loss; declares the mask (and weights) inputs. Returns the scalar loss and its analytic
 * gradient with respect to the logits, from which the driver starts (cheaper than differentiating the
 * loss sub-graph node by node; the gradchecks verify it like any rule).
 */
export function appendLoss(c: GraphContext, logits: string, cfg: LossConfig): { loss: string; dLogits: string } {
  const lt = c.type(logits);
  if (lt.dtype !== DataType.FLOAT) throw new GraphError(`Logits ${logits} must be float32 to attach a loss.`);
  c.addInput(MASK_INPUT, { dtype: DataType.FLOAT, dims: [...lt.dims] });
  const w = cfg.weighted ? (c.addInput(WEIGHTS_INPUT, { dtype: DataType.FLOAT, dims: [...lt.dims] }), WEIGHTS_INPUT) : undefined;
  const sign = cfg.targeted ? -1 : 1;
  const terms: [Term, number][] = [];
  if (cfg.kind === 'bce') terms.push([bce(c, logits, MASK_INPUT, w, sign), 1]);
  else {
    const ld = cfg.kind === 'dice' ? 1 : cfg.lambdaDice ?? 1.5;
    terms.push([dice(c, logits, MASK_INPUT, cfg.smoothNr ?? 1e-5, cfg.smoothDr ?? 1e-5, sign * ld), ld]);
    if (cfg.kind === 'dicece') {
      const lc = cfg.lambdaCe ?? 1.0;
      terms.push([bce(c, logits, MASK_INPUT, w, sign * lc), lc]);
    }
  }
  const weighted = terms.map(([t, l]) => (l === 1 ? t.value : c.mul(t.value, c.scalar(l))));
  const loss = weighted.length === 1 ? weighted[0] : c.add2(weighted[0], weighted[1]);
  const dLogits = terms.length === 1 ? terms[0][0].grad : c.add2(terms[0][0].grad, terms[1][0].grad);
  return { loss: cfg.targeted ? c.neg(loss) : loss, dLogits };
}
