/**
 * Worst-case evaluation evidence (docs/attacks.md): per test image and model, PGD-40 (α = 2/255, DiceCE
 * λ = 1/1, seed 0) read at its last iterate and at its best iterate from ONE run (the best-iterate run
 * reports the last candidate through onCandidate), then the attack ensemble (DEFAULT_ENSEMBLE, 20 APGD
 * steps per member) whose first member, APGD with the soft Dice loss, runs on every image and gives the
 * APGD column.
 * Per image and member the Dice is recorded, to check that the ensemble is never weaker than any member.
 * The prompt is one text for every image (default "polyp", --prompt), as in the acceptance command.
 * Costs are counted by the model (image-gradient and image-forward passes) and timed on the wall clock.
 *
 *   npx tsc --outDir .cache/bench --module NodeNext --moduleResolution NodeNext --target ES2022 --strict \
 *     --skipLibCheck --types node bench/worst-case.ts && \
 *   nice -n 10 node .cache/bench/bench/worst-case.js --models resources/models/film-unet,resources/models/clipseg-tiny \
 *     --data ../shared/data/kvasir-seg --eps 4/255 --limit 100 --out /tmp/worst-case.jsonl
 *   node .cache/bench/bench/worst-case.js --summarise /tmp/worst-case.jsonl
 *
 * Results append to --out one JSON line per image; a rerun skips the (model, ε, image) already there.
 * Not a test (no timed assertions); the figures go to docs/attacks.md.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createAttackModel, DEFAULT_ENSEMBLE, ensemble, makeBudget, memberName, parseFraction, pgd, prepareBatch } from '../src/engine/attacks/index.js';
import { masksFromLogits } from '../src/engine/attacks/prepare.js';
import { loadDataset, splitIds } from '../src/engine/data/dataset.js';
import { loadImage, loadMask } from '../src/engine/imaging/index.js';
import { dice } from '../src/engine/metrics/overlap.js';
import { loadModelPackage } from '../src/engine/model/index.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};

interface Row {
  model: string;
  eps: string;
  id: string;
  clean: number;
  pgdLast: number;
  pgdBest: number;
  pgdBestStep: number;
  apgd: number;
  ensemble: number;
  member: string;
  members: Record<string, number>;
  passes: { pgd: { gradient: number; forward: number }; ensemble: { gradient: number; forward: number } };
  ms: { pgd: number; ensemble: number };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const robust = (v: number[], clean: number[]) => v.filter((d, i) => !(clean[i] > 0 && d <= 0.5 * clean[i])).length / v.length;

function summarise(file: string): void {
  const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.model} ${r.eps}`, [...(groups.get(`${r.model} ${r.eps}`) ?? []), r]);
  console.log('| model | ε | images | attack | mean Dice | broken (Dice ≤ ½ clean) | gradient passes / image | forward passes / image | wall s / image |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [key, g] of groups) {
    const [model, eps] = key.split(' ');
    const clean = g.map((r) => r.clean);
    const cell = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '—');
    const line = (name: string, d: number[], grad: number, fwd: number, ms: number) =>
      console.log(`| ${model} | ${eps} | ${g.length} | ${name} | ${mean(d).toFixed(4)} | ${(1 - robust(d, clean)).toFixed(2)} | ${cell(grad, 1)} | ${cell(fwd, 1)} | ${cell(ms / 1000, 1)} |`);
    line('clean', clean, 0, 1, 0);
    const pg = mean(g.map((r) => r.passes.pgd.gradient));
    const pf = mean(g.map((r) => r.passes.pgd.forward));
    const pm = mean(g.map((r) => r.ms.pgd));
    line('PGD-40 last iterate', g.map((r) => r.pgdLast), pg, pf, pm);
    line('PGD-40 best iterate (same run)', g.map((r) => r.pgdBest), pg, pf, pm);
    line(`APGD (${memberName(DEFAULT_ENSEMBLE[0])}, 20 steps: ensemble member 1)`, g.map((r) => r.apgd), NaN, NaN, NaN);
    line('ensemble (default, 20 steps per member)', g.map((r) => r.ensemble), mean(g.map((r) => r.passes.ensemble.gradient)), mean(g.map((r) => r.passes.ensemble.forward)), mean(g.map((r) => r.ms.ensemble)));
    const robustDice = g.map((r) => Math.min(r.pgdLast, r.pgdBest, r.apgd, r.ensemble));
    line('robust Dice (per-image minimum of the four)', robustDice, NaN, NaN, NaN);
    const weaker = g.filter((r) => Object.values(r.members).some((d) => d < r.ensemble)).length;
    const winners = new Map<string, number>();
    g.forEach((r) => winners.set(r.member, (winners.get(r.member) ?? 0) + 1));
    const worseThanLast = g.filter((r) => r.ensemble > r.pgdLast).length;
    const bestBelowLast = g.filter((r) => r.pgdBest < r.pgdLast).length;
    console.log(`\n${key}: images where a member beat the ensemble: ${weaker}; where the ensemble is above PGD-last: ${worseThanLast}; where PGD-best < PGD-last: ${bestBelowLast}; kept member: ${[...winners].map(([m, n]) => `${m} ${n}`).join(', ')}\n`);
  }
}

async function main(): Promise<void> {
  const sum = arg('summarise', '');
  if (sum) return summarise(sum);
  const models = arg('models', 'resources/models/film-unet').split(',');
  const ds = loadDataset(arg('data', '../shared/data/kvasir-seg'));
  const epsText = arg('eps', '4/255');
  const eps = parseFraction(epsText);
  const ids = splitIds(ds, 'test').slice(0, Number(arg('limit', '100')));
  const out = arg('out', '/tmp/worst-case.jsonl');
  const done = new Set(existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => { const r = JSON.parse(l) as Row; return `${r.model} ${r.eps} ${r.id}`; }) : []);
  const loss = { kind: 'dicece' as const, lambdaDice: 1, lambdaCe: 1 };
  // image by image over all models, so that a run cut short covers the same images for every model
  const loaded = await Promise.all(models.map(async (dir) => {
    const pkg = await loadModelPackage(dir);
    return { name: pkg.manifest.name, model: await createAttackModel(pkg, { provider: 'cpu' }) };
  }));
  for (const id of ids) {
    for (const { name, model } of loaded) {
      if (done.has(`${name} ${epsText} ${id}`)) continue;
      // one prompt for every image: gradient graphs have static shapes, so every distinct token count
      // would build (and hold) one more graph per loss
      const prompt = arg('prompt', 'polyp');
      const batch = await prepareBatch(model, [{ id, prompt, image: await loadImage(ds.imagePath(id)), mask: await loadMask(ds.maskPath(id)) }], { levels: 255 });
      const plane = batch.width * batch.height;
      const ref = { width: batch.width, height: batch.height, data: batch.reference };
      let pgdLast = NaN;
      const c0 = { ...model.counts };
      let t = performance.now();
      const p = await pgd(model, batch, {
        budget: makeBudget({ eps, alpha: 2 / 255, steps: 40 }),
        loss,
        seed: 0,
        onCandidate: (c) => {
          if (c.step === 40) pgdLast = dice({ width: batch.width, height: batch.height, data: masksFromLogits(c.logits, model.threshold).subarray(0, plane) }, ref);
        },
      });
      const pgdMs = performance.now() - t;
      const c1 = { ...model.counts };
      const members: Record<string, number> = {};
      t = performance.now();
      const e = await ensemble(model, batch, { budget: makeBudget({ eps, steps: 20 }), loss, seed: 0, onMember: (m, r) => (members[m] = r.metrics[0].adversarial.dice) });
      const ensMs = performance.now() - t;
      const c2 = { ...model.counts };
      const row: Row = {
        model: name,
        eps: epsText,
        id,
        clean: p.metrics[0].clean.dice,
        pgdLast,
        pgdBest: p.metrics[0].adversarial.dice,
        pgdBestStep: p.kept![0].step,
        apgd: members[memberName(DEFAULT_ENSEMBLE[0])],
        ensemble: e.metrics[0].adversarial.dice,
        member: e.kept![0].member ?? '',
        members,
        passes: { pgd: { gradient: c1.gradient - c0.gradient, forward: c1.forward - c0.forward }, ensemble: { gradient: c2.gradient - c1.gradient, forward: c2.forward - c1.forward } },
        ms: { pgd: Math.round(pgdMs), ensemble: Math.round(ensMs) },
      };
      appendFileSync(out, `${JSON.stringify(row)}\n`);
      console.log(`${name} ${id}: clean ${row.clean.toFixed(3)} pgd-last ${row.pgdLast.toFixed(3)} pgd-best ${row.pgdBest.toFixed(3)} apgd ${row.apgd.toFixed(3)} ensemble ${row.ensemble.toFixed(3)} (${row.member}) ${pgdMs.toFixed(0)}+${ensMs.toFixed(0)} ms`);
    }
  }
  for (const { model } of loaded) await model.dispose();
}

await main();
