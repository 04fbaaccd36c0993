/**
 * The work of one `attack:run`, meant to run inside a job worker (src/engine/jobs): load the model (kept
 * warm for the worker's next job), decode the image and its ground truth, run the named attack with
 * progress per step, and return the answer plus the files an export writes. Attack kinds, budgets and
 * defaults come from src/engine/attacks/settings.ts, as for the CLI's `attack`, so both accept the same kinds.
 */
import { ATTACKS, budgetFromFlags, DEFAULT_ATTACK_LOSS, perturbationImage, runNamedAttack, type AttackName } from '../attacks/settings.js';
import { createAttackModel, prepareBatch, toInterleaved, type AttackModel } from '../attacks/index.js';
import { encodeMaskPng, encodePng, loadImage, type BinaryMask } from '../imaging/index.js';
import { loadModelPackage } from '../model/index.js';
import { loadCheckedMask, maskFromDataUrl } from '../study/mask-check.js';
import type { AttackResultInfo, ParsedArgs } from './contract.js';
import { computeStoredAttack, modelEpsUnits } from './attack-stored-compute.js';
import { ApiError } from './errors.js';

const pngUrl = (bytes: Uint8Array): string => `data:image/png;base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
export const r6 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x);

/** The images every attack:run answer carries (model and stored domain), from the files written for export. */
export function resultImages(files: Record<string, Uint8Array>, referenceKind: AttackResultInfo['referenceKind']) {
  return {
    cleanInput: pngUrl(files['clean-input.png']),
    adversarial: pngUrl(files['adversarial.png']),
    reference: pngUrl(files['reference-mask.png']),
    referenceKind,
    cleanMask: pngUrl(files['clean-mask.png']),
    adversarialMask: pngUrl(files['adv-mask.png']),
  };
}

type MaskScores = { dice: number; iou: number; hd95: number; area: number };
/** Clean and adversarial mask metrics, rounded as every answer rounds them. */
export function maskScores(m: { clean: MaskScores; adversarial: MaskScores; preQuantisation: { dice: number; iou: number } }) {
  const one = (x: MaskScores) => ({ dice: r6(x.dice), iou: r6(x.iou), hd95: r6(x.hd95), area: r6(x.area) });
  return { clean: one(m.clean), adversarial: one(m.adversarial), preQuantisation: { dice: r6(m.preQuantisation.dice), iou: r6(m.preQuantisation.iou) } };
}

export interface AttackJobArgs {
  args: ParsedArgs<'attack:run'>;
  /** Resolved, policy-checked paths. */
  modelDir: string;
  imagePath: string;
  maskPath: string | null;
  threads?: number;
}

export interface AttackJobResult {
  info: AttackResultInfo;
  files: Record<string, Uint8Array>;
  metricsJson: unknown;
}

/** Every attack kind with the defaults the CLI would use for it. */
export function listAttacks(): { name: string; norm: string; eps255: number; alpha255: number; steps: number }[] {
  return ATTACKS.map((name) => {
    const { budget } = budgetFromFlags({ attack: name, units: 'pixel', loss: DEFAULT_ATTACK_LOSS, lambdaDice: '1', lambdaCe: '1', seed: '0' });
    return { name, norm: budget.norm, eps255: r6(budget.eps * 255), alpha255: r6(budget.alpha * 255), steps: budget.steps };
  });
}

/** Plan the attack from the call's arguments (bad ones are `bad-args`, before any work). */
export function planAttack(args: ParsedArgs<'attack:run'>) {
  if (!(ATTACKS as readonly string[]).includes(args.attack)) {
    throw new ApiError('bad-args', `Unknown attack "${args.attack}"; choose one of ${ATTACKS.join(', ')}.`);
  }
  if (args.maskPath && args.maskPng) throw new ApiError('bad-args', 'Give the ground truth either as maskPath or as maskPng, not both.');
  const stored = args.domain === 'stored';
  // one budget per domain: k/255 of the model input, or a stored-domain radius with its unit
  if (stored && (args.eps255 !== undefined || args.alpha255 !== undefined)) throw new ApiError('bad-args', 'eps255/alpha255 are the model-domain budget; in the stored domain give eps (and alpha) as { value, unit: "su" | "HU" | "255w" }.');
  if (!stored && (args.eps !== undefined || args.alpha !== undefined)) throw new ApiError('bad-args', 'eps/alpha with a unit are the stored-domain budget; add domain: "stored", or give eps255/alpha255 for the model domain.');
  if (stored && args.attack === 'square') throw new ApiError('bad-args', 'The stored domain runs the gradient attacks; square is model-domain only.');
  try {
    return budgetFromFlags({
      attack: args.attack,
      eps: args.eps255 !== undefined ? `${args.eps255}/255` : undefined,
      alpha: args.alpha255 !== undefined ? `${args.alpha255}/255` : undefined,
      steps: args.steps,
      restarts: args.restarts ?? 1,
      randomStart: args.randomStart ?? false,
      units: 'pixel',
      loss: DEFAULT_ATTACK_LOSS,
      lambdaDice: '1',
      lambdaCe: '1',
      seed: String(args.seed ?? 0),
    });
  } catch (e) {
    throw new ApiError('bad-args', (e as Error).message);
  }
}

/** Attack models are costly to build (gradient graph); a worker keeps its last one for the next job. */
let warm: { key: string; model: Promise<AttackModel> } | null = null;
function getModel(dir: string, provider: 'auto' | 'cpu' | 'cuda', threads?: number): Promise<AttackModel> {
  const key = `${dir}\u0000${provider}\u0000${threads ?? ''}`;
  if (warm?.key !== key) {
    void warm?.model.then((m) => m.dispose()).catch(() => undefined);
    const model = loadModelPackage(dir).then((pkg) => createAttackModel(pkg, { provider, threads }));
    warm = { key, model };
    model.catch(() => {
      if (warm?.model === model) warm = null;
    });
  }
  return warm.model;
}

export interface ComputeContext {
  signal: AbortSignal;
  progress(stage: string, message: string, fraction?: number | null): void;
}

/** The ground truth of the call at the image's size: a mask file, a mask drawn from DICOM ground truth, or none. */
export async function loadReference(job: AttackJobArgs, size: { width: number; height: number }): Promise<{ gt: BinaryMask | undefined; gtLabel: string | null }> {
  if (job.maskPath) return { gt: await loadCheckedMask(job.maskPath, size), gtLabel: `mask file ${job.maskPath}` };
  if (job.args.maskPng) return { gt: maskFromDataUrl(job.args.maskPng, job.args.maskLabel ?? 'ground-truth mask', size), gtLabel: job.args.maskLabel ?? 'ground-truth mask drawn in the viewer' };
  return { gt: undefined, gtLabel: null };
}

/** Progress per attack step ("Step 3/40 · loss …"), as both domains report it. */
export function stepProgress(ctx: ComputeContext, total: number): (i: number, loss: number) => void {
  let done = 0;
  return (_i, l) => {
    done++;
    ctx.progress('attacking', `Step ${Math.min(done, total)}/${total} · loss ${l.toFixed(4)}`, Math.min(1, done / total));
  };
}

/** What both domains start with: the checked plan, and a cancel check to call between stages. */
export function beginAttack(job: AttackJobArgs, ctx: ComputeContext) {
  const plan = planAttack(job.args);
  const check = () => {
    if (ctx.signal.aborted) throw new ApiError('cancelled', 'The attack was cancelled; nothing was kept.');
  };
  return { args: job.args, budget: plan.budget, loss: plan.loss, seed: plan.seed, bestIterate: plan.bestIterate, attack: plan.attack as AttackName, check };
}

export async function computeAttack(job: AttackJobArgs, ctx: ComputeContext): Promise<AttackJobResult> {
  if (job.args.domain === 'stored') return computeStoredAttack(job, ctx);
  const { args, budget, loss, seed, attack, check } = beginAttack(job, ctx);

  ctx.progress('loading-model', `Loading model ${job.modelDir}`, 0);
  const model = await getModel(job.modelDir, args.provider ?? 'auto', job.threads);
  check();
  ctx.progress('decoding', `Decoding ${job.imagePath}`, 0);
  const image = await loadImage(job.imagePath, args.frame !== undefined ? { frame: args.frame } : undefined);
  const { gt, gtLabel } = await loadReference(job, { width: image.width, height: image.height });
  check();
  const batch = await prepareBatch(model, [{ image, mask: gt, prompt: args.prompt, id: job.imagePath, spacingMm: image.source.pixelSpacingMm }], { levels: 255 });
  const target = args.target === 'empty' ? new Uint8Array(batch.width * batch.height) : undefined;
  const res = await runNamedAttack(attack, model, batch, { budget, loss, seed, target, signal: ctx.signal, onStep: stepProgress(ctx, budget.steps * budget.restarts) });
  // An aborted attack returns what it has; a cancelled call must leave nothing, so it is discarded here.
  check();
  ctx.progress('scoring', 'Scoring clean and adversarial predictions', 1);

  const m = res.metrics[0];
  const { width: W, height: H, channels: C } = batch;
  const raster = (planar: Float32Array) => ({ width: W, height: H, channels: C, data: toInterleaved(planar, C, W, H), levels: 255, source: { format: 'png' as const } });
  const n = W * H;
  const delta = new Float32Array(n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += res.adversarial[c * n + i] - batch.x[c * n + i];
    delta[i] = (s / C) * 255;
    maxAbs = Math.max(maxAbs, Math.abs(delta[i]));
  }
  const files: Record<string, Uint8Array> = {
    'clean-input.png': encodePng(raster(batch.x)),
    'adversarial.png': encodePng(raster(res.adversarial)),
    'perturbation.png': encodePng(raster(perturbationImage(batch.x, res.adversarial).data)),
    'clean-mask.png': encodeMaskPng({ width: W, height: H, data: res.cleanMask }),
    'adv-mask.png': encodeMaskPng({ width: W, height: H, data: res.adversarialMask }),
    'reference-mask.png': encodeMaskPng({ width: W, height: H, data: batch.reference }),
  };
  const pkg = model.pkg;
  const successCriterion = res.targeted ? 'area ≤ 0.1 × clean area' : 'Dice ≤ 0.5 × clean Dice (clean Dice > 0)';
  const info: AttackResultInfo = {
    resultId: '',
    createdAt: new Date().toISOString(),
    model: { dir: pkg.dir, name: pkg.manifest.name, version: pkg.manifest.version, sha256: pkg.sha256 },
    image: { path: job.imagePath, frame: args.frame ?? 0, width: image.width, height: image.height },
    groundTruth: gtLabel,
    prompt: args.prompt,
    attack: res.attack,
    targeted: args.target === 'empty' ? 'erase (empty mask)' : null,
    domain: 'model',
    epsUnits: await modelEpsUnits(job.imagePath, args.frame ?? 0, res.budget.eps),
    budget: {
      norm: res.budget.norm,
      eps255: r6(res.budget.eps * 255),
      alpha255: r6(res.budget.alpha * 255),
      steps: res.budget.steps,
      restarts: res.budget.restarts,
      randomStart: res.budget.randomStart,
      units: res.budget.units,
    },
    seed: res.seed,
    provider: res.provider,
    width: W,
    height: H,
    channels: C,
    levels: batch.levels,
    ...resultImages(files, res.referenceKind),
    perturbation: Buffer.from(delta.buffer).toString('base64'),
    perturbationMax255: r6(maxAbs),
    metrics: {
      ...maskScores(m),
      linf255: r6(m.perturbation.linf255),
      l2: r6(m.perturbation.l2),
      l2_255: r6(m.perturbation.l2255),
      changedFraction: r6(m.perturbation.l0),
      psnr: r6(m.psnr),
      ssim: r6(m.ssim),
      success: res.success[0],
      successCriterion,
    },
    trace: res.trace.map((row) => r6(row[0])),
    steps: res.iterations,
    ms: Math.round(res.ms),
    stored: null,
  };
  const metricsJson = {
    tool: 'vlsm-audit attack:run',
    resolution: { width: W, height: H, note: 'the model input size: the attack ran at this resolution and every PNG here has it' },
    quantisation: '8-bit: adversarial.png holds exactly the evaluated image; ‖δ‖ is measured between clean-input.png and adversarial.png',
    gradients: res.gradientMode,
  };
  return { info, files, metricsJson };
}

/** The job-worker entry (src/engine/jobs/tasks.ts names it). */
export function attackTask(job: AttackJobArgs, ctx: ComputeContext): Promise<AttackJobResult> {
  return computeAttack(job, ctx);
}
