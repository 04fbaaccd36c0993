/** Window presets and the heat map's colour scale. */
import { describe, expect, it } from 'vitest';
import { divergingColour } from '../../../../src/renderer/src/lib/viewport/colour.js';
import { presetsFor } from '../../../../src/renderer/src/lib/viewport/presets.js';

describe('window presets', () => {
  it('CT: the file window first, then full range and the CT presets', () => {
    const p = presetsFor('CT', [{ center: 40, width: 400 }], { center: 488, width: 3025 });
    expect(p[0]).toMatchObject({ label: 'Auto (file)', center: 40, width: 400, key: '1' });
    expect(p.map((x) => x.label)).toEqual(['Auto (file)', 'Full range', 'Lung', 'Mediastinum', 'Bone', 'Brain', 'Abdomen']);
  });
  it('no file window: min–max only, no CT presets for MR', () => {
    expect(presetsFor('MR', [], { center: 100, width: 201 }).map((x) => x.label)).toEqual(['Auto (min–max)']);
  });
});

describe('diverging colours', () => {
  it('white at 0, full red at +1, full blue at −1, clipped beyond', () => {
    expect(divergingColour(0)).toEqual([255, 255, 255]);
    expect(divergingColour(1)).toEqual([255, 0, 0]);
    expect(divergingColour(-1)).toEqual([0, 0, 255]);
    expect(divergingColour(-3)).toEqual([0, 0, 255]);
  });
});
