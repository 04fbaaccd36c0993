/** The viewer's text overlay and orientation letters, and which prompts are offered for what is open. */
import { describe, expect, it } from 'vitest';
import type { FramePixelsInfo, ModelSummary } from '../../../../src/engine/api/contract.js';
import { cornerText, letters } from '../../../../src/renderer/src/lib/study/corners.js';
import { suggestPrompts } from '../../../../src/renderer/src/lib/study/prompts.js';
import { contextKey } from '../../../../src/renderer/src/lib/result-context.js';

const frame = (descriptor: Partial<NonNullable<FramePixelsInfo['descriptor']>> | null): FramePixelsInfo => ({
  path: '/x/ct.dcm',
  format: 'dicom',
  width: 512,
  height: 512,
  channels: 1,
  frame: 0,
  frames: 1,
  pixels: '',
  min: -1024,
  max: 2000,
  units: 'HU',
  windows: [],
  autoWindow: { center: 488, width: 3025 },
  invert: false,
  pixelSpacingMm: [0.8, 0.8],
  transferSyntax: null,
  descriptor: descriptor && ({ patientName: 'Doe, Jane', patientId: 'P1', patientBirthDate: '19700101', patientSex: 'F', institution: 'General', modality: 'CT', orientation: [1, 0, 0, 0, 1, 0], position: [0, 0, 10], ...descriptor } as FramePixelsInfo['descriptor']),
});

describe('text overlay', () => {
  it('axial slice: patient left on the screen right, anterior at the top', () => {
    const c = cornerText(frame({}), { anonymise: false, slice: 1, slices: 3, source: 'ct.dcm' });
    expect(c.edges).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(c.topLeft[0]).toBe('Doe, Jane');
    expect(c.bottomLeft[0]).toBe('Im 2/3');
  });
  it('anonymise hides name, ID, birth date and institution', () => {
    const c = cornerText(frame({}), { anonymise: true, slice: 0, slices: 1, source: 'ct.dcm' });
    const all = [...c.topLeft, ...c.topRight, ...c.bottomLeft, ...c.bottomRight].join(' ');
    for (const secret of ['Doe', 'P1', '1970', 'General']) expect(all).not.toContain(secret);
  });
  it('oblique directions list the strongest axis first', () => {
    expect(letters([0.7, -0.9, 0])).toBe('AL');
    expect(letters([0, 0, -1])).toBe('F');
  });
});

describe('prompt suggestions', () => {
  const model = { defaultPrompts: { 'kvasir-seg': 'polyp', busi: 'tumour', 'cxr-lungs': 'lungs', 'cxr-lungs/left': 'left lung', ph2: 'skin lesion' } } as unknown as ModelSummary;
  it('by dataset, then by modality, and nothing for an image the model was not made for', () => {
    expect(suggestPrompts(model, 'kvasir-seg', null)).toEqual(['polyp']);
    expect(suggestPrompts(model, null, 'CR')).toEqual(['lungs', 'left lung']);
    expect(suggestPrompts(model, null, 'CT')).toEqual([]);
  });
});

describe('result context', () => {
  it('changes with the image, frame, ground truth, model and prompt', () => {
    const base = { imagePath: '/a.png', frame: 0, groundTruth: 'file:/m.png', modelDir: '/m', prompt: 'polyp' };
    const k = contextKey(base);
    expect(contextKey({ ...base, prompt: ' polyp ' })).toBe(k);
    for (const change of [{ imagePath: '/b.png' }, { frame: 1 }, { groundTruth: null }, { modelDir: '/n' }, { prompt: 'tumour' }]) expect(contextKey({ ...base, ...change })).not.toBe(k);
  });
});
