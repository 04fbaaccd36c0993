/**
 * The work of one `attack:run` with domain "stored", in the same job worker as the model domain
 * (attack-compute.ts): δ lives in the file's stored values at native resolution and the attack is
 * attackStored (src/engine/attacks/domain) — the one stored-domain path the CLI's `attack --domain stored`
 * also runs. The answer keeps the model domain's fields, at the image's own size (display renderings with
 * the original's window, masks, δ in k/255 of the window), and adds `stored`: the adversarial stored values,
 * Δ in stored units, and the display chain, so the viewer shows the perturbed study with the original's
 * modality LUT and VOI. A DICOM input exports adversarial.dcm and predictions-seg.dcm as well.
 */
import { attackStored, type StoredAttackResult } from '../attacks/domain/attack-stored.js';
import { modelDomainUnits } from '../attacks/domain/model-equivalent.js';
import { loadStoredImage, storedToRaster, unitScale, type StoredImage } from '../attacks/domain/stored-image.js';
import { exportStoredDicom, signedDelta, storedDerivation } from '../attacks/domain/stored-outputs.js';
import { defaultStoredEps, describeUnits, parseEps, type EpsAllUnits, type EpsSpec } from '../attacks/domain/units.js';
import { runNamedAttack } from '../attacks/settings.js';
import { encodeMaskPng, encodePng, type BinaryMask } from '../imaging/index.js';
import { psnr, ssim } from '../metrics/image-quality.js';
import { loadModelPackage } from '../model/index.js';
import { beginAttack, loadReference, maskScores, r6, resultImages, stepProgress, type AttackJobArgs, type AttackJobResult, type ComputeContext } from './attack-compute.js';
import type { AttackResultInfo, CallResult } from './contract.js';
import type { EpsWithUnit, StoredResultInfo } from './stored-contract.js';

const b64 = (a: Float32Array | Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const units = (u: EpsAllUnits) => ({ su: r6(u.su), HU: u.HU === null ? null : r6(u.HU), modality: r6(u.modality), w255: r6(u.w255) });

/** The API's { value, unit } → units.ts EpsSpec ("255w" values are k of k/255w). */
export function toEpsSpec(e: EpsWithUnit): EpsSpec {
  return e.unit === '255w' ? { value: e.value / 255, unit: 'w' } : { value: e.value, unit: e.unit };
}

/** The model-domain ε (on the [0,1] display scale) in all three units, for the result's `epsUnits`. */
export async function modelEpsUnits(imagePath: string, frame: number, eps: number): Promise<AttackResultInfo['epsUnits']> {
  const u = await modelDomainUnits(imagePath, frame, eps);
  const n = (x: number | null) => (x === null ? null : r6(x));
  const text = u.su === null ? `${r6(u.w255)}/255 of the display` : describeUnits({ su: u.su, HU: u.HU, modality: u.modality ?? u.su, w255: u.w255 });
  return { su: n(u.su), HU: n(u.HU), modality: n(u.modality), w255: r6(u.w255), text, note: u.note };
}

/** What the viewer needs to display stored values like the original (also answered by `image:units`). */
export function displayChain(img: StoredImage): CallResult<'image:units'>['chain'] & object {
  return {
    format: img.format, modality: img.modality ?? null, range: img.range, rescale: { slope: img.slope, intercept: img.intercept },
    window: img.window ? { center: img.window.center, width: img.window.width } : null, windowFromFile: img.windowFromFile,
    voiFunction: img.voiFunction, invert: img.invert, levels: img.levels, scale: unitScale(img), width: img.width, height: img.height, channels: img.channels,
  };
}

/** Planar [C,H,W] display values in [0,1] of stored values (the engine's decode), for PSNR/SSIM. */
function displayPlanar(img: StoredImage, values: Float64Array): Float32Array {
  const r = storedToRaster(img, values);
  const plane = img.width * img.height;
  return Float32Array.from({ length: r.channels * plane }, (_, k) => r.data[(k % plane) * r.channels + Math.floor(k / plane)]);
}

export async function computeStoredAttack(job: AttackJobArgs, ctx: ComputeContext): Promise<AttackJobResult> {
  const { args, budget, loss, seed, bestIterate, attack, check } = beginAttack(job, ctx);
  ctx.progress('loading-model', `Loading model ${job.modelDir}`, 0);
  const pkg = await loadModelPackage(job.modelDir);
  check();
  ctx.progress('decoding', `Decoding the stored values of ${job.imagePath}`, 0);
  const image = await loadStoredImage(job.imagePath, args.frame ?? 0);
  const { gt, gtLabel } = await loadReference(job, { width: image.width, height: image.height });
  check();
  ctx.progress('building', 'Building the stored-domain gradient graph (preprocessing inside the graph)', 0);
  const r: StoredAttackResult = await attackStored(
    pkg,
    {
      image, prompt: args.prompt, norm: budget.norm, eps: args.eps ? toEpsSpec(args.eps) : parseEps(defaultStoredEps(budget.norm)),
      alpha: args.alpha ? toEpsSpec(args.alpha) : undefined, steps: budget.steps, restarts: budget.restarts, randomStart: budget.randomStart,
      seed, loss, groundTruth: gt, target: args.target === 'empty' ? 'empty' : undefined, bestIterate,
      attack: (m, b, o) => runNamedAttack(attack, m, b, o), onStep: stepProgress(ctx, budget.steps * budget.restarts), signal: ctx.signal,
    },
    { provider: args.provider ?? 'auto', threads: job.threads },
  );
  check();
  ctx.progress('scoring', 'Scoring clean and adversarial predictions', 1);
  return storedAnswer(job, pkg, image, r, { gt, gtLabel, lossKind: loss.kind, seed });
}

function storedAnswer(
  job: AttackJobArgs,
  pkg: Awaited<ReturnType<typeof loadModelPackage>>,
  image: StoredImage,
  r: StoredAttackResult,
  o: { gt: BinaryMask | undefined; gtLabel: string | null; lossKind: string; seed: number },
): AttackJobResult {
  const { args } = job;
  const res = r.result;
  const m = res.metrics[0];
  const { width: W, height: H, channels: C } = image;
  const scale = unitScale(image);
  const dStored = signedDelta(image, r);
  // per-pixel δ in k/255 of the window, the unit the compare grid's heat map and its legend use
  const toW255 = (255 * scale.slope) / scale.span;
  let maxAbs = 0;
  const dW = dStored.map((d) => {
    maxAbs = Math.max(maxAbs, Math.abs(d * toW255));
    return d * toW255;
  });
  const display = (v: Float64Array) => ({ ...storedToRaster(image, v), levels: 255 });
  const amplification = r.perturbation.linf.su > 0 ? 0.5 / r.perturbation.linf.su : 1;
  const mask = (d: Uint8Array) => encodeMaskPng({ width: W, height: H, data: d });
  const reference = o.gt ? Uint8Array.from(o.gt.data, (v) => (v ? 1 : 0)) : r.cleanMask.data;
  const files: Record<string, Uint8Array> = {
    'clean-input.png': encodePng(display(r.clean)),
    'adversarial.png': encodePng(display(r.adversarial)),
    'perturbation.png': encodePng({ width: W, height: H, channels: 1, data: dStored.map((d) => 0.5 + d * amplification), levels: 255, source: { format: 'png' } }),
    'clean-mask.png': mask(r.cleanMask.data),
    'adv-mask.png': mask(r.adversarialMask.data),
    'reference-mask.png': mask(reference),
  };
  const derivation = storedDerivation(pkg, r, { prompt: args.prompt, lossKind: o.lossKind, seed: o.seed });
  if (image.format === 'dicom') {
    const e = exportStoredDicom(pkg, image, r, args.prompt, derivation);
    files['adversarial.dcm'] = e.adversarial;
    files['predictions-seg.dcm'] = e.seg;
  }
  const cleanD = displayPlanar(image, r.clean);
  const advD = displayPlanar(image, r.adversarial);
  const l2 = r.perturbation.l2Modality / scale.span;
  const stored: StoredResultInfo = {
    ...displayChain(image),
    norm: r.norm, eps: units(r.eps), alpha: units(r.alpha),
    adversarialStored: b64(r.adversarial), delta: b64(dStored),
    linf: units(r.perturbation.linf), l2Su: r6(r.perturbation.l2Su), l2Modality: r6(r.perturbation.l2Modality), changed: r.perturbation.changed,
  };
  const info: AttackResultInfo = {
    resultId: '',
    createdAt: new Date().toISOString(),
    model: { dir: pkg.dir, name: pkg.manifest.name, version: pkg.manifest.version, sha256: pkg.sha256 },
    image: { path: job.imagePath, frame: args.frame ?? 0, width: W, height: H },
    groundTruth: o.gtLabel,
    prompt: args.prompt,
    attack: res.attack,
    targeted: args.target === 'empty' ? 'erase (empty mask)' : null,
    domain: 'stored',
    epsUnits: { ...units(r.eps), text: describeUnits(r.eps), note: r.norm === 'linf' ? 'stored domain, L∞: ε floored to whole stored units; max |Δ stored| ≤ ε su' : 'stored domain, L2: radius of Δ stored' },
    budget: { norm: r.norm, eps255: r6(r.eps.w255), alpha255: r6(r.alpha.w255), steps: res.budget.steps, restarts: res.budget.restarts, randomStart: res.budget.randomStart, units: 'stored' },
    seed: res.seed,
    provider: res.provider,
    width: W,
    height: H,
    channels: C,
    levels: image.levels,
    ...resultImages(files, res.referenceKind),
    perturbation: b64(dW),
    perturbationMax255: r6(maxAbs),
    metrics: {
      ...maskScores(m),
      linf255: r6(r.perturbation.linf.w255),
      l2: r6(l2),
      l2_255: r6(l2 * 255),
      changedFraction: r6(r.perturbation.changed / r.clean.length),
      psnr: r6(psnr(cleanD, advD, 1)),
      ssim: r6(ssim({ width: W, height: H, channels: C, data: cleanD }, { width: W, height: H, channels: C, data: advD }, 1)),
      success: res.success[0],
      successCriterion: res.targeted ? 'area ≤ 0.1 × clean area' : 'Dice ≤ 0.5 × clean Dice (clean Dice > 0)',
    },
    trace: res.trace.map((row) => r6(row[0])),
    steps: res.iterations,
    ms: Math.round(res.ms),
    stored,
  };
  const metricsJson = {
    tool: 'vlsm-audit attack:run',
    domainNote: 'δ lives in the stored values at native resolution; the preprocessing chain (rescale, VOI window, resize, normalise) is inside the gradient graph',
    resolution: { width: W, height: H, note: 'the image’s own size: every PNG here and the masks have it' },
    quantisation: 'integer stored values clipped to the representable range (BitsStored/PixelRepresentation); every metric is on them',
    displayMetrics: 'linf255, l2, PSNR and SSIM are on the display (k/255 of the window, [0,1]); stored.linf and stored.l2Su on the stored values',
    files: {
      adversarialPng: image.format === 'dicom' ? 'display rendering with the original window (viewing only; the stored values are in adversarial.dcm)' : 'the adversarial image as stored (the file’s own size)',
      perturbationPng: { mapping: 'grey = 0.5 + Δstored × amplification', amplification: r6(amplification) },
    },
    derivation,
    gradients: 'stored-domain graph (preprocessing inside)',
  };
  return { info, files, metricsJson };
}
