/**
 * PGD iterations per second on CPU: our engine (fused PGD-step graph in ONNX Runtime) vs PyTorch
 * (Debian torch, bench/pgd-speed.py) on the same weights, the same image and prompt, the same machine
 * and run. The ratio ours/PyTorch is the figure (goal ≥ 1.0, later ≥ 1.5). Not a test (no timed
 * assertions anywhere); numbers go to docs/attacks.md.
 *
 *   npx tsc --outDir .cache/bench --module NodeNext --moduleResolution NodeNext --target ES2022 --strict \
 *     --skipLibCheck --types node bench/pgd-speed.ts && \
 *   node .cache/bench/bench/pgd-speed.js [--models resources/models/film-unet] [--runs training/runs/film-unet] \
 *     [--threads 1,2] [--steps 20]
 *
 * Each model package needs its PyTorch checkpoint (training/runs/<name>/best.pt) for the comparison.
 * The engine is timed twice: the bare fused step (session.run per iteration, the graph's x_next fed
 * back) and the full attack loop (pgd(): loss trace, copies, the final quantised evaluation excluded).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createAttackModel, makeBudget, pgd, prepareBatch, toRgbPlanes } from '../src/engine/attacks/index.js';
import { loadDataset, splitIds } from '../src/engine/data/dataset.js';
import { loadImage, loadMask } from '../src/engine/imaging/index.js';
import { loadModelPackage } from '../src/engine/model/index.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const root = resolve('.');
const modelsArg = arg('models', '');
const models = modelsArg
  ? modelsArg.split(',')
  : existsSync('resources/models')
    ? readdirSync('resources/models').map((d) => join('resources/models', d)).filter((d) => existsSync(join(d, 'model.onnx')))
    : [];
const runs = arg('runs', '').split(',').filter(Boolean);
const threads = arg('threads', '1,2').split(',').map(Number);
const steps = Number(arg('steps', '20'));
const data = arg('data', resolve('..', 'shared', 'data'));
const eps = 8 / 255;
const alpha = 2 / 255;

if (models.length === 0) {
  console.log('No model packages (resources/models is empty); pass --models.');
  process.exit(0);
}

const ds = loadDataset(join(data, 'kvasir-seg'));
const id = splitIds(ds, 'test')[0];
const image = await loadImage(ds.imagePath(id));
const mask = await loadMask(ds.maskPath(id));
const rows: string[] = [];

for (const [k, dir] of models.entries()) {
  const pkg = await loadModelPackage(dir);
  const run = runs[k] ?? join('training', 'runs', basename(dir));
  for (const t of threads) {
    const model = await createAttackModel(pkg, { provider: 'cpu', threads: t });
    const batch = await prepareBatch(model, [{ image, mask, prompt: 'polyp', id }], { channels: 3, levels: 255 });
    const plane = model.width * model.height;
    const x0 = toRgbPlanes(batch.x, 1, 3, plane);
    const req = { xOrig: x0, batch: 1, prompts: ['polyp'], mask: batch.reference, loss: { kind: 'dicece' as const, lambdaDice: 1, lambdaCe: 1 }, targeted: false, norm: 'linf' as const, eps, alpha };
    // bare fused step
    let x = x0;
    let cleanLoss = NaN;
    for (let i = 0; i < 3; i++) {
      const g = await model.gradient({ ...req, x });
      if (i === 0) cleanLoss = g.loss;
      x = g.xNext ?? x;
    }
    let t0 = performance.now();
    for (let i = 0; i < steps; i++) x = (await model.gradient({ ...req, x })).xNext ?? x;
    const bare = steps / ((performance.now() - t0) / 1000);
    // full attack loop (pgd() also runs 3 forward passes for clean/adversarial/pre-quantisation metrics)
    t0 = performance.now();
    const r = await pgd(model, batch, { budget: makeBudget({ eps, alpha, steps }), loss: req.loss, seed: 0 });
    const loop = steps / ((performance.now() - t0) / 1000);
    // PyTorch on the same inputs
    let torchLine = 'no PyTorch checkpoint';
    let ratio = '';
    if (existsSync(join(run, 'best.pt'))) {
      const dirIn = join(root, '.cache', 'bench', 'pgd-inputs');
      mkdirSync(dirIn, { recursive: true });
      writeFileSync(join(dirIn, 'x.bin'), Buffer.from(x0.buffer, x0.byteOffset, x0.byteLength));
      const m = Float32Array.from(batch.reference);
      writeFileSync(join(dirIn, 'mask.bin'), Buffer.from(m.buffer));
      const enc = pkg.tokenizer.encode(['polyp']);
      writeFileSync(join(dirIn, 'inputs.json'), JSON.stringify({ input_ids: [...enc.inputIds].map(Number), attention_mask: [...enc.attentionMask].map(Number), eps, alpha }));
      const out = execFileSync('/usr/bin/python3', ['bench/pgd-speed.py', '--run', run, '--inputs', dirIn, '--steps', String(steps), '--threads', String(t)], { encoding: 'utf8' });
      const py = JSON.parse(out.trim().split('\n').pop()!) as { it_per_s: number; clean_loss: number; torch: string };
      torchLine = `${py.it_per_s.toFixed(2)} it/s (torch ${py.torch}); clean loss ${py.clean_loss.toFixed(6)} vs ORT ${cleanLoss.toFixed(6)}`;
      // Same weights or no comparison: a stale checkpoint (e.g. from before a retraining) gives another loss.
      const same = Math.abs(py.clean_loss - cleanLoss) <= 1e-4 * Math.max(1, Math.abs(cleanLoss));
      ratio = same ? (bare / py.it_per_s).toFixed(2) : `n/a: ${run}/best.pt is not this package's weights`;
    }
    rows.push(`| ${pkg.manifest.name} | ${model.width}×${model.height} | ${t} | ${bare.toFixed(2)} | ${loop.toFixed(2)} | ${torchLine} | ${ratio} | ${model.gradientMode} |`);
    console.error(rows[rows.length - 1], `(adv Dice ${r.metrics[0].adversarial.dice.toFixed(3)})`);
    await model.dispose();
  }
}
console.log('| model | input | threads | ours: fused step it/s | ours: pgd() loop it/s | PyTorch | ratio (fused/PyTorch) | gradients |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
