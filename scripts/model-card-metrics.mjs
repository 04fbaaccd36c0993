#!/usr/bin/env node
// Measures a bundled model's clean test-split Dice/IoU with the TypeScript engine (`vlsm-audit eval`,
// the acceptance prompts of issue 4) and records them as `metrics.engine` in its vlsm.json, beside the
// PyTorch numbers the training pipeline wrote. Usage: node scripts/model-card-metrics.mjs resources/models/film-unet …
// (needs `npm run build:cli` and ../shared/data, or VLSM_DATA).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const data = process.env.VLSM_DATA ? resolve(process.env.VLSM_DATA) : resolve(root, '..', 'shared', 'data');
const runs = [
  ['kvasir-seg', 'p1'],
  ['busi', 'p1'],
  ['cxr-lungs', 'lungs'],
  ['ph2', 'skin lesion'],
];
for (const dir of process.argv.slice(2)) {
  const engine = {};
  for (const [dataset, prompt] of runs) {
    const out = execFileSync(process.execPath, [
      join(root, 'bin', 'vlsm-audit.js'), 'eval', '--model', dir, '--data', join(data, dataset),
      '--split', 'test', '--prompt', prompt, '--provider', 'cpu', '--json',
    ], { encoding: 'utf8' });
    const r = JSON.parse(out);
    engine[dataset] = { prompt: r.prompt, dice: r.dice.mean, iou: r.iou.mean, n: r.n };
    process.stdout.write(`${dir} ${dataset} (${r.prompt}): Dice ${r.dice.mean.toFixed(4)}, IoU ${r.iou.mean.toFixed(4)}, n=${r.n}\n`);
  }
  const file = join(dir, 'vlsm.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  m.metrics = { ...(m.metrics ?? {}), engine: { ...engine, _meta: { split: 'test', command: `node scripts/model-card-metrics.mjs ${dir}` } } };
  writeFileSync(file, `${JSON.stringify(m, null, 1)}\n`);
  writeCardSection(dir, m.metrics.pytorch ?? {}, engine);
}

/** Rewrites the model card's engine section (from "TypeScript-engine numbers" up to "## Limitations"). */
function writeCardSection(dir, pytorch, engine) {
  const card = join(dir, 'README.md');
  const text = readFileSync(card, 'utf8');
  const start = text.indexOf('TypeScript-engine numbers');
  const end = text.indexOf('## Limitations');
  if (start < 0 || end < start) throw new Error(`${card}: no engine section to rewrite`);
  let worst = 0;
  const rows = runs.map(([dataset, prompt]) => {
    const e = engine[dataset];
    const py = pytorch[dataset]?.dice;
    const diff = py === undefined ? undefined : Math.abs(e.dice - py);
    if (diff !== undefined) worst = Math.max(worst, diff);
    const shown = /^p\d+$/.test(prompt) ? `key ${prompt}` : `"${prompt}"`;
    return `| ${dataset} | ${shown} | ${e.dice.toFixed(4)} | ${e.iou.toFixed(4)} | ${py?.toFixed(4) ?? '—'} | ${diff?.toFixed(4) ?? '—'} | ${e.n} |`;
  });
  const section = [
    `TypeScript-engine numbers, measured with \`vlsm-audit eval --model ${dir} --data ../shared/data/<dataset> --split test --prompt <prompt>\``,
    `(all four at once: \`node scripts/model-card-metrics.mjs ${dir}\`, which also records them as \`metrics.engine\` in \`vlsm.json\` and writes this section):`,
    '',
    '| dataset | prompt | engine Dice | engine IoU | PyTorch Dice | abs. difference | n |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Largest engine–PyTorch difference: ${worst.toFixed(4)} (required ≤ 0.005; \`tests/training/bundled-eval.test.ts\` re-measures Kvasir in CI).`,
    "Left/right-lung Dice needs side-split masks, which only the Python pipeline derives; those rows are PyTorch's.",
    '',
    '',
  ].join('\n');
  writeFileSync(card, text.slice(0, start) + section + text.slice(end));
}
