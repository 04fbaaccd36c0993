/** The worst-case figure row: panel count and size, the perturbation's scale, and the mask overlays. */
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/engine/imaging/png.js';
import { composeFigureRow } from '../../../src/engine/report/figures.js';
import { sampleImages } from './sample-data.js';

describe('figure row', () => {
  const eps = 8 / 255;
  const panels = composeFigureRow({ ...sampleImages(64, eps), eps });

  it('has five panels of the stored image size, with the scale in the last caption', () => {
    expect(panels.map((p) => p.caption.split(':')[0])).toEqual(['original + ground truth', 'perturbed (as stored)', 'clean prediction', 'adversarial prediction', 'perturbation']);
    for (const p of panels) expect([decodePng(p.png, 'panel').width, decodePng(p.png, 'panel').height]).toEqual([64, 64]);
    expect(panels[4].caption).toContain('8/255 (×16)');
  });

  it('maps +ε to white and −ε to black where the image is not clipped, 0 to mid-grey', () => {
    const delta = decodePng(panels[4].png, 'perturbation');
    const at = (x: number, y: number): number => delta.data[(y * 64 + x) * 3];
    expect(at(33, 20)).toBeCloseTo(1, 2); // (x+y) odd → +ε
    expect(at(32, 20)).toBeCloseTo(0, 2); // even → −ε
    const none = composeFigureRow({ ...sampleImages(16, eps), adversarial: sampleImages(16, eps).original, eps });
    const grey = decodePng(none[4].png, 'no perturbation');
    expect(Math.max(...grey.data.map((v) => Math.abs(v - 128 / 255)))).toBeLessThan(1e-6);
  });

  it('paints the ground truth green inside the disc and leaves the background untouched', () => {
    const gt = decodePng(panels[0].png, 'gt');
    const orig = decodePng(sampleImages(64, eps).original, 'orig');
    const centre = (32 * 64 + 32) * 3;
    expect(gt.data[centre + 1]).toBeGreaterThan(gt.data[centre]); // green dominates
    expect(gt.data[(2 * 64 + 2) * 3]).toBeCloseTo(orig.data[2 * 64 + 2], 5);
  });

  it('says so when the stored images do not match', () => {
    expect(() => composeFigureRow({ ...sampleImages(64), adversarial: sampleImages(32).adversarial, eps })).toThrow(/does not match/);
  });

  it('omits the ground truth for reference-free cells', () => {
    expect(composeFigureRow({ ...sampleImages(16), groundTruth: null, eps })[0].caption).toBe('original (no ground truth)');
  });
});
