/**
 * exportPredictionSeg over a real image (the dcmqi GE CT slice, re-exported as explicit VR): the SEG
 * parses with dcmdump and pydicom, gets no dciodvfy error its image does not already get, references the
 * image, and its frames are exactly the masks given; a mask of the wrong size is one clear error.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadStoredImage } from '../../../src/engine/attacks/domain/stored-image.js';
import { exportAdversarialDicom } from '../../../src/engine/imaging/dicom-export.js';
import { exportPredictionSeg, SEGMENTATION_STORAGE } from '../../../src/engine/imaging/dicom-seg.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { dcmdump, dciodvfyErrors, pydicom, skipWithoutTools } from './dicom-tools.js';

describe.skipIf(skipWithoutTools || skipWithoutData)('DICOM SEG of predictions', () => {
  test('two binary masks over the dcmqi CT slice', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vlsm-dicom-seg-'));
    const img = await loadStoredImage(dataPath('dicom', 'dcmqi', 'ct-3slice', '01.dcm'));
    const image = exportAdversarialDicom({ original: img.bytes, stored: img.values, derivation: 'unchanged copy for the SEG test' });
    const imagePath = join(out, 'image.dcm');
    writeFileSync(imagePath, image.bytes);
    const n = img.width * img.height;
    const a = Uint8Array.from({ length: n }, (_, i) => ((i % img.width) > 100 && (i % img.width) < 300 && i > n / 3 ? 1 : 0));
    const b = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0));
    const seg = exportPredictionSeg({ image: image.bytes, algorithm: 'film-unet 0.2.0', description: 'lungs', masks: [{ label: 'clean prediction', data: a }, { label: 'adversarial prediction', data: b }] });
    const segPath = join(out, 'seg.dcm');
    writeFileSync(segPath, seg.bytes);
    const dump = dcmdump(segPath);
    expect(dump.status).toBe(0);
    expect(dump.errors).toEqual([]);
    expect(SEGMENTATION_STORAGE).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(dump.text).toContain('=SegmentationStorage'); // dcmdump's name for it
    expect(dump.text).toContain(image.sopInstanceUid);
    expect([...dciodvfyErrors(segPath)].filter((l) => !dciodvfyErrors(imagePath).has(l))).toEqual([]);
    const p = pydicom(segPath);
    expect([p.rows, p.columns]).toEqual([img.height, img.width]);
    expect(p.pixels).toEqual([...Array.from(a), ...Array.from(b)]);
    expect(() => exportPredictionSeg({ image: image.bytes, algorithm: 'x', description: 'lungs', masks: [{ label: 'bad', data: new Uint8Array(10) }] })).toThrow(
      /Mask "bad" has 10 pixels; the image has 512×512\./,
    );
  }, 120_000);
});
