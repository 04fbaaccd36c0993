/**
 * `vlsm-audit attack`: one image + prompt → adversarial image at the resolution the attack ran at, with
 * the files that let anyone verify the budget from two PNGs (clean-input.png, adversarial.png) and the
 * predictions (clean-mask.png, adv-mask.png), an amplified perturbation.png and metrics.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  createAttackModel,
  DEFAULT_ENSEMBLE,
  ENSEMBLE_STEPS,
  LOSS_KINDS,
  memberName,
  prepareBatch,
  toInterleaved,
} from '../../engine/attacks/index.js';
import { resizeMask, type BatchItem } from '../../engine/attacks/prepare.js';
import type { Dataset } from '../../engine/data/dataset.js';
import { encodeMaskPng, encodePng, loadImage, loadMask } from '../../engine/imaging/index.js';
import { loadImageJob } from '../../engine/jobs/index.js';
import { loadModelPackage } from '../../engine/model/index.js';
import { action, parsePositiveInt, UsageError } from '../errors.js';
import { addRuntimeFlags } from '../options.js';
import { modelDomainEps, runStoredAttack } from './attack-stored.js';
import { prepareOutDir } from '../validate.js';
import { registerPrompts } from './prompts.js';
import { registerReproduce } from './reproduce.js';
import { registerUap } from './uap.js';

export {
  ATTACKS,
  budgetFromFlags,
  DEFAULT_ATTACK_LOSS,
  perturbationImage,
  runNamedAttack,
  type AttackName,
  type BudgetFlags,
} from '../../engine/attacks/settings.js';
import { ATTACKS, budgetFromFlags, DEFAULT_ATTACK_LOSS, perturbationImage, runNamedAttack, type BudgetFlags } from '../../engine/attacks/settings.js';


/** Help text of the flags whose defaults a command sets itself (uap: 1/255, 5 epochs). */
export interface AttackFlagHelp {
  alpha: string;
  steps: string;
}

/** Adds the budget/loss/seed options every attack command shares. */
export function addAttackFlags(cmd: Command, defaultAttack?: string, help: Partial<AttackFlagHelp> = {}): Command {
  return cmd
    .option('--attack <name>', `${ATTACKS.join(', ')}`, defaultAttack)
    .option('--eps <r>', 'radius: k/255 or a decimal (default 8/255; pgd-l2: 0.5)')
    .option('--alpha <r>', help.alpha ?? 'step size (default 2/255; pgd-l2: eps/5)')
    .option('--steps <n>', help.steps ?? `iterations (default 40), per ensemble member (default ${ENSEMBLE_STEPS}), or queries per image for square (default 1000)`, parsePositiveInt('steps'))
    .option('--restarts <n>', 'independent runs, the most damaging kept per image', parsePositiveInt('restarts'), 1)
    .option('--random-start', 'start from a random point of the ε-ball')
    .option('--units <u>', 'pixel (ε on the [0,1] image) or normalised (the paper’s convention)', 'pixel')
    .option('--loss <l>', `${LOSS_KINDS.join(', ')}; soft Dice by default: DiceCE ascent can trade true-positive loss for false-positive area and stall (docs/attacks.md)`, DEFAULT_ATTACK_LOSS)
    .option('--lambda-dice <w>', 'DiceCE weight of the Dice term', '1')
    .option('--lambda-ce <w>', 'DiceCE weight of the cross-entropy term', '1')
    .option('--seed <n>', 'seed of every random choice (recorded in the results)', '0')
    .option('--members <list>', `ensemble members <apgd|pgd>-<loss>[-prr], comma-separated (default ${DEFAULT_ENSEMBLE.map(memberName).join(',')})`)
    .option('--last-iterate', 'keep the last iterate of each restart instead of the best one (Madry’s PGD; gradient attacks of the PGD family)');
}

const r6 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x);

interface AttackCliOptions extends BudgetFlags {
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
  domain: string;
  exportDicom?: string;
}

/** attack, uap, prompts and reproduce (the dataset-level commands live in their own files). */
export function registerAttackCommands(program: Command): void {
  registerAttack(program);
  registerUap(program);
  registerPrompts(program);
  registerReproduce(program);
}

export function registerAttack(program: Command): void {
  const cmd = program
    .command('attack')
    .description('attack one image: writes clean-input.png, adversarial.png, clean-mask.png, adv-mask.png, perturbation.png, metrics.json')
    .requiredOption('--model <dir>', 'model package folder')
    .requiredOption('--image <file>', 'image file: PNG, JPEG or DICOM')
    .requiredOption('--prompt <text>', 'what to segment, e.g. "polyp"')
    .option('--mask <file>', 'ground-truth mask (default reference: the clean prediction)')
    .option('--target <empty|file>', 'targeted: "empty" erases the lesion; a mask file is injected')
    .requiredOption('--out <dir>', 'output folder');
  addAttackFlags(cmd, 'pgd')
    .option('--frame <n>', 'frame of a multi-frame DICOM (0-based)', (v) => Number(v));
  addRuntimeFlags(cmd)
    .option('--graph-cache <dir>', 'keep built gradient graphs here and reuse them (keyed by model sha256 and options)')
    .option('--domain <d>', 'model (δ on the model input) or stored (δ in the file’s stored values at native resolution; --eps as 20su, 10HU or 2/255w)', 'model')
    .option('--export-dicom <dir>', 'stored domain, DICOM input: write the adversarial image as DICOM (adversarial.dcm) into this folder')
    .option('--json', 'print {"clean":{"dice","iou"},"adversarial":{"dice","iou"},"linf255","l2","steps","ms"}')
    .action(action(runAttack));
}

async function runAttack(o: AttackCliOptions): Promise<void> {
  if (o.domain === 'stored') return runStoredAttack(o);
  if (o.domain !== 'model') throw new UsageError(`--domain must be model or stored, got "${o.domain}".`);
  if (o.exportDicom) throw new UsageError('--export-dicom needs --domain stored (a model-domain attack changes no stored value to export).');
  if (!['auto', 'cpu', 'cuda'].includes(o.provider)) throw new UsageError(`--provider must be auto, cpu or cuda, got "${o.provider}".`);
  const { attack, budget, loss, seed, members, bestIterate } = budgetFromFlags(o);
  prepareOutDir(o.out);
  const pkg = await loadModelPackage(o.model);
  // decoded in a job worker: a hostile file is bounded in time and memory (src/engine/jobs)
  const image = await loadImageJob(o.image, { frame: o.frame });
  const gt = o.mask ? await loadMask(o.mask) : undefined;
  if (gt && (gt.width !== image.width || gt.height !== image.height)) {
    throw new UsageError(`Mask ${o.mask} is ${gt.width}×${gt.height} but image ${o.image} is ${image.width}×${image.height}.`);
  }
  const model = await createAttackModel(pkg, { provider: o.provider, threads: o.threads, graphCacheDir: o.graphCache });
  try {
    // The PNGs written are 8-bit, so the attack quantises to the 8-bit lattice whatever the source.
    const batch = await prepareBatch(model, [{ image, mask: gt, prompt: o.prompt, id: o.image, spacingMm: image.source.pixelSpacingMm }], { levels: 255, channels: budget.units === 'normalised' ? 3 : 'auto' });
    let target: Uint8Array | undefined;
    if (o.target === 'empty') target = new Uint8Array(batch.width * batch.height);
    else if (o.target) target = resizeMask(await loadMask(o.target), batch.width, batch.height);
    const res = await runNamedAttack(attack, model, batch, { budget, loss, seed, target, members, bestIterate });
    const m = res.metrics[0];
    mkdirSync(o.out, { recursive: true });
    const { width: W, height: H, channels: C } = batch;
    const raster = (planar: Float32Array) => ({ width: W, height: H, channels: C, data: toInterleaved(planar, C, W, H), levels: 255, source: { format: 'png' as const } });
    const pert = perturbationImage(batch.x, res.adversarial);
    writeFileSync(join(o.out, 'clean-input.png'), encodePng(raster(batch.x)));
    writeFileSync(join(o.out, 'adversarial.png'), encodePng(raster(res.adversarial)));
    writeFileSync(join(o.out, 'perturbation.png'), encodePng(raster(pert.data)));
    writeFileSync(join(o.out, 'clean-mask.png'), encodeMaskPng({ width: W, height: H, data: res.cleanMask }));
    writeFileSync(join(o.out, 'adv-mask.png'), encodeMaskPng({ width: W, height: H, data: res.adversarialMask }));
    const summary = {
      clean: { dice: r6(m.clean.dice), iou: r6(m.clean.iou) },
      adversarial: { dice: r6(m.adversarial.dice), iou: r6(m.adversarial.iou) },
      linf255: r6(m.perturbation.linf255),
      l2: r6(m.perturbation.l2),
      steps: res.iterations,
      ms: Math.round(res.ms),
    };
    const metrics = {
      tool: 'vlsm-audit attack',
      ...(await modelDomainEps(o.image, o.frame, res.budget.eps, res.budget.units)),
      model: { name: pkg.manifest.name, version: pkg.manifest.version, dir: pkg.dir, sha256: pkg.sha256 },
      image: { path: o.image, width: image.width, height: image.height, channels: image.channels, levels: image.levels },
      prompt: o.prompt,
      attack: res.attack,
      targeted: res.targeted ? (o.target === 'empty' ? 'erase (empty mask)' : `inject ${o.target}`) : false,
      reference: res.referenceKind === 'ground-truth' ? `ground truth ${o.mask}` : 'clean prediction (no ground truth given)',
      resolution: { width: W, height: H, note: 'the model input size: the attack ran at this resolution and every PNG here has it' },
      budget: { ...res.budget, epsText: `${r6(res.budget.eps * 255)}/255`, units: res.budget.units },
      loss: res.loss,
      seed: res.seed,
      quantisation: '8-bit: adversarial.png holds exactly the evaluated image; ‖δ‖ is measured between clean-input.png and adversarial.png',
      ...summary,
      l2_255: r6(m.perturbation.l2255),
      changedFraction: r6(m.perturbation.l0),
      psnr: r6(m.psnr),
      ssim: r6(m.ssim),
      hd95: { clean: r6(m.clean.hd95), adversarial: r6(m.adversarial.hd95), unit: 'pixels at the model resolution; image diagonal when exactly one mask is empty' },
      ...(m.clean.hd95Mm !== undefined ? { hd95Mm: { clean: r6(m.clean.hd95Mm), adversarial: r6(m.adversarial.hd95Mm ?? NaN), unit: 'mm (DICOM pixel spacing scaled to the model resolution)' } } : {}),
      area: { clean: r6(m.clean.area), adversarial: r6(m.adversarial.area) },
      ...(m.targetDice !== undefined ? { targetDice: r6(m.targetDice) } : {}),
      preQuantisation: { dice: r6(m.preQuantisation.dice), iou: r6(m.preQuantisation.iou) },
      success: res.success[0],
      successCriterion: res.targeted ? (o.target === 'empty' ? 'area ≤ 0.1 × clean area' : 'Dice with the target ≥ 0.5') : 'Dice ≤ 0.5 × clean Dice (clean Dice > 0)',
      trace: res.trace.map((row) => r6(row[0])),
      ...(res.selection ? { selection: res.selection, kept: res.kept?.[0] } : {}),
      ...(members || attack.startsWith('ensemble') ? { members: (members ?? DEFAULT_ENSEMBLE).map(memberName) } : {}),
      perturbationPng: { mapping: 'grey = 0.5 + δ × amplification', amplification: r6(pert.amplification) },
      provider: res.provider,
      gradients: res.gradientMode,
    };
    writeFileSync(join(o.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    if (o.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      process.stdout.write(
        `${res.attack} on ${o.image} ("${o.prompt}") with ${pkg.manifest.name}: Dice ${m.clean.dice.toFixed(4)} → ${m.adversarial.dice.toFixed(4)}, ` +
          `IoU ${m.clean.iou.toFixed(4)} → ${m.adversarial.iou.toFixed(4)} (vs ${res.referenceKind === 'ground-truth' ? 'ground truth' : 'clean prediction'}); ` +
          `‖δ‖∞ = ${m.perturbation.linf255}/255, ‖δ‖₂ = ${m.perturbation.l2.toFixed(4)}; ${res.iterations} ${attack === 'square' ? 'queries' : 'steps'}, ${Math.round(res.ms)} ms; files in ${o.out}\n`,
      );
    }
  } finally {
    await model.dispose();
  }
}

/** Ground-truth items of a dataset split in chunks of `size` (images decoded per chunk, not all at once). */
export async function* datasetChunks(ds: Dataset, ids: readonly string[], promptFor: (id: string) => string, size: number): AsyncGenerator<BatchItem[]> {
  for (let i = 0; i < ids.length; i += size) {
    const chunk = ids.slice(i, i + size);
    yield Promise.all(chunk.map(async (id) => ({ id, prompt: promptFor(id), image: await loadImage(ds.imagePath(id)), mask: await loadMask(ds.maskPath(id)) })));
  }
}

/** Mean of finite values (NaN when none), rounded for reports. */
export function meanOf(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? r6(v.reduce((a, b) => a + b, 0) / v.length) : NaN;
}

export { r6 };
