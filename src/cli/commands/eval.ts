/** `vlsm-audit eval`: clean Dice/IoU of a model over a dataset split. */
import type { Command } from 'commander';
import { loadDataset, splitIds, type Dataset } from '../../engine/data/dataset.js';
import { loadImage, loadMask } from '../../engine/imaging/index.js';
import { dice, iou, summarize } from '../../engine/metrics/index.js';
import { createSegmenter, loadModelPackage, type ModelPackage } from '../../engine/model/index.js';
import { action, parsePositiveInt, UsageError } from '../errors.js';
import { addModelDataFlags, addRuntimeFlags } from '../options.js';
import { round } from './segment.js';

interface EvalOptions {
  model: string;
  data: string;
  split: string;
  prompt?: string;
  limit?: number;
  batch: number;
  json?: boolean;
  provider: 'auto' | 'cpu' | 'cuda';
  threads?: number;
}

export function registerEval(program: Command): void {
  const cmd = program.command('eval').description('clean Dice/IoU of a model over a dataset split');
  addModelDataFlags(cmd)
    .option('--split <name>', 'train, val or test', 'test')
    .option('--prompt <key|text>', 'a prompt key of splits.json (p1) or literal text; default p1, or the model’s prompt for this dataset')
    .option('--limit <n>', 'only the first n images of the split', parsePositiveInt('limit'))
    .option('--batch <n>', 'images per inference batch', parsePositiveInt('batch'), 4);
  addRuntimeFlags(cmd)
    .option('--json', 'print {n, dice: {mean, std}, iou: {mean, std}, …}')
    .action(action(runEval));
}

/** How each image's prompt is chosen: a key of the dataset's prompts, or one literal text. */
export function resolvePrompt(ds: Dataset, pkg: ModelPackage, prompt: string | undefined): { describe: string; forImage(id: string): string } {
  const isKey = (p: string) => /^p\d+$/.test(p);
  if (prompt !== undefined && isKey(prompt)) {
    if (!ds.hasPrompts) throw new UsageError(`Dataset ${ds.name} has no prompt keys; pass the prompt as text.`);
    if (!ds.promptKeys.includes(prompt)) throw new UsageError(`Dataset ${ds.name} has no prompt key ${prompt} (keys: ${ds.promptKeys.join(', ')}).`);
    return { describe: `key ${prompt}`, forImage: (id) => ds.prompt(id, prompt) };
  }
  if (prompt !== undefined) return { describe: JSON.stringify(prompt), forImage: () => prompt };
  if (ds.hasPrompts && ds.promptKeys.includes('p1')) return { describe: 'key p1', forImage: (id) => ds.prompt(id, 'p1') };
  const fallback = pkg.manifest.prompts[ds.name]?.default;
  if (!fallback) throw new UsageError(`Dataset ${ds.name} has no prompts and model ${pkg.manifest.name} names no default prompt for it; pass --prompt.`);
  return { describe: JSON.stringify(fallback), forImage: () => fallback };
}

async function runEval(o: EvalOptions): Promise<void> {
  const pkg = await loadModelPackage(o.model);
  const ds = loadDataset(o.data);
  const prompt = resolvePrompt(ds, pkg, o.prompt);
  const ids = splitIds(ds, o.split).slice(0, o.limit);
  const seg = await createSegmenter(pkg, { provider: o.provider, threads: o.threads });
  const dices: number[] = [];
  const ious: number[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < ids.length; i += o.batch) {
      const chunk = ids.slice(i, i + o.batch);
      const images = await Promise.all(chunk.map((id) => loadImage(ds.imagePath(id))));
      const masks = await Promise.all(chunk.map((id) => loadMask(ds.maskPath(id))));
      const res = await seg.segment(images, chunk.map(prompt.forImage));
      res.forEach((r, k) => {
        dices.push(dice(r.mask, masks[k]));
        ious.push(iou(r.mask, masks[k]));
      });
      if (!o.json && process.stderr.isTTY) process.stderr.write(`\r${dices.length}/${ids.length}`);
    }
  } finally {
    await seg.dispose();
  }
  const ms = performance.now() - t0;
  const d = summarize(dices);
  const j = summarize(ious);
  const result = {
    n: ids.length,
    dice: { mean: round(d.mean, 6), std: round(d.std, 6), median: round(d.median, 6) },
    iou: { mean: round(j.mean, 6), std: round(j.std, 6), median: round(j.median, 6) },
    model: pkg.manifest.name,
    sha256: pkg.sha256,
    dataset: ds.name,
    split: o.split,
    prompt: prompt.describe,
    provider: seg.provider,
    ms: round(ms, 0),
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stdout.write(
      `${result.model} on ${ds.name}/${o.split} (n=${result.n}, prompt ${result.prompt}): ` +
        `Dice ${d.mean.toFixed(4)} ± ${d.std.toFixed(4)}, IoU ${j.mean.toFixed(4)} ± ${j.std.toFixed(4)} [${seg.provider}, ${(ms / 1000).toFixed(1)} s]\n`,
    );
  }
}
