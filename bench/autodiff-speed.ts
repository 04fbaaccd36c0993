/**
 * Forward-only vs forward+loss+gradient time per iteration (fastest of interleaved runs; wall time and
 * process CPU time, which contention on a shared machine inflates less) on CPU for the generated test models,
 * at 224² and 352², with 1 and 2 intra-op threads; also the gradient graph's node counts.
 * Not a test: numbers go to docs/autodiff.md.
 *
 *   npx tsc --outDir .cache/bench --module NodeNext --moduleResolution NodeNext --target ES2022 \
 *     --skipLibCheck --types node bench/autodiff-speed.ts && node .cache/bench/bench/autodiff-speed.js \
 *     [--sizes 224,352] [--threads 1,2] [--package DIR …]
 */
import { buildGradientGraph, defaultFeed, rng, type FeedValue } from '../src/engine/autodiff/index.js';
import { decodeModel, encodeModel, type ModelProto } from '../src/engine/onnx/proto.js';
import { loadModelPackage } from '../src/engine/model/package.js';
import { createSession } from '../src/engine/runtime/ort-session.js';
import { buildTestVlsm } from '../tests/fixtures/test-vlsm.js';
import { buildClipsegStyle } from '../tests/fixtures/models/clipseg-style.js';
import { buildUnetTf2onnx } from '../tests/fixtures/models/unet-tf2onnx.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1] : def).split(',').map(Number);
};
const sizes = arg('sizes', '224,352');
const threads = arg('threads', '1,2');

interface Bench {
  name: string;
  build: (s: number) => ModelProto;
  shapes: (s: number) => Record<string, number[]>;
  /** Exported packages run at their own size only. */
  fixed?: number;
}
const text = { input_ids: [1, 8], attention_mask: [1, 8] };
/** --package DIR (repeatable): also time an exported model package at its own input size. */
const packages = process.argv.flatMap((a, i) => (a === '--package' ? [process.argv[i + 1]] : []));
const MODELS: Bench[] = [
  { name: 'test VLSM (FiLM CNN)', build: (s) => buildTestVlsm({ size: s }), shapes: (s) => ({ ...text, pixel_values: [1, 3, s, s] }) },
  { name: 'CLIPSeg-style ViT/16 d64', build: (s) => buildClipsegStyle({ size: s, patch: 16, dim: 64, heads: 4, reduce: 16 }), shapes: (s) => ({ ...text, pixel_values: [1, 3, s, s] }) },
  { name: 'U-Net tf2onnx w16', build: (s) => buildUnetTf2onnx({ size: s, width: 16 }), shapes: (s) => ({ pixel_values: [1, s, s, 3] }) },
];

/**
 * Runs forward and gradient sessions alternately (so both see the same machine load) and returns the
 * fastest run of each: on a shared machine the minimum is the least contended estimate.
 */
async function timePair(fwd: Uint8Array, grad: Uint8Array, feeds: Record<string, FeedValue>, gradOut: string[], t: number, reps: number): Promise<{ wall: number[]; cpu: number[] }> {
  const fwdFeeds = Object.fromEntries(Object.entries(feeds).filter(([k]) => k !== 'mask'));
  const a = await createSession(fwd, { provider: 'cpu', optimization: 'all', threads: t }, 'forward');
  const b = await createSession(grad, { provider: 'cpu', optimization: 'all', threads: t }, 'gradient');
  const wall = [Infinity, Infinity], cpu = [Infinity, Infinity];
  for (let i = 0; i <= reps; i++) {
    for (const [k, s, f, o] of [[0, a, fwdFeeds, ['logits']], [1, b, feeds, gradOut]] as const) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await s.run(f, o);
      const c = process.cpuUsage(c0);
      if (i === 0) continue; // warm-up
      wall[k] = Math.min(wall[k], performance.now() - t0);
      cpu[k] = Math.min(cpu[k], (c.user + c.system) / 1000);
    }
  }
  await a.release();
  await b.release();
  return { wall, cpu };
}

const rows: string[] = [
  '| model | size | threads | wall ms fwd / grad | wall ratio | CPU ms fwd / grad | CPU ratio | nodes fwd / loss / bwd |',
  '|---|---|---|---|---|---|---|---|',
];
for (const dir of packages) {
  const pkg = await loadModelPackage(dir);
  const { width, height } = pkg.manifest.input;
  const model = decodeModel(pkg.modelBytes);
  MODELS.push({ name: `${pkg.manifest.name} (package, ${width}×${height})`, build: () => model, shapes: () => ({ ...text, pixel_values: [1, 3, height, width] }), fixed: width });
}
for (const m of MODELS) {
  for (const s of m.fixed ? [m.fixed] : sizes) {
    const model = m.build(s);
    const g = buildGradientGraph(model, { loss: { kind: 'dicece' }, inputShapes: m.shapes(s) });
    const rand = rng(1);
    const feeds: Record<string, FeedValue> = {};
    for (const i of g.inputs) feeds[i.name] = defaultFeed(i.name, i.type, i.dims, rand);
    for (const t of threads) {
      const reps = s > 256 ? 12 : 20;
      const { wall, cpu } = await timePair(encodeModel(model), g.bytes, feeds, ['logits', 'loss', g.outputs.grad], t, reps);
      const ms = (v: number[]) => `${v[0].toFixed(1)} / ${v[1].toFixed(1)}`;
      rows.push(`| ${m.name} | ${s}² | ${t} | ${ms(wall)} | ${(wall[1] / wall[0]).toFixed(2)}× | ${ms(cpu)} | ${(cpu[1] / cpu[0]).toFixed(2)}× | ${g.nodes.forward} / ${g.nodes.loss} / ${g.nodes.backward} |`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
  }
}
process.stdout.write(`${rows.join('\n')}\n`);
