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
    | { kind: 'balanced-bce' | 'js' }
    | { kind: 'masked-bce' | 'masked-spherical'; logitThreshold?: number }
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

const float = (c: GraphContext, cond: string) => c.op('Cast', [cond], { to: { i: DataType.FLOAT } });
const softplus = (c: GraphContext, v: string) => c.add2(c.op('Relu', [v]), c.op('Log', [c.add2(c.scalar(1), c.op('Exp', [c.neg(c.op('Abs', [v]))]))]));

/**
 * 0/1 mask of the pixels the masked losses keep (SEA, arXiv:2306.12941): those the model still gets
 * right (prediction σ(z) > threshold equals the reference). Targeted: those not yet at the target.
 * A step function of z: it carries no gradient (zero almost everywhere), as in the paper.
 */
function keptPixels(c: GraphContext, z: string, t: string, zt: number, targeted: boolean): string {
  const wrong = c.op('Abs', [c.sub(float(c, c.op('Greater', [z, c.scalar(zt)])), t)]);
  return targeted ? wrong : c.sub(c.scalar(1), wrong);
}

/**
 * Balanced BCE: per image, the mean BCE over reference-foreground pixels and the mean over background
 * pixels, averaged over the classes present — so a small lesion weighs as much as the background.
 * As weights of the BCE term (which divides by N): w = N/k·(t/n₁ + (1 − t)/n₀), n₁ = Σt, n₀ = N − n₁,
 * k = number of classes present.
 */
function balancedWeights(c: GraphContext, t: string): string {
  const axes = spatialAxes(c.dims(t));
  const n = axes.reduce((a, i) => a * c.dims(t)[i], 1);
  const n1 = c.reduce('ReduceSum', t, axes);
  const n0 = c.sub(c.scalar(n), n1);
  const k = c.add2(float(c, c.op('Greater', [n1, c.scalar(0)])), float(c, c.op('Greater', [n0, c.scalar(0)])));
  const atLeast1 = (v: string) => c.op('Max', [v, c.scalar(1)]);
  const perClass = c.add2(c.div(t, atLeast1(n1)), c.div(c.sub(c.scalar(1), t), atLeast1(n0)));
  return c.mul(c.div(perClass, k), c.scalar(n));
}

/**
 * Per-pixel terms written through q = σ(s·z), the probability of the reference class (s = 2t − 1), whose
 * derivative is dq/dz = s·q(1 − q). Both are averaged over all pixels of all images.
 *   Jensen–Shannon divergence between [1 − p, p] and the one-hot reference:
 *     JS(q) = log 2 + ½(q log q − (1 + q) log(1 + q)),  dJS/dq = ½ log(q / (1 + q))
 *   masked spherical score (negated, so ascent lowers it), m = kept pixels:
 *     S(q) = −m·q/r, r = √(q² + (1 − q)²),  dS/dq = −m(1 − q)/r³
 */
function probabilityTerm(c: GraphContext, z: string, t: string, kind: 'js' | 'masked-spherical', m: string | undefined, scale: number): Term {
  const s = c.sub(c.mul(t, c.scalar(2)), c.scalar(1));
  const sz = c.mul(z, s);
  const q = c.op('Sigmoid', [sz]);
  const onePlusQ = c.add2(c.scalar(1), q);
  let per: string;
  let dq: string;
  if (kind === 'js') {
    const logq = c.neg(softplus(c, c.neg(sz))); // log σ(sz), stable for large |z|
    const log1q = c.op('Log', [onePlusQ]);
    per = c.add2(c.scalar(Math.LN2), c.mul(c.scalar(0.5), c.sub(c.mul(q, logq), c.mul(onePlusQ, log1q))));
    dq = c.mul(c.scalar(0.5), c.sub(logq, log1q));
  } else {
    const oneMinusQ = c.sub(c.scalar(1), q);
    const r = c.op('Sqrt', [c.add2(c.mul(q, q), c.mul(oneMinusQ, oneMinusQ))]);
    per = c.neg(c.mul(m!, c.div(q, r)));
    dq = c.neg(c.mul(m!, c.div(oneMinusQ, c.mul(r, c.mul(r, r)))));
  }
  const dims = c.dims(z);
  const value = c.reduce('ReduceMean', per, dims.map((_, i) => i), false);
  const grad = c.mul(c.mul(dq, c.mul(s, c.mul(q, c.sub(c.scalar(1), q)))), c.scalar(scale / numel(dims)));
  return { value, grad };
}

/** The single term of the segmentation-attack losses (SEA's losses for one sigmoid channel). */
function segmentationTerm(c: GraphContext, z: string, t: string, w: string | undefined, cfg: LossConfig, scale: number): Term {
  const weightsTimes = (v: string) => (w ? c.mul(v, w) : v);
  if (cfg.kind === 'balanced-bce') return bce(c, z, t, weightsTimes(balancedWeights(c, t)), scale);
  if (cfg.kind === 'js') return probabilityTerm(c, z, t, 'js', undefined, scale);
  if (cfg.kind !== 'masked-bce' && cfg.kind !== 'masked-spherical') throw new GraphError(`Loss ${cfg.kind} is not a segmentation-attack loss.`);
  const m = keptPixels(c, z, t, cfg.logitThreshold ?? 0, !!cfg.targeted);
  return cfg.kind === 'masked-bce' ? bce(c, z, t, weightsTimes(m), scale) : probabilityTerm(c, z, t, 'masked-spherical', m, scale);
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
  else if (cfg.kind !== 'dice' && cfg.kind !== 'dicece') terms.push([segmentationTerm(c, logits, MASK_INPUT, w, cfg, sign), 1]);
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
