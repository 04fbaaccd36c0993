/**
 * `vlsm-audit attack --domain stored`: the attack changes the stored image itself — DICOM stored values
 * at native resolution (or a PNG/JPEG's 8-bit pixels at its own size) — through the whole preprocessing
 * chain (src/engine/attacks/domain). ε is given as 20su, 10HU or 2/255w and metrics.json states it in all
 * three units. Writes, at the image's own size: clean-mask.png, adv-mask.png, perturbation.png
 * (grey 0.5 + Δ·A), adversarial.png (PNG/JPEG input: exactly the stored adversarial pixels; DICOM: a
 * display rendering with the original window, for viewing) and metrics.json; `--export-dicom DIR` writes
 * DIR/adversarial.dcm (src/engine/imaging/dicom-export.ts) and DIR/predictions-seg.dcm, a DICOM SEG of the
 * clean and adversarial predictions over it (src/engine/imaging/dicom-seg.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { attackStored } from '../../engine/attacks/domain/attack-stored.js';
import { loadStoredImage, storedDeltaPanel, storedToRaster, unitScale } from '../../engine/attacks/domain/stored-image.js';
import { modelDomainUnits } from '../../engine/attacks/domain/model-equivalent.js';
import { exportStoredDicom, storedDerivation } from '../../engine/attacks/domain/stored-outputs.js';
import { allUnits, BudgetUnitError, defaultStoredEps, describeUnits, parseEps, type EpsSpec } from '../../engine/attacks/domain/units.js';
import { dice } from '../../engine/metrics/overlap.js';
import { encodeMaskPng, encodePng, loadMask } from '../../engine/imaging/index.js';
import { loadModelPackage } from '../../engine/model/index.js';
import { UsageError } from '../errors.js';
import { budgetFromFlags, r6, runNamedAttack, type BudgetFlags } from './attack.js';

export interface StoredCliOptions extends BudgetFlags {
  model: string;
  image: string;
  prompt: string;
  mask?: string;
  target?: string;
  out: string;
  json?: boolean;
  frame?: number;
  provider: 'auto' | 'cpu' | 'cuda';
  threads?: number;
  graphCache?: string;
  exportDicom?: string;
}

function eps(flag: string, text: string): EpsSpec {
  try {
    return parseEps(text);
  } catch (e) {
    if (e instanceof BudgetUnitError) throw new UsageError(`--${flag}: ${e.message}`);
    throw e;
  }
}

export async function runStoredAttack(o: StoredCliOptions): Promise<void> {
  const flags = budgetFromFlags({ ...o, eps: undefined, alpha: undefined });
  const { attack, budget, loss, seed } = flags;
  const bestIterate = (flags as { bestIterate?: boolean }).bestIterate;
  if (attack === 'square') throw new UsageError('--domain stored runs the gradient attacks (fgsm, pgd, pgd-l2, segpgd, cospgd); square is model-domain only.');
  if (o.units !== 'pixel') throw new UsageError('--units normalised belongs to the model domain; in the stored domain give ε as su, HU or k/255w.');
  const epsText = o.eps ?? defaultStoredEps(budget.norm);
  const epsGiven = eps('eps', epsText);
  const alphaGiven = o.alpha !== undefined ? eps('alpha', o.alpha) : undefined;
  const pkg = await loadModelPackage(o.model);
  const image = await loadStoredImage(o.image, o.frame ?? 0);
  if (o.exportDicom && image.format !== 'dicom') throw new UsageError(`--export-dicom needs a DICOM input; ${o.image} is ${image.format.toUpperCase()} (its adversarial.png is already the stored image).`);
  const atSize = async (file: string, what: string) => {
    const m = await loadMask(file);
    if (m.width !== image.width || m.height !== image.height) throw new UsageError(`${what} ${file} is ${m.width}×${m.height} but image ${o.image} is ${image.width}×${image.height}.`);
    return m;
  };
  const groundTruth = o.mask ? await atSize(o.mask, 'Mask') : undefined;
  const target = o.target === 'empty' ? 'empty' : o.target ? await atSize(o.target, 'Target') : undefined;
  const r = await attackStored(
    pkg,
    {
      image, prompt: o.prompt, norm: budget.norm, eps: epsGiven, alpha: alphaGiven, steps: budget.steps, restarts: budget.restarts,
      randomStart: budget.randomStart, seed, loss, groundTruth, target, bestIterate, attack: (m, b, opts) => runNamedAttack(attack, m, b, opts),
    },
    { provider: o.provider, threads: o.threads, graphCacheDir: o.graphCache },
  ).catch((e: unknown) => {
    throw e instanceof BudgetUnitError ? new UsageError(`--eps/--alpha: ${e.message}`) : e;
  });
  const res = r.result;
  const m = res.metrics[0];
  mkdirSync(o.out, { recursive: true });
  const { width: W, height: H } = image;
  writeFileSync(join(o.out, 'clean-mask.png'), encodeMaskPng(r.cleanMask));
  writeFileSync(join(o.out, 'adv-mask.png'), encodeMaskPng(r.adversarialMask));
  writeFileSync(join(o.out, 'adversarial.png'), encodePng(storedToRaster(image, r.adversarial)));
  const maxDelta = r.perturbation.linf.su;
  const amplification = maxDelta > 0 ? 0.5 / maxDelta : 1;
  const pert = storedDeltaPanel(image, r.clean, r.adversarial, amplification);
  writeFileSync(join(o.out, 'perturbation.png'), encodePng({ width: W, height: H, channels: 1, data: pert, levels: 255, source: { format: 'png' } }));

  const scale = unitScale(image);
  const epsLine = describeUnits(r.eps);
  const derivation = storedDerivation(pkg, r, { prompt: o.prompt, lossKind: loss.kind, seed });
  let exported: { path: string; sopInstanceUid: string; seriesInstanceUid: string; seg: string } | undefined;
  if (o.exportDicom) {
    const e = exportStoredDicom(pkg, image, r, o.prompt, derivation);
    mkdirSync(o.exportDicom, { recursive: true });
    const path = join(o.exportDicom, 'adversarial.dcm');
    writeFileSync(path, e.adversarial);
    const segPath = join(o.exportDicom, 'predictions-seg.dcm');
    writeFileSync(segPath, e.seg);
    exported = { path: resolve(path), sopInstanceUid: e.sopInstanceUid, seriesInstanceUid: e.seriesInstanceUid, seg: resolve(segPath) };
  }
  const units = (u: ReturnType<typeof allUnits>) => ({ su: r6(u.su), HU: u.HU === null ? null : r6(u.HU), modality: r6(u.modality), w255: r6(u.w255) });
  const refLabel = res.referenceKind === 'ground-truth' ? 'ground truth' : 'clean prediction';
  const summary = {
    domain: 'stored' as const,
    eps: units(r.eps),
    clean: { dice: r6(m.clean.dice), iou: r6(m.clean.iou) },
    adversarial: { dice: r6(m.adversarial.dice), iou: r6(m.adversarial.iou) },
    diceAdvVsClean: r6(dice(r.adversarialMask, r.cleanMask)),
    maxAbsDeltaStored: maxDelta,
    changedPixels: r.perturbation.changed,
    steps: res.iterations,
    ms: Math.round(res.ms),
  };
  const { domain: _domain, eps: _eps, steps: _steps, ...outcome } = summary;
  const metrics = {
    tool: 'vlsm-audit attack',
    domain: 'stored',
    domainNote: 'δ lives in the stored values at native resolution; the preprocessing chain (rescale, VOI window, resize, normalise) is inside the gradient graph',
    model: { name: pkg.manifest.name, version: pkg.manifest.version, dir: pkg.dir, sha256: pkg.sha256 },
    image: {
      path: o.image, format: image.format, width: W, height: H, channels: image.channels, frame: image.frame, modality: image.modality ?? null,
      storedRange: image.range, rescale: { slope: image.slope, intercept: image.intercept },
      window: image.window ? { ...image.window, function: image.voiFunction, from: image.windowFromFile ? 'file' : 'min/max of the clean image' } : null,
      photometric: image.format === 'dicom' ? (image.invert ? 'MONOCHROME1' : 'MONOCHROME2') : null,
    },
    prompt: o.prompt,
    attack: res.attack,
    targeted: res.targeted ? (o.target === 'empty' ? 'erase (empty mask)' : `inject ${o.target}`) : false,
    reference: res.referenceKind === 'ground-truth' ? `ground truth ${o.mask}` : 'clean prediction (no ground truth given)',
    resolution: { width: W, height: H, note: 'the image’s own size: every PNG here and the masks have it' },
    norm: budget.norm,
    eps: { given: epsText, ...units(r.eps), text: epsLine, note: budget.norm === 'linf' ? 'L∞: floored to whole stored units' : 'L2 radius of Δ stored' },
    alpha: units(r.alpha),
    unitScale: { slopeAbs: scale.slope, windowSpanModality: scale.span, hu: scale.hu },
    steps: budget.steps,
    restarts: budget.restarts,
    loss,
    seed,
    quantisation: 'integer stored values clipped to the representable range (BitsStored/PixelRepresentation); every metric is on them',
    ...outcome,
    iterations: res.iterations,
    perturbation: { linf: units(r.perturbation.linf), l2Su: r6(r.perturbation.l2Su), l2Modality: r6(r.perturbation.l2Modality), changedPixels: r.perturbation.changed },
    area: { clean: r6(m.clean.area), adversarial: r6(m.adversarial.area) },
    ...(m.targetDice !== undefined ? { targetDice: r6(m.targetDice) } : {}),
    success: res.success[0],
    successCriterion: res.targeted ? (o.target === 'empty' ? 'area ≤ 0.1 × clean area' : 'Dice with the target ≥ 0.5') : `Dice (vs ${refLabel}) ≤ 0.5 × clean Dice (clean Dice > 0)`,
    trace: res.trace.map((row) => r6(row[0])),
    ...((res as { selection?: unknown }).selection ? { selection: (res as { selection?: unknown }).selection } : {}),
    files: {
      adversarialPng: image.format === 'dicom' ? 'display rendering with the original window (viewing only; the stored values are in the exported DICOM)' : 'the adversarial image as stored (8-bit, the file’s own size)',
      perturbationPng: { mapping: 'grey = 0.5 + Δstored × amplification', amplification: r6(amplification) },
    },
    derivation,
    ...(exported ? { exportedDicom: exported } : {}),
    provider: res.provider,
  };
  writeFileSync(join(o.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, ...(exported ? { exportedDicom: exported.path } : {}) })}\n`);
  else {
    process.stdout.write(
      `${res.attack} in the stored domain on ${o.image} ("${o.prompt}") with ${pkg.manifest.name}: ε = ${epsLine}; Dice ${m.clean.dice.toFixed(4)} → ${m.adversarial.dice.toFixed(4)} (vs ${refLabel}); ` +
        `max |Δ stored| = ${maxDelta} su, ${r.perturbation.changed} pixels changed; ${res.iterations} steps, ${Math.round(res.ms)} ms; files in ${o.out}${exported ? `; DICOM ${exported.path}` : ''}\n`,
    );
  }
}

/** The model-domain budget in all three units for metrics.json (engine: attacks/domain/model-equivalent.ts). */
export async function modelDomainEps(imagePath: string, frame: number | undefined, eps: number, units: string): Promise<Record<string, unknown>> {
  if (units !== 'pixel') return { domain: 'model', epsUnits: { w255: null, su: null, HU: null, note: 'normalised units are per channel after (x − mean)/std; they have no single display or stored equivalent' } };
  const u = await modelDomainUnits(imagePath, frame ?? 0, eps);
  const n = (x: number | null) => (x === null ? null : r6(x));
  return { domain: 'model', epsUnits: { w255: r6(u.w255), su: n(u.su), HU: n(u.HU), ...(u.modality === null ? {} : { modality: r6(u.modality) }), note: u.note } };
}
