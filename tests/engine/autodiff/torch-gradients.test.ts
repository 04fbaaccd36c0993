/**
 * Gradients of the autodiff graph against PyTorch autograd on the same weights: the DiceCE gradient
 * fixtures that `python3 -m training.export` writes (float64 autograd, stored float32) for the bundled
 * models (resources/models/<m> + tests/fixtures/torch/<m>). Extra pairs can be given as
 * VLSM_TORCH_GRADIENTS="pkgDir:fixturesDir,…" (e.g. the packages `python3 -m training.smoke` exports).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGradientGraph, float64Twin } from '../../../src/engine/autodiff/index.js';
import { loadModelPackage } from '../../../src/engine/model/package.js';
import { decodeModel, encodeModel } from '../../../src/engine/onnx/proto.js';
import { repoRoot } from '../../helpers/data.js';
import { readF32, readIndex } from '../../training/torch-fixtures.js';
import { makeRunner } from './ort.js';

const modelsDir = join(repoRoot, 'resources', 'models');
const pairs: [string, string][] = [
  ...(existsSync(modelsDir) ? readdirSync(modelsDir) : [])
    .map((n): [string, string] => [join(modelsDir, n), join(repoRoot, 'tests', 'fixtures', 'torch', n)])
    .filter(([p, f]) => existsSync(join(p, 'model.onnx')) && existsSync(join(f, 'index.json'))),
  ...(process.env.VLSM_TORCH_GRADIENTS ?? '').split(',').filter(Boolean).map((s) => s.split(':') as [string, string]),
];

/** max |a − b| / ‖b‖∞ */
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, m = 0;
  for (let i = 0; i < b.length; i++) (d = Math.max(d, Math.abs(a[i] - b[i]))), (m = Math.max(m, Math.abs(b[i])));
  return d / m;
};

if (pairs.length === 0) console.warn('SKIP gradients vs PyTorch: no model in resources/models has fixtures in tests/fixtures/torch/<model>/index.json');
describe.skipIf(pairs.length === 0)('gradients vs PyTorch autograd fixtures', () => {
  it.each(pairs)('%s', async (pkgDir, fixtures) => {
    const pkg = await loadModelPackage(pkgDir);
    const index = readIndex(fixtures) as ReturnType<typeof readIndex> & { loss: { lambda_dice: number; lambda_ce: number } };
    const { io } = pkg.manifest;
    for (const g of index.gradients) {
      const item = index.items[g.item];
      const T = item.input_ids.length;
      const px = item.pixel_values;
      const gg = buildGradientGraph(pkg.modelBytes, {
        wrt: io.pixelValues,
        logits: io.logits,
        loss: { kind: 'dicece', lambdaDice: index.loss.lambda_dice, lambdaCe: index.loss.lambda_ce },
        inputShapes: { [io.pixelValues]: px.shape, [io.inputIds]: [1, T], ...(io.attentionMask ? { [io.attentionMask]: [1, T] } : {}) },
      });
      const mask = gg.inputs.find((i) => i.name === 'mask')!;
      const ids = { type: 'int64' as const, data: BigInt64Array.from(item.input_ids.map(BigInt)), dims: [1, T] };
      const am = { type: 'int64' as const, data: BigInt64Array.from(item.attention_mask.map(BigInt)), dims: [1, T] };
      const feeds32 = {
        [io.pixelValues]: { type: 'float32' as const, data: readF32(fixtures, px), dims: px.shape },
        [io.inputIds]: ids,
        ...(io.attentionMask ? { [io.attentionMask]: am } : {}),
        mask: { type: 'float32' as const, data: readF32(fixtures, g.target), dims: mask.dims },
      };
      const ref = readF32(fixtures, g.grad);
      const r32 = await (await makeRunner(gg.bytes, { level: 'all' }))(feeds32, ['loss', gg.outputs.grad]);
      const feeds64 = Object.fromEntries(Object.entries(feeds32).map(([k, v]) => [k, v.type === 'float32' ? { type: 'float64' as const, data: Float64Array.from(v.data as Float32Array), dims: v.dims } : v]));
      const twin = encodeModel(float64Twin(decodeModel(gg.bytes)));
      const r64 = await (await makeRunner(twin))(feeds64, ['loss', gg.outputs.grad]);
      const e32 = relErr(r32[gg.outputs.grad].data as Float32Array, ref);
      const e64 = relErr(r64[gg.outputs.grad].data as Float64Array, ref);
      console.log(`${pkg.manifest.name} ${item.id}: loss ${g.loss_value} (ours ${(r64.loss.data as Float64Array)[0]}), rel. error float32 ${e32.toExponential(2)}, float64 twin ${e64.toExponential(2)}`);
      expect((r64.loss.data as Float64Array)[0]).toBeCloseTo(g.loss_value, 5);
      expect(e64).toBeLessThan(1e-4);
      expect(e32).toBeLessThan(1e-3);
    }
    // The float64 twin of clipseg-tiny at 160² takes ~95 s alone on 2 cores (more beside other suites).
  }, 600_000);
  it('has fixtures to compare', () => expect(pairs.length).toBeGreaterThan(0));
});
