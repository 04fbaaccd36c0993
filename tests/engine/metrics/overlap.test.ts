import { describe, expect, it } from 'vitest';
import { dice, iou, summarize } from '../../../src/engine/metrics/index.js';

const mask = (rows: string[]) => ({
  width: rows[0].length,
  height: rows.length,
  data: Uint8Array.from(rows.join('').split(''), (c) => (c === '1' ? 1 : 0)),
});

describe('dice and iou (MONAI semantics)', () => {
  it('hand-computed overlap: |P|=4, |G|=3, |P∩G|=2', () => {
    const p = mask(['1100', '1100']);
    const g = mask(['0110', '0100']);
    expect(dice(p, g)).toBeCloseTo((2 * 2) / (4 + 3), 12);
    expect(iou(p, g)).toBeCloseTo(2 / 5, 12);
  });
  it('identical non-empty masks → 1', () => {
    const p = mask(['0110', '0110']);
    expect(dice(p, p)).toBe(1);
    expect(iou(p, p)).toBe(1);
  });
  it('disjoint masks → 0', () => {
    expect(dice(mask(['10']), mask(['01']))).toBe(0);
    expect(iou(mask(['10']), mask(['01']))).toBe(0);
  });
  it('both empty → 1', () => {
    expect(dice(mask(['00']), mask(['00']))).toBe(1);
    expect(iou(mask(['00']), mask(['00']))).toBe(1);
  });
  it('only ground truth empty → 0', () => {
    expect(dice(mask(['10']), mask(['00']))).toBe(0);
    expect(iou(mask(['10']), mask(['00']))).toBe(0);
  });
  it('prediction empty, ground truth not → 0', () => {
    expect(dice(mask(['00']), mask(['01']))).toBe(0);
  });
  it('ignoreEmpty: empty ground truth → NaN, excluded and counted by summarize', () => {
    const v = dice(mask(['10']), mask(['00']), { ignoreEmpty: true });
    expect(Number.isNaN(v)).toBe(true);
    const s = summarize([v, 0.5, 1]);
    expect(s).toMatchObject({ n: 3, valid: 2, mean: 0.75 });
    expect(s.std).toBeCloseTo(Math.sqrt(0.125), 12);
  });
  it('any non-zero value counts as foreground (255-valued masks)', () => {
    const p = { width: 2, height: 1, data: Uint8Array.from([255, 0]) };
    expect(dice(p, mask(['10']))).toBe(1);
  });
  it('mismatched sizes are an error naming both sizes', () => {
    expect(() => dice(mask(['10']), mask(['1', '0']))).toThrow(/2×1.*1×2/);
  });
  it('does not mutate inputs', () => {
    const p = mask(['1100']);
    const copy = Uint8Array.from(p.data);
    dice(p, mask(['0110']));
    expect(p.data).toEqual(copy);
  });
  it('summarize: no valid values → NaN with valid 0', () => {
    expect(summarize([NaN])).toMatchObject({ n: 1, valid: 0 });
    expect(Number.isNaN(summarize([]).mean)).toBe(true);
  });
});
