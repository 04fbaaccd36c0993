/**
 * The stored domain in the page, without a browser: the perturbed study gets the original's units
 * (modality LUT), window and inversion, Δ reads out in su and HU, and the attack panel's budget
 * conversion is the engine's (floored for L∞; HU only on CT).
 */
import { describe, expect, it } from 'vitest';
import type { FramePixelsInfo } from '../../../../src/engine/api/contract.js';
import type { StoredResultInfo } from '../../../../src/engine/api/stored-contract.js';
import { budgetView } from '../../../../src/renderer/src/lib/study/budget.js';
import { deltaAt, deltaLegend, storedViews } from '../../../../src/renderer/src/lib/study/stored-view.js';

const b64 = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
// a 3×2 CT frame: stored s, HU = 2·s − 1024, window 40/400, MONOCHROME1 to check inversion is kept
const clean = new Float64Array([500, 510, 520, 530, 540, 550]);
const adv = new Float64Array([503, 510, 517, 530, 541, 550]);
const frame: FramePixelsInfo = {
  path: '/x/ct.dcm', format: 'dicom', width: 3, height: 2, channels: 1, frame: 0, frames: 1,
  pixels: b64(Float32Array.from(clean, (s) => 2 * s - 1024)), min: -24, max: 76, units: 'HU',
  windows: [{ center: 40, width: 400, explanation: null }], autoWindow: { center: 26, width: 100 }, invert: true,
  pixelSpacingMm: [0.7, 0.5], transferSyntax: null, descriptor: null,
};
const units = (su: number) => ({ su, HU: 2 * su, modality: 2 * su, w255: (255 * 2 * su) / 399 });
const stored: StoredResultInfo = {
  format: 'dicom', modality: 'CT', range: [0, 4095], rescale: { slope: 2, intercept: -1024 }, window: { center: 40, width: 400 }, windowFromFile: true,
  voiFunction: 'LINEAR', invert: true, levels: 4095, scale: { slope: 2, span: 399, hu: true }, width: 3, height: 2, channels: 1, norm: 'linf',
  eps: units(3), alpha: units(0.75), adversarialStored: b64(adv), delta: b64(Float32Array.from(adv, (v, i) => v - clean[i])),
  linf: units(3), l2Su: Math.sqrt(19), l2Modality: 2 * Math.sqrt(19), changed: 3,
};

describe('storedViews: the perturbed study as the viewer shows the original', () => {
  it('same units (stored·slope + intercept), window, inversion and spacing as the original', () => {
    const v = storedViews(stored, frame);
    expect(Array.from(v.perturbed.data)).toEqual(Array.from(adv, (s) => 2 * s - 1024));
    expect(v.perturbed.window).toEqual(v.original.window);
    expect(v.perturbed.window).toEqual({ center: 40, width: 400 });
    expect([v.perturbed.invert, v.perturbed.units, v.perturbed.spacing]).toEqual([true, 'HU', [0.7, 0.5]]);
    expect([v.perturbed.width, v.perturbed.height]).toEqual([3, 2]);
    expect([v.perturbed.min, v.perturbed.max]).toEqual([-18, 76]);
    expect(Array.from(v.delta.data)).toEqual([3, 0, -3, 0, 1, 0]);
    expect(v.deltaMax).toBe(3);
  });

  it('Δ under the cursor in su and HU; the legend names both ends', () => {
    const d = storedViews(stored, frame).delta.data as Float32Array;
    expect(deltaAt(stored, d, 0, 0)).toBe('Δ +3 su = +6 HU');
    expect(deltaAt(stored, d, 2, 0)).toBe('Δ −3 su = −6 HU');
    expect(deltaAt(stored, d, 1, 0)).toBe('Δ ±0 su = ±0 HU');
    expect(deltaAt(stored, d, 3, 0)).toBe('');
    expect(deltaLegend(stored)).toEqual({ max: '3 su', hu: '6 HU' });
    expect(deltaLegend({ ...stored, scale: { ...stored.scale, hu: false } }).hu).toBeNull();
  });

  it('refuses a frame of another size', () => {
    expect(() => storedViews(stored, { ...frame, width: 4 })).toThrow(/result is 3×2×1 but the open frame is 4×2×1/);
  });
});

describe('budgetView: ε in the chosen unit through the image', () => {
  const ct = { slope: 1, span: 399, hu: true };
  const png = { slope: 1, span: 255, hu: false };
  it('converts su, HU and k/255w, flooring L∞ to whole stored units', () => {
    expect(budgetView(ct, 20, 'su', 'linf')).toEqual({ text: '20 su = 20 HU = 12.782/255w', error: null });
    expect(budgetView(ct, 20, 'HU', 'linf').text).toBe('20 su = 20 HU = 12.782/255w');
    expect(budgetView(ct, 2, '255w', 'linf').text).toBe('3 su = 3 HU = 1.917/255w');
    expect(budgetView(ct, 2, '255w', 'l2').text).toBe('3.129 su = 3.129 HU = 2/255w');
    expect(budgetView(png, 2, '255w', 'linf').text).toBe('2 su = 2 modality units = 2/255w');
  });
  it('says why a budget cannot apply', () => {
    expect(budgetView(png, 10, 'HU', 'linf').error).toMatch(/ε in HU needs a CT image/);
    expect(budgetView(ct, 0.1, '255w', 'linf').error).toMatch(/less than one stored unit/);
    expect(budgetView(ct, 0, 'su', 'linf').error).toMatch(/greater than 0/);
  });
});
