/**
 * `vlsm-audit uap`: a universal adversarial perturbation trained on one split of a dataset and
 * evaluated on a disjoint split, next to uniform noise of the same budget (the control). Writes
 * uap.png (amplified δ), uap-delta.f32 (raw float32 [C,H,W], little-endian) and metrics.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  applyUniversal,
  createAttackModel,
  prepareBatch,
  toInterleaved,
  trainUniversal,
  uniformNoise,
  type AttackBatch,
  type ImageMetrics,
} from '../../engine/attacks/index.js';
import { loadDataset, splitIds } from '../../engine/data/dataset.js';
import { encodePng } from '../../engine/imaging/index.js';
import { bootstrapCi, successRate } from '../../engine/metrics/index.js';
import { loadModelPackage } from '../../engine/model/index.js';
import { action, parsePositiveInt, UsageError } from '../errors.js';
import { addModelDataFlags, addRuntimeFlags } from '../options.js';
import { prepareOutDir } from '../validate.js';
import { addAttackFlags, budgetFromFlags, datasetChunks, meanOf, r6, type BudgetFlags } from './attack.js';
import { resolvePrompt } from './eval.js';

interface UapCliOptions extends BudgetFlags {
  model: string;
  data: string;
  trainSplit: string;
  evalSplit: string;
  trainLimit?: number;
  limit?: number;
  prompt?: string;
  batch: number;
  out?: string;
  json?: boolean;
  provider: 'auto' | 'cpu' | 'cuda';
  threads?: number;
}

export function registerUap(program: Command): void {
  const cmd = program
    .command('uap')
    .description('universal perturbation: trained on one split, evaluated on a disjoint split beside uniform noise');
  addModelDataFlags(cmd)
    .option('--train-split <name>', 'split the perturbation is computed on', 'train')
    .option('--eval-split <name>', 'disjoint split it is evaluated on', 'test')
    .option('--train-limit <n>', 'first n training images', parsePositiveInt('train-limit'), 64)
    .option('--limit <n>', 'first n evaluation images', parsePositiveInt('limit'))
    .option('--prompt <key|text>', 'prompt key (p1) or text; default as in eval')
    .option('--batch <n>', 'images per gradient batch', parsePositiveInt('batch'), 8);
  addAttackFlags(cmd, undefined, { alpha: 'step size per update (default 1/255)', steps: 'epochs over the training images (default 5)' })
    .option('--out <dir>', 'write uap.png, uap-delta.f32 and metrics.json');
  addRuntimeFlags(cmd)
    .option('--json', 'print the summary as JSON')
    .action(action(runUap));
}

/** uap trains one δ by projected gradient ascent over epochs: these attack flags would be silently ignored. */
function refuseUnusedFlags(o: UapCliOptions): void {
  if (o.attack !== undefined && o.attack !== 'pgd' && o.attack !== 'pgd-l2') {
    throw new UsageError(`uap trains by projected gradient ascent, so --attack only chooses its threat model: pgd (L∞, the default) or pgd-l2 (L2), not "${o.attack}".`);
  }
  if ((o.restarts ?? 1) > 1) throw new UsageError('uap has no restarts (one δ is trained over --steps epochs); drop --restarts.');
  if (o.members !== undefined) throw new UsageError('--members is for --attack ensemble; uap has no ensemble members.');
  if (o.lastIterate) throw new UsageError('uap always keeps the δ of its last epoch; drop --last-iterate.');
}

async function runUap(o: UapCliOptions): Promise<void> {
  refuseUnusedFlags(o);
  const { budget, loss, seed } = budgetFromFlags({ ...o, attack: o.attack ?? 'pgd', steps: o.steps ?? 5, alpha: o.alpha ?? '1/255' });
  if (o.out) prepareOutDir(o.out);
  const pkg = await loadModelPackage(o.model);
  const ds = loadDataset(o.data);
  const prompt = resolvePrompt(ds, pkg, o.prompt);
  const trainIds = splitIds(ds, o.trainSplit).slice(0, o.trainLimit);
  const evalIds = splitIds(ds, o.evalSplit).slice(0, o.limit);
  const overlap = evalIds.filter((id) => new Set(trainIds).has(id));
  if (overlap.length) throw new UsageError(`Splits ${o.trainSplit} and ${o.evalSplit} share ${overlap.length} image(s) (e.g. ${overlap[0]}); choose disjoint splits.`);
  const model = await createAttackModel(pkg, { provider: o.provider, threads: o.threads });
  try {
    const prep = { channels: 3 as const, levels: 255 };
    const train: AttackBatch[] = [];
    for await (const items of datasetChunks(ds, trainIds, prompt.forImage, o.batch)) train.push(await prepareBatch(model, items, prep));
    const u = await trainUniversal(model, train, { budget, loss, seed });
    const uapMetrics: ImageMetrics[] = [];
    const noiseMetrics: ImageMetrics[] = [];
    for await (const items of datasetChunks(ds, evalIds, prompt.forImage, o.batch)) {
      const batch = await prepareBatch(model, items, prep);
      uapMetrics.push(...(await applyUniversal(model, batch, u.delta, { budget, loss, seed })).metrics);
      noiseMetrics.push(...(await uniformNoise(model, batch, { budget, loss, seed })).metrics);
    }
    const col = (ms: ImageMetrics[], f: (m: ImageMetrics) => number) => ms.map(f);
    const clean = col(uapMetrics, (m) => m.clean.dice);
    const adv = col(uapMetrics, (m) => m.adversarial.dice);
    const ci = (v: number[]) => {
      const c = bootstrapCi(v, { seed });
      return [r6(c.low), r6(c.high)];
    };
    const summary = {
      dataset: ds.name,
      train: { split: o.trainSplit, images: trainIds.length, epochs: budget.steps, updates: u.updates, lossPerEpoch: u.trace.map(r6) },
      eval: { split: o.evalSplit, images: evalIds.length },
      budget: { norm: budget.norm, eps: r6(budget.eps), eps255: r6(budget.eps * 255), alpha: r6(budget.alpha), units: budget.units },
      seed,
      clean: { dice: meanOf(clean), diceCi95: ci(clean), iou: meanOf(col(uapMetrics, (m) => m.clean.iou)) },
      uap: { dice: meanOf(adv), diceCi95: ci(adv), iou: meanOf(col(uapMetrics, (m) => m.adversarial.iou)), successRate: r6(successRate(clean, adv).rate) },
      noise: { dice: meanOf(col(noiseMetrics, (m) => m.adversarial.dice)), iou: meanOf(col(noiseMetrics, (m) => m.adversarial.iou)) },
      linf255: Math.max(...col(uapMetrics, (m) => m.perturbation.linf255)),
      ms: Math.round(u.ms),
    };
    if (o.out) {
      mkdirSync(o.out, { recursive: true });
      const { width: W, height: H } = model;
      let max = 0;
      for (const v of u.delta) max = Math.max(max, Math.abs(v));
      const amp = max > 0 ? 0.5 / max : 1;
      writeFileSync(join(o.out, 'uap.png'), encodePng({ width: W, height: H, channels: 3, data: toInterleaved(Float32Array.from(u.delta, (v) => 0.5 + v * amp), 3, W, H), levels: 255, source: { format: 'png' } }));
      writeFileSync(join(o.out, 'uap-delta.f32'), Buffer.from(u.delta.buffer, u.delta.byteOffset, u.delta.byteLength));
      const perImage = uapMetrics.map((m, i) => ({ id: m.id, clean: r6(m.clean.dice), uap: r6(m.adversarial.dice), noise: r6(noiseMetrics[i].adversarial.dice), linf255: m.perturbation.linf255 }));
      writeFileSync(join(o.out, 'metrics.json'), `${JSON.stringify({ tool: 'vlsm-audit uap', model: { name: pkg.manifest.name, sha256: pkg.sha256 }, prompt: prompt.describe, ...summary, uapPng: { mapping: 'grey = 0.5 + δ × amplification', amplification: r6(amp), shape: [3, H, W] }, perImage }, null, 2)}\n`);
    }
    if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      process.stdout.write(
        `Universal perturbation (${budget.norm}, ε = ${r6(budget.eps * 255)}/255) from ${trainIds.length} ${o.trainSplit} images of ${ds.name}, ` +
          `on ${evalIds.length} unseen ${o.evalSplit} images: Dice ${summary.clean.dice} → ${summary.uap.dice} (uniform noise: ${summary.noise.dice}); ` +
          `success rate ${summary.uap.successRate}\n`,
      );
  } finally {
    await model.dispose();
  }
}
