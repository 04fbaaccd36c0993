/**
 * attackStored: one attack in the stored domain — δ in the file's own stored values at native
 * resolution, integer-quantised, clipped to what BitsStored/PixelRepresentation can hold (PNG/JPEG: 8-bit
 * pixels at the file's size) — through any gradient attack of this engine (default PGD, the one base
 * loop with best-iterate tracking) run on the StoredAttackModel (stored-model.ts). The budget is given
 * in su, HU or k/255w and reported in all three (units.ts). This is the engine entry point the app API
 * (`attack:run` with a domain) and the CLI (`attack --domain stored`) call.
 *
 * L∞: ε is floored to whole stored units (a change of ε HU or ε/255w that is not a whole number of
 * stored steps cannot be stored) and max |Δ stored| ≤ ε_su holds exactly; L2: ‖Δ stored‖₂ ≤ ε_su.
 */
import type { BinaryMask } from '../../imaging/types.js';
import type { ModelPackage } from '../../model/package.js';
import { makeBudget } from '../budget.js';
import { masksFromLogits } from '../prepare.js';
import type { AttackModel, AttackModelOptions } from '../model.js';
import { pgd } from '../pgd.js';
import type { AttackBatch, AttackOptions, AttackResult, Budget, LossSpec, NormKind } from '../types.js';
import { createStoredAttackModel } from './stored-model.js';
import { unitScale, type StoredImage } from './stored-image.js';
import { allUnits, BudgetUnitError, toStoredUnits, type EpsAllUnits, type EpsSpec } from './units.js';

export type AttackFn = (model: AttackModel, batch: AttackBatch, opts: AttackOptions) => Promise<AttackResult>;

export interface StoredAttackRequest {
  image: StoredImage;
  prompt: string;
  norm: NormKind;
  eps: EpsSpec;
  /** Step size (default ε/4 in stored units). */
  alpha?: EpsSpec;
  steps?: number;
  restarts?: number;
  randomStart?: boolean;
  /** α per iteration (default constant) and early stopping (default off), as in the model domain. */
  schedule?: Budget['schedule'];
  earlyStop?: boolean;
  seed?: number;
  loss?: LossSpec;
  /** Ground truth at the image's size (default reference: the clean prediction). */
  groundTruth?: BinaryMask;
  /** Targeted: 'empty' erases the prediction; a mask at the image's size is injected. */
  target?: 'empty' | BinaryMask;
  /** Any gradient attack of the engine (default pgd); its name is reported. */
  attack?: AttackFn;
  bestIterate?: boolean;
  onStep?: AttackOptions['onStep'];
  signal?: AbortSignal;
}

export interface StoredPerturbation {
  /** max |Δ stored|, in su and the other two units. */
  linf: EpsAllUnits;
  /** ‖Δ stored‖₂ in su (and modality units). */
  l2Su: number;
  l2Modality: number;
  /** Pixels whose stored value changed. */
  changed: number;
}

export interface StoredAttackResult {
  domain: 'stored';
  norm: NormKind;
  /** The radius as given and in all three units (L∞: after flooring to whole stored units). */
  epsGiven: EpsSpec;
  eps: EpsAllUnits;
  alpha: EpsAllUnits;
  /** Stored values, planar [C,H,W]: the clean image and the adversarial one (integers in range). */
  clean: Float64Array;
  adversarial: Float64Array;
  /** Masks at the image's own size: what `segment` gives on the clean file and on the adversarial one. */
  cleanMask: BinaryMask;
  adversarialMask: BinaryMask;
  perturbation: StoredPerturbation;
  /** The engine's result (images there are in the attack variable x = (s − lo)/(hi − lo)). */
  result: AttackResult;
}

// soft Dice, as the CLI's attack default (DiceCE can stall by trading true positives for false-positive area)
const DEFAULT_LOSS: LossSpec = { kind: 'dice', lambdaDice: 1, lambdaCe: 1 };

export async function attackStored(pkg: ModelPackage, req: StoredAttackRequest, runtime: AttackModelOptions = {}): Promise<StoredAttackResult> {
  const img = req.image;
  const scale = unitScale(img);
  let epsSu = toStoredUnits(req.eps, scale);
  if (req.norm === 'linf') {
    epsSu = Math.floor(epsSu + 1e-9);
    if (epsSu < 1) throw new BudgetUnitError(`ε = ${req.eps.value}${req.eps.unit === 'w' ? ' (fraction of the window)' : ` ${req.eps.unit}`} is less than one stored unit of this image (${toStoredUnits(req.eps, scale).toPrecision(3)} su); give a larger ε.`);
  } else if (!(epsSu > 0)) throw new BudgetUnitError('ε must be greater than 0.');
  const alphaSu = req.alpha ? toStoredUnits(req.alpha, scale) : epsSu / 4;
  if (!(alphaSu > 0)) throw new BudgetUnitError('α must be greater than 0.');
  for (const m of [req.groundTruth, req.target]) {
    if (m && m !== 'empty' && (m.width !== img.width || m.height !== img.height)) throw new RangeError(`A mask is ${m.width}×${m.height} but the image is ${img.width}×${img.height}; give masks at the image's own size.`);
  }
  const model = await createStoredAttackModel(pkg, img, runtime);
  try {
    const span = model.span;
    const x = model.toUnit(img.values);
    const plane = img.width * img.height;
    const rgb = (v: Float32Array) => (img.channels === 3 ? v : Float32Array.from({ length: 3 * plane }, (_, i) => v[i % plane]));
    const cleanMask = masksFromLogits(await model.forward(rgb(x), 1, [req.prompt]), model.threshold);
    const batch: AttackBatch = {
      x, batch: 1, channels: img.channels, height: img.height, width: img.width, prompts: [req.prompt],
      reference: req.groundTruth ? Uint8Array.from(req.groundTruth.data, (v) => (v ? 1 : 0)) : cleanMask,
      referenceKind: req.groundTruth ? 'ground-truth' : 'clean-prediction',
      levels: span,
      spacingMm: [img.pixelSpacingMm],
      ids: [img.path ?? 'image'],
    };
    const target = req.target === 'empty' ? new Uint8Array(plane) : req.target ? Uint8Array.from(req.target.data, (v) => (v ? 1 : 0)) : undefined;
    const budget = makeBudget({ norm: req.norm, eps: epsSu / span, alpha: alphaSu / span, steps: req.steps ?? 40, restarts: req.restarts ?? 1, randomStart: !!req.randomStart, schedule: req.schedule ?? 'constant', earlyStop: !!req.earlyStop });
    const opts: AttackOptions = { budget, loss: req.loss ?? DEFAULT_LOSS, seed: req.seed ?? 0, target, onStep: req.onStep, signal: req.signal };
    if (req.bestIterate !== undefined) (opts as AttackOptions & { bestIterate?: boolean }).bestIterate = req.bestIterate;
    const result = await (req.attack ?? pgd)(model, batch, opts);
    const adversarial = model.toStored(result.adversarial);
    const perturbation = measure(img.values, adversarial, scale);
    // the engine's quantisation guarantees these; a violation is a bug, never a result to report
    if (req.norm === 'linf' && perturbation.linf.su > epsSu) throw new Error(`internal: max |Δ stored| ${perturbation.linf.su} exceeds ε ${epsSu} su`);
    if (adversarial.some((v) => v < img.range[0] || v > img.range[1])) throw new Error('internal: adversarial stored values outside the representable range');
    const mask = (d: Uint8Array): BinaryMask => ({ width: img.width, height: img.height, data: d });
    return {
      domain: 'stored', norm: req.norm, epsGiven: req.eps, eps: allUnits(epsSu, scale), alpha: allUnits(alphaSu, scale),
      clean: img.values, adversarial, cleanMask: mask(result.cleanMask), adversarialMask: mask(result.adversarialMask), perturbation, result,
    };
  } finally {
    await model.dispose();
  }
}

function measure(clean: Float64Array, adv: Float64Array, scale: ReturnType<typeof unitScale>): StoredPerturbation {
  let linf = 0;
  let sq = 0;
  let changed = 0;
  for (let i = 0; i < clean.length; i++) {
    const d = adv[i] - clean[i];
    if (d !== 0) changed++;
    linf = Math.max(linf, Math.abs(d));
    sq += d * d;
  }
  const l2Su = Math.sqrt(sq);
  return { linf: allUnits(linf, scale), l2Su, l2Modality: l2Su * scale.slope, changed };
}
