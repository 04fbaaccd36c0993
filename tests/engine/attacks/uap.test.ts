import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBudget } from '../../../src/engine/attacks/budget.js';
import type { AttackModel } from '../../../src/engine/attacks/model.js';
import { uniformNoise } from '../../../src/engine/attacks/noise.js';
import { prepareBatch } from '../../../src/engine/attacks/prepare.js';
import { applyUniversal, trainUniversal } from '../../../src/engine/attacks/uap.js';
import type { AttackBatch, LossSpec } from '../../../src/engine/attacks/types.js';
import { skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { realItems, testAttackModel } from './helpers.js';

const loss: LossSpec = { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 };
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe.skipIf(skipWithoutData)('universal perturbation: train split → disjoint test split (test VLSM)', () => {
  const tmp = tempDir();
  let model: AttackModel;
  let train: AttackBatch[];
  let test: AttackBatch;
  beforeAll(async () => {
    model = await testAttackModel(tmp.path);
    const strip = <T extends { mask?: unknown }>(it: T) => ({ ...it, mask: undefined });
    const tr = (await realItems('kvasir-seg', 12, 'polyp', 'train')).map(strip);
    train = [await prepareBatch(model, tr.slice(0, 6), { channels: 3 }), await prepareBatch(model, tr.slice(6), { channels: 3 })];
    test = await prepareBatch(model, (await realItems('kvasir-seg', 8, 'polyp', 'test')).map(strip), { channels: 3 });
  });
  afterAll(async () => {
    await model.dispose();
    tmp.remove();
  });

  it('example from the header: one δ inside the budget, trained and evaluated on disjoint images', async () => {
    const budget = makeBudget({ eps: 8 / 255, alpha: 1 / 255, steps: 4 });
    const u = await trainUniversal(model, train, { budget, loss, seed: 0 });
    expect(u.delta.length).toBe(3 * 64 * 64);
    expect(Math.max(...u.delta.map(Math.abs))).toBeLessThanOrEqual(8 / 255 + 1e-7);
    expect(u.updates).toBe(8);
    expect(u.trace[u.trace.length - 1]).toBeGreaterThan(u.trace[0]);
    const trainIds = new Set(train.flatMap((b) => b.ids ?? []));
    expect((test.ids ?? []).some((id) => trainIds.has(id))).toBe(false);
    const r = await applyUniversal(model, test, u.delta, { budget, loss, seed: 0 });
    const noise = await uniformNoise(model, test, { budget, loss, seed: 0 });
    for (const m of r.metrics) expect(m.perturbation.linf255).toBeLessThanOrEqual(8);
    // reported, not asserted beyond "it is an attack": the universal δ transfers better than noise
    expect(mean(r.metrics.map((m) => m.adversarial.dice))).toBeLessThan(mean(noise.metrics.map((m) => m.adversarial.dice)));
  });

  it('the same seed gives the same δ', async () => {
    const budget = makeBudget({ eps: 4 / 255, alpha: 1 / 255, steps: 2, randomStart: true });
    const a = await trainUniversal(model, train, { budget, loss, seed: 5 });
    const b = await trainUniversal(model, train, { budget, loss, seed: 5 });
    expect(Buffer.from(a.delta.buffer).equals(Buffer.from(b.delta.buffer))).toBe(true);
  });
});
