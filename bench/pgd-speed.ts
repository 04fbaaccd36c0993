/**
 * PGD-L∞ steps per second on CPU: our engine (fused PGD-step graph in ONNX Runtime) vs PyTorch eager
 * (Debian torch, bench/pgd-speed.py, the package's own weights through training/from_onnx.py) on the
 * same image, prompt, machine and run. `npm run bench` runs it on a fresh clone: the bundled packages
 * plus the real-size random-weight CLIPSeg (ViT-B/16, 352², bench/make-clipseg-b16.ts writes it to
 * .cache/models/clipseg-vit-b16 on first use). Not a test (no timed assertions); figures go to
 * docs/attacks.md.
 *
 *   npm run bench -- [--models resources/models/film-unet,…] [--no-b16] [--steps 20] [--b16-steps 4]
 *                    [--torch-configs 1x1,1x2,2x1,2x2]
 *
 * - Ours: the bare fused step (one session.run per iteration, x_next fed back) at 1 and 2 intra-op
 *   threads, and one forward pass (the step/forward ratio of issue 13).
 * - PyTorch: every torch.set_num_threads × OPENBLAS_NUM_THREADS pair in {1,2}² (they oversubscribe when
 *   both are 2); the best configuration, and the equal-threads ratios (ours at t threads vs PyTorch at
 *   t torch × t OpenBLAS threads, t = 1, 2) are shown. A reference-BLAS PyTorch is refused by
 *   pgd-speed.py (exit 3) and the bench stops with its message.
 * - No ratio unless PyTorch's clean loss equals ours (relative 1e-4): the same weights, or no comparison.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAttackModel, prepareBatch, toRgbPlanes } from '../src/engine/attacks/index.js';
import { loadDataset, splitIds } from '../src/engine/data/dataset.js';
import { loadImage, loadMask } from '../src/engine/imaging/index.js';
import { loadModelPackage } from '../src/engine/model/index.js';
import { CLIPSEG_B16_DIR, writeClipsegB16 } from './make-clipseg-b16.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const root = resolve('.');
const bundled = existsSync('resources/models') ? readdirSync('resources/models').map((d) => join('resources/models', d)).filter((d) => existsSync(join(d, 'model.onnx'))) : [];
const models = arg('models', '') ? arg('models', '').split(',') : [...bundled, ...(process.argv.includes('--no-b16') ? [] : [CLIPSEG_B16_DIR])];
const steps = Number(arg('steps', '20'));
const b16Steps = Number(arg('b16-steps', '4'));
const data = arg('data', resolve('..', 'shared', 'data'));
const python = process.env.VLSM_PYTHON ?? '/usr/bin/python3';
// torch threads × OpenBLAS threads; fewer configurations for a quick run, e.g. --torch-configs 1x1,1x2
const torchConfigs = arg('torch-configs', '1x1,1x2,2x1,2x2').split(',').map((c) => c.split('x').map(Number));
const eps = 8 / 255, alpha = 2 / 255;
const loss = { kind: 'dicece' as const, lambdaDice: 1, lambdaCe: 1 };

const ds = loadDataset(join(data, 'kvasir-seg'));
const id = splitIds(ds, 'test')[0];
const image = await loadImage(ds.imagePath(id));
const mask = await loadMask(ds.maskPath(id));
const rows: string[] = [];
const fmt = (v: number) => (Number.isNaN(v) ? '–' : v >= 10 ? v.toFixed(1) : v.toFixed(2));

interface TorchRun { it_per_s: number; forward_ms: number; clean_loss: number; torch: string; threads: number; blas_threads: string; blas: string }

for (const dir of models) {
  if (dir === CLIPSEG_B16_DIR && !existsSync(join(dir, 'model.onnx'))) {
    console.error(`writing the real-size CLIPSeg to ${dir} (once, ~1 min)…`);
    writeClipsegB16(dir);
  }
  const pkg = await loadModelPackage(dir);
  const n = dir === CLIPSEG_B16_DIR ? b16Steps : steps;
  const ours: Record<number, { it: number; fwdMs: number; loss: number }> = {};
  let inputsDir = '';
  for (const t of [1, 2]) {
    const model = await createAttackModel(pkg, { provider: 'cpu', threads: t });
    const batch = await prepareBatch(model, [{ image, mask, prompt: 'polyp', id }], { channels: 3, levels: 255 });
    const plane = model.width * model.height;
    const x0 = toRgbPlanes(batch.x, 1, 3, plane);
    const req = { xOrig: x0, batch: 1, prompts: ['polyp'], mask: batch.reference, loss, targeted: false, norm: 'linf' as const, eps, alpha };
    let x = x0;
    let cleanLoss = NaN;
    for (let i = 0; i < 2; i++) {
      const g = await model.gradient({ ...req, x });
      if (i === 0) cleanLoss = g.loss;
      x = g.xNext ?? x;
    }
    let t0 = performance.now();
    for (let i = 0; i < n; i++) x = (await model.gradient({ ...req, x })).xNext ?? x;
    const it = n / ((performance.now() - t0) / 1000);
    await model.forward(x0, 1, ['polyp']);
    t0 = performance.now();
    for (let i = 0; i < n; i++) await model.forward(x0, 1, ['polyp']);
    ours[t] = { it, fwdMs: (performance.now() - t0) / n, loss: cleanLoss };
    if (!inputsDir) {
      inputsDir = join(root, '.cache', 'bench', 'pgd-inputs', pkg.manifest.name);
      mkdirSync(inputsDir, { recursive: true });
      writeFileSync(join(inputsDir, 'x.bin'), Buffer.from(x0.buffer, x0.byteOffset, x0.byteLength));
      writeFileSync(join(inputsDir, 'mask.bin'), Buffer.from(Float32Array.from(batch.reference).buffer));
      const enc = pkg.tokenizer.encode(['polyp']);
      const { mean, std } = pkg.manifest.input;
      writeFileSync(join(inputsDir, 'inputs.json'), JSON.stringify({
        input_ids: [...enc.inputIds].map(Number), attention_mask: [...enc.attentionMask].map(Number),
        eps, alpha, mean, std, lambda_dice: loss.lambdaDice, lambda_ce: loss.lambdaCe, height: model.height, width: model.width,
      }));
    }
    console.error(`${pkg.manifest.name} ours ${t} thread(s): ${fmt(it)} it/s, forward ${ours[t].fwdMs.toFixed(0)} ms, clean loss ${cleanLoss.toFixed(6)}`);
    await model.dispose();
  }
  const torch: { cfg: string; r: TorchRun }[] = [];
  for (const [tt, bt] of torchConfigs) {
    const r = spawnSync(python, ['bench/pgd-speed.py', '--onnx', join(dir, 'model.onnx'), '--inputs', inputsDir, '--steps', String(n), '--warmup', n < 10 ? '1' : '2', '--threads', String(tt)], {
      encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: String(bt) },
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const out = last.startsWith('{') ? (JSON.parse(last) as TorchRun & { error?: string }) : undefined;
    if (r.status === 3 && out?.error) {
      console.error(`PyTorch refused: ${out.error}`);
      process.exit(3);
    }
    if (r.status !== 0 || !out) throw new Error(`bench/pgd-speed.py failed (${tt}×${bt}): ${r.stderr.trim().split('\n').pop()}`);
    console.error(`${pkg.manifest.name} PyTorch torch ${tt} × OpenBLAS ${bt}: ${fmt(out.it_per_s)} it/s, clean loss ${out.clean_loss.toFixed(6)} (${out.blas})`);
    torch.push({ cfg: `${tt}×${bt}`, r: out });
  }
  const same = torch.every(({ r }) => Math.abs(r.clean_loss - ours[1].loss) <= 1e-4 * Math.max(1, Math.abs(ours[1].loss)));
  const best = torch.reduce((a, b) => (b.r.it_per_s > a.r.it_per_s ? b : a));
  const at = (cfg: string) => torch.find((c) => c.cfg === cfg)?.r.it_per_s ?? NaN;
  const ratio = (a: number, b: number) => (same ? `${(a / b).toFixed(2)}×` : 'n/a (clean losses differ)');
  rows.push(
    `| ${pkg.manifest.name} | ${pkg.manifest.input.width}² | ${fmt(ours[1].it)} / ${fmt(ours[2].it)} | ${(1000 / ours[2].it / ours[2].fwdMs).toFixed(2)}× | ` +
      `${fmt(best.r.it_per_s)} (${best.cfg}) | ${fmt(at('1×1'))} / ${fmt(at('2×1'))} / ${fmt(at('2×2'))} | ` +
      `${ratio(ours[2].it, best.r.it_per_s)} | ${ratio(ours[1].it, at('1×1'))} / ${ratio(ours[2].it, at('2×2'))} | ${Math.abs(torch[0].r.clean_loss - ours[1].loss).toExponential(1)} |`,
  );
}
console.log(`PGD-L∞ steps/s on CPU (${new Date().toISOString().slice(0, 10)}, Kvasir-SEG ${id}, prompt "polyp", ε 8/255, α 2/255)`);
console.log('| model | input | ours it/s, 1 / 2 threads | ours step/forward (2 thr) | PyTorch best (torch×BLAS threads) | PyTorch 1×1 / 2×1 / 2×2 | ours 2 thr / PyTorch best | equal threads: 1 / 2 | \\|Δ clean loss\\| |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
