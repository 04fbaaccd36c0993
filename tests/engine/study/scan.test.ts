/**
 * Opening a study folder: a real 3-slice CT series copied in shuffled file names, its DICOM SEG, a
 * truncated (corrupt) copy, a file with an unsupported transfer syntax and a text file. The series must
 * come out sorted by slice position, the SEG listed as ground truth, and each bad file with its reason.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanFolder } from '../../../src/engine/study/scan.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';

describe.skipIf(skipWithoutData)('scanFolder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-scan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('groups a CT series sorted by position and lists every unreadable file with its reason', async () => {
    const ct = dataPath('dicom', 'dcmqi', 'ct-3slice');
    mkdirSync(join(dir, 'series', 'nested'), { recursive: true });
    // Names in reverse of the anatomical order, one in a sub-folder: order must come from the headers.
    copyFileSync(join(ct, '01.dcm'), join(dir, 'series', 'c.dcm'));
    copyFileSync(join(ct, '02.dcm'), join(dir, 'series', 'nested', 'b.dcm'));
    copyFileSync(join(ct, '03.dcm'), join(dir, 'series', 'a.dcm'));
    copyFileSync(dataPath('dicom', 'dcmqi', 'liver.dcm'), join(dir, 'liver-seg.dcm'));
    const whole = readFileSync(join(ct, '01.dcm'));
    writeFileSync(join(dir, 'corrupt.dcm'), whole.subarray(0, 700));
    copyFileSync(dataPath('dicom', 'pydicom', 'JPGExtended.dcm'), join(dir, 'jpeg12.dcm'));
    writeFileSync(join(dir, 'notes.txt'), 'not an image\n');

    const scan = await scanFolder(dir);
    expect(scan.kind).toBe('dicom');
    expect(scan.files).toBe(7);
    const series = scan.patients.flatMap((p) => p.studies.flatMap((s) => s.series)).filter((s) => s.modality === 'CT' && s.images === 3);
    expect(series).toHaveLength(1);
    const [s] = series;
    // Positions along the normal increase; z goes -126.69, -127.69, -128.69 (normal is +z) → 03, 02, 01.
    expect(s.instances.map((i) => i.path.split('/').pop())).toEqual(['a.dcm', 'b.dcm', 'c.dcm']);
    expect(s.instances.map((i) => i.position)).toEqual([...s.instances.map((i) => i.position)].sort((a, b) => a! - b!));
    expect(s.rows).toBe(512);
    expect(scan.groundTruth).toEqual([expect.objectContaining({ kind: 'seg', path: join(dir, 'liver-seg.dcm') })]);

    const reasons = Object.fromEntries(scan.problems.map((p) => [p.path.split('/').pop(), p.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['corrupt.dcm', 'jpeg12.dcm', 'notes.txt']);
    expect(reasons['corrupt.dcm']).toMatch(/truncated or corrupt/);
    expect(reasons['jpeg12.dcm']).toMatch(/unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.4\.51/);
    expect(reasons['notes.txt']).toMatch(/not a DICOM, PNG or JPEG file/);
  });

  it('opens a dataset folder as image + mask pairs, test split first', async () => {
    const scan = await scanFolder(dataPath('kvasir-seg'));
    expect(scan.kind).toBe('dataset');
    const items = scan.dataset!.items;
    expect(items.length).toBe(1000);
    expect(items[0].split).toBe('test');
    expect(items[0].maskPath).toMatch(/masks\/.+\.png$/);
    expect(scan.dataset!.suggestedPrompt).toBe('polyp');
  });
});
