/**
 * `vlsm-audit prompts`: prompt robustness over a dataset split — every prompt variant (the dataset's
 * p1–p9, list entries included, or the model's prompts for the dataset) per image, the worst prompt per
 * image, and optionally the combination worst prompt × an image attack.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createAttackModel, prepareBatch, promptRobustness, type PromptRobustness } from '../../engine/attacks/index.js';
import { loadDataset, splitIds, type Dataset } from '../../engine/data/dataset.js';
import type { ModelPackage } from '../../engine/model/index.js';
import { loadModelPackage } from '../../engine/model/index.js';
import { action, parsePositiveInt, UsageError } from '../errors.js';
import { addModelDataFlags, addRuntimeFlags } from '../options.js';
import { prepareOutFile } from '../validate.js';
import { addAttackFlags, budgetFromFlags, datasetChunks, meanOf, r6, runNamedAttack, type BudgetFlags } from './attack.js';

interface PromptsCliOptions extends BudgetFlags {
  model: string;
  data: string;
  split: string;
  limit?: number;
  keys?: string;
  batch: number;
  out?: string;
  json?: boolean;
  provider: 'auto' | 'cpu' | 'cuda';
  threads?: number;
}

export function registerPrompts(program: Command): void {
  const cmd = program
    .command('prompts')
    .description('prompt robustness: every prompt variant per image, the worst prompt, optionally worst prompt × attack');
  addModelDataFlags(cmd)
    .option('--split <name>', 'train, val or test', 'test')
    .option('--limit <n>', 'only the first n images of the split', parsePositiveInt('limit'))
    .option('--keys <list>', 'prompt keys to try, e.g. p1,p2,p7 (default: all non-empty keys, or the model’s prompts)')
    .option('--batch <n>', 'images per batch', parsePositiveInt('batch'), 4);
  addAttackFlags(cmd)
    .option('--out <file>', 'write per-image results as JSON');
  addRuntimeFlags(cmd)
    .option('--json', 'print the summary as JSON')
    .action(action(runPrompts));
}

/** Per image: the labelled prompt variants to try. */
function variantsFor(ds: Dataset, pkg: ModelPackage, keys: string | undefined): { describe: string; forImage(id: string): { key: string; prompt: string }[] } {
  if (ds.hasPrompts) {
    const wanted = keys ? keys.split(',').map((k) => k.trim()) : ds.promptKeys.filter((k) => k !== 'p0');
    const unknown = wanted.filter((k) => !ds.promptKeys.includes(k));
    if (unknown.length) throw new UsageError(`Dataset ${ds.name} has no prompt key ${unknown.join(', ')} (keys: ${ds.promptKeys.join(', ')}).`);
    return {
      describe: `dataset keys ${wanted.join(', ')}`,
      forImage: (id) => wanted.flatMap((k) => ds.promptVariants(id, k).map((prompt, i, all) => ({ key: all.length > 1 ? `${k}.${i}` : k, prompt }))),
    };
  }
  if (keys) throw new UsageError(`Dataset ${ds.name} has no prompt keys; its prompts come from the model's manifest.`);
  const set = pkg.manifest.prompts[ds.name];
  if (!set) throw new UsageError(`Dataset ${ds.name} has no prompts and model ${pkg.manifest.name} lists none for it.`);
  const list = [set.default, ...set.variants].map((prompt, i) => ({ key: i === 0 ? 'default' : `variant${i}`, prompt }));
  return { describe: `model prompts for ${ds.name}`, forImage: () => list };
}

async function runPrompts(o: PromptsCliOptions): Promise<void> {
  const withAttack = o.attack !== undefined;
  const flags = budgetFromFlags({ ...o, attack: o.attack ?? 'pgd' });
  if (o.out) prepareOutFile(o.out, '--out', 'prompts.json');
  const pkg = await loadModelPackage(o.model);
  const ds = loadDataset(o.data);
  const variants = variantsFor(ds, pkg, o.keys);
  const ids = splitIds(ds, o.split).slice(0, o.limit);
  const model = await createAttackModel(pkg, { provider: o.provider, threads: o.threads });
  const results: (PromptRobustness & { keys: string[]; attacked?: number })[] = [];
  try {
    for await (const items of datasetChunks(ds, ids, (id) => variants.forImage(id)[0].prompt, o.batch)) {
      const batch = await prepareBatch(model, items, { levels: 255, channels: flags.budget.units === 'normalised' ? 3 : 'auto' });
      const lists = items.map((it) => variants.forImage(it.id!));
      const res = await promptRobustness(model, batch, lists.map((l) => l.map((v) => v.prompt)));
      let attacked: number[] | undefined;
      if (withAttack) {
        const r = await runNamedAttack(flags.attack, model, { ...batch, prompts: res.map((p) => p.worst.prompt) }, flags);
        attacked = r.metrics.map((m) => m.adversarial.dice);
      }
      res.forEach((p, b) => results.push({ ...p, keys: lists[b].map((v) => v.key), ...(attacked ? { attacked: attacked[b] } : {}) }));
      if (!o.json && process.stderr.isTTY) process.stderr.write(`\r${results.length}/${ids.length}`);
    }
  } finally {
    await model.dispose();
  }
  // mean Dice per prompt key over the images that have it
  const byKey = new Map<string, number[]>();
  for (const r of results) r.scores.forEach((s, i) => byKey.set(r.keys[i], [...(byKey.get(r.keys[i]) ?? []), s.dice]));
  const summary = {
    dataset: ds.name,
    split: o.split,
    images: results.length,
    prompts: variants.describe,
    reference: 'ground truth',
    perKey: Object.fromEntries([...byKey].map(([k, v]) => [k, meanOf(v)])),
    worstPromptDice: meanOf(results.map((r) => r.worst.dice)),
    bestPromptDice: meanOf(results.map((r) => r.best.dice)),
    meanSpread: meanOf(results.map((r) => r.spread)),
    ...(withAttack
      ? { worstPromptAttack: { attack: flags.attack, eps255: r6(flags.budget.eps * 255), units: flags.budget.units, steps: flags.budget.steps, seed: flags.seed, dice: meanOf(results.map((r) => r.attacked ?? NaN)) } }
      : {}),
  };
  if (o.out) writeFileSync(o.out, `${JSON.stringify({ tool: 'vlsm-audit prompts', model: { name: pkg.manifest.name, sha256: pkg.sha256 }, ...summary, perImage: results.map((r) => ({ id: r.id, worst: r.worst, best: r.best, spread: r6(r.spread), attacked: r.attacked })) }, null, 2)}\n`);
  if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(`${pkg.manifest.name} on ${results.length} ${o.split} images of ${ds.name} (${variants.describe}):\n`);
    for (const [k, v] of Object.entries(summary.perKey)) process.stdout.write(`  ${k.padEnd(10)} Dice ${v}\n`);
    process.stdout.write(`  worst prompt per image: Dice ${summary.worstPromptDice}; best: ${summary.bestPromptDice}\n`);
    if (summary.worstPromptAttack) process.stdout.write(`  worst prompt × ${flags.attack} (ε ${r6(flags.budget.eps * 255)}/255): Dice ${summary.worstPromptAttack.dice}\n`);
  }
}
