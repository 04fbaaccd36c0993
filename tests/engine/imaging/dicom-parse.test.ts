/**
 * The DICOM parse boundary (issue 14): dicom-parser accepts an element whose length runs past the end of
 * the file and later throws a bare string from a value read, which reached users as a raw uncaught
 * exception (../shared/repro/unexpected_*). Such a file is an ImageDecodeError naming the element, and no
 * value read from a parsed dataset throws anything but an Error.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDicomBytes } from '../../../src/engine/imaging/dicom-parse.js';
import { ImageDecodeError } from '../../../src/engine/imaging/errors.js';
import { loadImage } from '../../../src/engine/imaging/index.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';

/** Implicit VR little endian element: tag, 4-byte length, value bytes. */
const element = (group: number, elem: number, length: number, value: number[]): number[] => [
  group & 0xff, group >> 8, elem & 0xff, elem >> 8, length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, (length >>> 24) & 0xff, ...value,
];

describe('parseDicomBytes', () => {
  it('an element longer than the file → ImageDecodeError naming the element', () => {
    const bytes = Uint8Array.from([...element(0x0008, 0x0060, 2, [0x4d, 0x52]), ...element(0x0028, 0x0004, 32524, [0x4d, 0x4f])]);
    expect(() => parseDicomBytes(bytes, 'x.dcm')).toThrow(ImageDecodeError);
    expect(() => parseDicomBytes(bytes, 'x.dcm')).toThrow(/^x\.dcm: .*element \(0028,0004\) declares 32524 bytes/);
  });

  it('a value read past the end throws ImageDecodeError, not dicom-parser’s bare string', () => {
    const { dataSet } = parseDicomBytes(Uint8Array.from(element(0x0008, 0x0060, 2, [0x4d, 0x52])), 'x.dcm');
    expect(dataSet.string('x00080060')).toBe('MR');
    let thrown: unknown;
    try {
      dataSet.uint32('x00080060'); // 4 bytes from a 2-byte value at the end of the file
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ImageDecodeError);
    expect((thrown as Error).message).toMatch(/^x\.dcm: not a readable DICOM file/);
  });
});

describe.skipIf(skipWithoutData)('a real file with a corrupt element length (as ../shared/repro/unexpected_00481)', () => {
  it('MR_small_implicit.dcm with (0028,1051) length 2^31 → one-sentence ImageDecodeError', async () => {
    const bytes = Uint8Array.from(readFileSync(dataPath('dicom', 'pydicom', 'MR_small_implicit.dcm')));
    const at = Buffer.from(bytes).indexOf(Buffer.from([0x28, 0x00, 0x51, 0x10]));
    expect(at).toBeGreaterThan(0);
    new DataView(bytes.buffer).setUint32(at + 4, 2 ** 31, true);
    await expect(loadImage(bytes)).rejects.toThrow(ImageDecodeError);
    await expect(loadImage(bytes)).rejects.toThrow(/element \(0028,1051\) declares 2147483648 bytes/);
  });
});
