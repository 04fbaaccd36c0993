/** Budget units: parsing, su ↔ HU ↔ k/255w on a CT window, PNG scale, and the errors users see. */
import { describe, expect, test } from 'vitest';
import { allUnits, BudgetUnitError, describeUnits, parseEps, toStoredUnits, windowSpan } from '../../../../src/engine/attacks/domain/units.js';

describe('budget units', () => {
  test('parse su, HU and k/255w (a bare fraction is a window fraction)', () => {
    expect(parseEps('20su')).toEqual({ value: 20, unit: 'su' });
    expect(parseEps(' 10 HU ')).toEqual({ value: 10, unit: 'HU' });
    expect(parseEps('10hu')).toEqual({ value: 10, unit: 'HU' });
    expect(parseEps('2/255w')).toEqual({ value: 2 / 255, unit: 'w' });
    expect(parseEps('8/255')).toEqual({ value: 8 / 255, unit: 'w' });
    expect(parseEps('0.5e-1w')).toEqual({ value: 0.05, unit: 'w' });
  });
  test('bad budgets are one clear sentence', () => {
    expect(() => parseEps('ten HU')).toThrow(BudgetUnitError);
    expect(() => parseEps('20 mm')).toThrow(/give a number with a unit, e\.g\. 20su, 10HU or 2\/255w/);
    expect(() => parseEps('2/255su')).toThrow(/fractions \(k\/255\) are for window units only/);
  });
  test('CT, slope 2, LINEAR window 40/400: 1/255w = 399/255 HU = 399/510 su, and back', () => {
    const s = { slope: 2, span: windowSpan(400, 'LINEAR'), hu: true };
    expect(s.span).toBe(399);
    expect(toStoredUnits({ value: 10, unit: 'HU' }, s)).toBe(5);
    expect(toStoredUnits({ value: 1 / 255, unit: 'w' }, s)).toBeCloseTo(399 / 510, 12);
    const all = allUnits(10, s);
    expect(all).toEqual({ su: 10, HU: 20, modality: 20, w255: (20 * 255) / 399 });
    expect(toStoredUnits({ value: all.w255 / 255, unit: 'w' }, s)).toBeCloseTo(10, 10);
    expect(describeUnits(all)).toBe('10 su = 20 HU = 12.782/255w');
  });
  test('LINEAR_EXACT and SIGMOID span the full width', () => {
    expect(windowSpan(400, 'LINEAR_EXACT')).toBe(400);
    expect(windowSpan(400, 'SIGMOID')).toBe(400);
  });
  test('8-bit PNG: su = k of k/255w, no HU', () => {
    const s = { slope: 1, span: 255, hu: false };
    expect(allUnits(2, s)).toEqual({ su: 2, HU: null, modality: 2, w255: 2 });
    expect(() => toStoredUnits({ value: 10, unit: 'HU' }, s)).toThrow(/needs a CT image/);
    expect(describeUnits(allUnits(2, s))).toBe('2 su = 2 modality units = 2/255w');
  });
});
