/**
 * Dice and IoU of binary masks with MONAI's semantics (DiceMetric / MeanIoU, include_background=True,
 * ignore_empty=False by default):
 *   - ground truth non-empty: Dice = 2|P∩G| / (|P| + |G|), IoU = |P∩G| / |P∪G|;
 *   - ground truth empty: 1 when the prediction is empty too, else 0.
 * With `ignoreEmpty: true` an empty ground truth gives NaN ("no valid value"), never a silent 0.
 * Inputs are never mutated.
 */
export interface MaskView {
  width: number;
  height: number;
  /** 0 = background, anything else = foreground; row-major. */
  data: Uint8Array;
}

export interface OverlapOptions {
  /** MONAI's ignore_empty: empty ground truth → NaN instead of 1/0. Default false. */
  ignoreEmpty?: boolean;
}

export interface OverlapCounts {
  intersection: number;
  predicted: number;
  truth: number;
}

export function overlapCounts(pred: MaskView, gt: MaskView): OverlapCounts {
  if (pred.width !== gt.width || pred.height !== gt.height) {
    throw new Error(`Mask sizes differ: prediction ${pred.width}×${pred.height}, ground truth ${gt.width}×${gt.height}.`);
  }
  let intersection = 0;
  let predicted = 0;
  let truth = 0;
  const p = pred.data;
  const g = gt.data;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] !== 0;
    const b = g[i] !== 0;
    if (a) predicted++;
    if (b) truth++;
    if (a && b) intersection++;
  }
  return { intersection, predicted, truth };
}

function emptyTruth(c: OverlapCounts, opts: OverlapOptions): number {
  if (opts.ignoreEmpty) return Number.NaN;
  return c.predicted === 0 ? 1 : 0;
}

export function dice(pred: MaskView, gt: MaskView, opts: OverlapOptions = {}): number {
  const c = overlapCounts(pred, gt);
  if (c.truth === 0) return emptyTruth(c, opts);
  return (2 * c.intersection) / (c.predicted + c.truth);
}

export function iou(pred: MaskView, gt: MaskView, opts: OverlapOptions = {}): number {
  const c = overlapCounts(pred, gt);
  if (c.truth === 0) return emptyTruth(c, opts);
  return c.intersection / (c.predicted + c.truth - c.intersection);
}
