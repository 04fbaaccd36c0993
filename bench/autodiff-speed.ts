/**
 * Forward-only vs forward+loss+gradient time per iteration on CPU for the generated test models,
 * at 224² and 352², with 1 and 2 intra-op threads; also the gradient graph's node counts.
 * Not a test: numbers go to docs/autodiff.md.
 *
 *   npx tsc --outDir .cache/bench --module NodeNext --moduleResolution NodeNext --target ES2022 \
 *     --skipLibCheck --types node bench/autodiff-speed.ts && node .cache/bench/bench/autodiff-speed.js [--sizes 224,352] [--threads 1,2]
 */
import { buildGradientGraph, defaultFeed, rng, type FeedValue } from '../src/engine/autodiff/index.js';
import { encodeModel, type ModelProto } from '../src/engine/onnx/proto.js';
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
}
const text = { input_ids: [1, 8], attention_mask: [1, 8] };
const MODELS: Bench[] = [
  { name: 'test VLSM (FiLM CNN)', build: (s) => buildTestVlsm({ size: s }), shapes: (s) => ({ ...text, pixel_values: [1, 3, s, s] }) },
  { name: 'CLIPSeg-style ViT/16 d64', build: (s) => buildClipsegStyle({ size: s, patch: 16, dim: 64, heads: 4, reduce: 16 }), shapes: (s) => ({ ...text, pixel_values: [1, 3, s, s] }) },
  { name: 'U-Net tf2onnx w16', build: (s) => buildUnetTf2onnx({ size: s, width: 16 }), shapes: (s) => ({ pixel_values: [1, s, s, 3] }) },
];

async function timeRuns(bytes: Uint8Array, feeds: Record<string, FeedValue>, outputs: string[], t: number, reps: number): Promise<number> {
  const s = await createSession(bytes, { provider: 'cpu', optimization: 'all', threads: t }, 'bench');
  await s.run(feeds, outputs);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await s.run(feeds, outputs);
    times.push(performance.now() - t0);
  }
  await s.release();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const rows: string[] = ['| model | size | threads | forward ms | fwd+loss+grad ms | ratio | nodes fwd / loss / bwd |', '|---|---|---|---|---|---|---|'];
for (const m of MODELS) {
  for (const s of sizes) {
    const model = m.build(s);
    const g = buildGradientGraph(model, { loss: { kind: 'dicece' }, inputShapes: m.shapes(s) });
    const rand = rng(1);
    const feeds: Record<string, FeedValue> = {};
    for (const i of g.inputs) feeds[i.name] = defaultFeed(i.name, i.type, i.dims, rand);
    const fwdFeeds = Object.fromEntries(Object.entries(feeds).filter(([k]) => k !== 'mask'));
    for (const t of threads) {
      const reps = s > 256 ? 5 : 9;
      const fwd = await timeRuns(encodeModel(model), fwdFeeds, ['logits'], t, reps);
      const grad = await timeRuns(g.bytes, feeds, ['logits', 'loss', g.outputs.grad], t, reps);
      rows.push(`| ${m.name} | ${s}² | ${t} | ${fwd.toFixed(1)} | ${grad.toFixed(1)} | ${(grad / fwd).toFixed(2)}× | ${g.nodes.forward} / ${g.nodes.loss} / ${g.nodes.backward} |`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
  }
}
process.stdout.write(`${rows.join('\n')}\n`);
