/** Graph-level properties: errors, opset-correct forms, path pruning, folding, caching. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema } from 'onnx-buf';
import { describe, expect, test } from 'vitest';
import { GraphBuilder, int, ints } from '../../../src/engine/onnx/builder.js';
import { decodeModel, encodeModel } from '../../../src/engine/onnx/proto.js';
import { buildGradientGraph, cachedGradientGraph, GraphError, UnsupportedOpError } from '../../../src/engine/autodiff/index.js';
import { buildTestVlsm } from '../../fixtures/test-vlsm.js';
import { makeRunner } from './ort.js';
import { buildClipsegStyle } from '../../fixtures/models/clipseg-style.js';

const small = (opset: number, body: (b: GraphBuilder, x: string) => string, dims: (number | string)[] = [1, 2, 4, 4]) => {
  const b = new GraphBuilder('m');
  const x = b.input('pixel_values', 'float32', dims);
  b.output('logits', 'float32', []);
  b.outputs[0].type = undefined;
  b.op('Identity', [body(b, x)], {}, 'logits');
  return b.toModel(opset);
};
const nodesOf = (bytes: Uint8Array) => decodeModel(bytes).graph!.node;
const text = { input_ids: [1, 5], attention_mask: [1, 5] };

describe('buildGradientGraph', () => {
  test('one error lists every unsupported op type and node on the path', () => {
    const m = small(17, (b, x) => {
      const s = b.node('Atan', [x], {}, ['atan_out']);
      b.nodes[b.nodes.length - 1].name = 'encoder/atan';
      const h = b.op('Hardmax', [s[0]], { axis: int(-1) });
      b.nodes[b.nodes.length - 1].name = 'head/hardmax';
      return b.op('Add', [h, b.op('Acos', [x])]);
    });
    let err: unknown;
    try {
      buildGradientGraph(m, { loss: { kind: 'bce' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    const msg = (err as Error).message;
    for (const s of ['Atan', 'Hardmax', 'Acos', 'encoder/atan', 'head/hardmax']) expect(msg).toContain(s);
    expect((err as UnsupportedOpError).nodes).toHaveLength(3);
  });

  test('a node on the path whose shape cannot be inferred is reported with the reason', () => {
    const m = small(17, (b, x) => b.op('Reshape', [x, b.op('Cast', [b.op('Floor', [b.op('ReduceMax', [x], { keepdims: int(0), axes: ints([0, 1, 2, 3]) })])], { to: int(7) })]));
    expect(() => buildGradientGraph(m, { loss: { kind: 'bce' } })).toThrow(/Reshape: .*non-constant shape/);
  });

  test('ops off the path need no rule (text branch, shape sub-graphs)', () => {
    const m = small(17, (b, x) => b.op('Add', [x, b.op('Trilu', [b.constant(Float32Array.from({ length: 32 }, (_, i) => i), [2, 4, 4])])]));
    expect(() => buildGradientGraph(m, { loss: { kind: 'bce' } })).not.toThrow();
  });

  test('external-data models are rejected with a clear error', () => {
    const m = small(17, (b, x) => b.op('Mul', [x, b.constant(Float32Array.of(2), [1])]));
    const init = m.graph!.initializer[0];
    init.dataLocation = 1;
    init.externalData = [create(StringStringEntryProtoSchema, { key: 'location', value: 'weights.bin' })];
    expect(() => buildGradientGraph(m, { loss: { kind: 'bce' } })).toThrow(/external data.*single \.onnx/);
  });

  test('dynamic dims need inputShapes; opsets outside 13–20 are refused', () => {
    expect(() => buildGradientGraph(buildTestVlsm(), { loss: { kind: 'bce' } })).toThrow(/dynamic dimension.*inputShapes/);
    expect(() => buildGradientGraph(small(12, (_b, x) => x), { loss: { kind: 'bce' } })).toThrow(/opset 12/);
  });

  test.each([13, 17, 18, 20])('opset %i: reductions and splits use the forms that opset defines', (opset) => {
    const m = small(opset, (b, x) => b.op('Concat', [x, b.op('Relu', [x])], { axis: int(1) }));
    const nodes = nodesOf(buildGradientGraph(m, { loss: { kind: 'dicece' } }).bytes);
    for (const n of nodes) {
      const axesAttr = n.attribute.some((a) => a.name === 'axes');
      if (n.opType === 'ReduceSum') expect(axesAttr).toBe(false);
      if (n.opType === 'ReduceMean') expect(axesAttr).toBe(opset < 18);
      if (n.opType === 'Split') expect(n.attribute.some((a) => a.name === 'split')).toBe(false);
    }
    expect(nodes.some((n) => n.opType === 'Split')).toBe(true);
  });

  test('only nodes between pixel_values and the loss get backward nodes', () => {
    const g = buildGradientGraph(buildTestVlsm(), { loss: { kind: 'dicece' }, inputShapes: { ...text, pixel_values: [1, 3, 64, 64] } });
    expect(g.ops).not.toContain('Gather');
    expect(g.ops).not.toContain('MatMul'); // the text projection feeds FiLM but is not on the path
    const backward = nodesOf(g.bytes).slice(g.nodes.forward + g.nodes.loss);
    expect(backward.some((n) => ['Gather', 'Split'].includes(n.opType))).toBe(false);
    expect(g.outputs).toEqual({ logits: 'logits', loss: 'loss', grad: 'grad_pixel_values' });
  });

  test('shape sub-graphs are constant-folded; backward uses constant shapes only', () => {
    const g = buildGradientGraph(buildClipsegStyle(), { loss: { kind: 'dicece' }, inputShapes: { ...text, pixel_values: [1, 3, 32, 32] } });
    const types = nodesOf(g.bytes).map((n) => n.opType);
    for (const op of ['Shape', 'NonZero', 'Range']) expect(types).not.toContain(op);
    expect(g.folded).toBeGreaterThan(5);
    expect(g.nodes.backward).toBeLessThan(3 * g.nodes.forward);
  });

  test('un-broadcast happens by ReduceSum + Reshape to the static input shape', () => {
    const m = small(17, (b, x) => b.op('Mul', [x, b.op('ReduceMean', [x], { axes: ints([2, 3]) })]));
    const nodes = nodesOf(buildGradientGraph(m, { loss: { kind: 'bce' } }).bytes);
    expect(nodes.some((n) => n.opType === 'ReduceSum')).toBe(true);
    expect(nodes.map((n) => n.opType)).not.toContain('Shape');
  });

  test('MaxPool ties send the gradient to the first maximum of each window, as PyTorch does', async () => {
    const m = small(17, (b, x) => b.op('MaxPool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }), [1, 1, 4, 4]);
    const g = buildGradientGraph(m, { loss: { kind: 'bce' } });
    // windows: all equal | max twice (positions 1 and 2) | distinct | max at the last position
    const x = Float32Array.from([5, 5, 1, 3, 5, 5, 3, 0, 0, 2, 1, 0, 1, 0, 1, 4]);
    const run = await makeRunner(g.bytes);
    const r = await run({ pixel_values: { type: 'float32', data: x, dims: [1, 1, 4, 4] }, mask: { type: 'float32', data: new Float32Array(4), dims: [1, 1, 2, 2] } }, ['grad_pixel_values']);
    const nonzero = [...(r.grad_pixel_values.data as Float32Array)].map((v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0);
    expect(nonzero).toEqual([0, 3, 9, 15]);
  });

  test('gradient graphs are cached on disk by model sha256 and options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ad-cache-'));
    try {
      const bytes = encodeModel(small(17, (b, x) => b.op('Tanh', [x])));
      const a = cachedGradientGraph(bytes, { loss: { kind: 'dicece' } }, dir);
      const b = cachedGradientGraph(bytes, { loss: { kind: 'dicece' } }, dir);
      const c = cachedGradientGraph(bytes, { loss: { kind: 'dicece', lambdaDice: 1 } }, dir);
      expect([a.cacheHit, b.cacheHit, c.cacheHit]).toEqual([false, true, false]);
      expect(b.bytes).toEqual(a.bytes);
      expect(b.outputs).toEqual(a.outputs);
      expect(c.key).not.toBe(a.key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('errors name the problem (GraphError for a missing input)', () => {
    expect(() => buildGradientGraph(small(17, (_b, x) => x), { wrt: 'image', loss: { kind: 'bce' } })).toThrow(GraphError);
  });
});
