/** Every failure is an ImageDecodeError whose message names the file and says what is wrong. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDicom, ImageDecodeError, loadImage, loadMask } from '../../../src/engine/imaging/index.js';
import { decodeRleFrame } from '../../../src/engine/imaging/rle.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { buildDicom, u16le } from './build-dicom.js';

const dir = tempDir('imaging-errors-');
afterAll(() => dir.remove());

async function failure(p: Promise<unknown>): Promise<ImageDecodeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ImageDecodeError);
    return e as ImageDecodeError;
  }
  throw new Error('expected an ImageDecodeError');
}

describe('files that are not images', () => {
  it('missing file', async () => {
    const e = await failure(loadImage(join(dir.path, 'nope.dcm')));
    expect(e.message).toMatch(/nope\.dcm: file not found$/);
  });
  it('a folder', async () => {
    expect((await failure(loadImage(dir.path))).message).toMatch(/is a folder/);
  });
  it('a text file', async () => {
    const p = join(dir.path, 'notes.png');
    writeFileSync(p, 'hello world, this is not an image\n');
    const e = await failure(loadImage(p));
    // What kind of file, never its content (issue 14: the API quoted the start of any readable file).
    expect(e.message).toBe(`${p}: not a PNG, JPEG or DICOM image (it is a text file)`);
    expect((await failure(loadMask(p))).message).toMatch(/a mask must be a PNG or JPEG image/);
  });
  it('empty and random bytes', async () => {
    expect((await failure(loadImage(new Uint8Array(0)))).message).toBe('image bytes: is empty (0 bytes)');
    const noise = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) & 255);
    expect((await failure(loadImage(noise))).message).toMatch(/^image bytes: not a PNG, JPEG or DICOM image \(it is binary data of an unknown format\)$/);
  });
  it('PNG and JPEG magic followed by garbage', async () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Uint8Array(40).fill(7));
    expect((await failure(loadImage(png))).message).toMatch(/^image bytes: not a readable PNG file \(no IHDR header/);
    const jpg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, ...new Uint8Array(40).fill(9));
    expect((await failure(loadImage(jpg))).message).toMatch(/^image bytes: not a readable JPEG file/);
  });
});

describe.skipIf(skipWithoutData)('damaged real files', () => {
  it('truncated DICOM (native and JPEG 2000)', async () => {
    for (const f of ['pydicom/CT_small.dcm', 'cornerstone-wado/CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm']) {
      const bytes = readFileSync(dataPath('dicom', f));
      const p = join(dir.path, 'cut.dcm');
      writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      expect((await failure(loadImage(p))).message).toMatch(/cut\.dcm: not a readable DICOM file: it is truncated or corrupt \(/);
    }
  });
  it('truncated and garbled JPEG', async () => {
    const bytes = readFileSync(dataPath('kvasir-seg', 'images', 'cju0qkwl35piu0993l0dewei2.jpg'));
    const e = await failure(loadImage(bytes.subarray(0, bytes.length >> 1)));
    expect(e.message).toBe('image bytes: not a readable JPEG file (the decoder rejected the data (corrupt or truncated))');
    const garbled = Buffer.from(bytes);
    for (let i = 1000; i < 3000; i++) garbled[i] = (i * 7919) & 255;
    await failure(loadImage(garbled));
  });
  it('unsupported transfer syntax and non-image objects name the reason', async () => {
    const f = 'pydicom/JPGExtended.dcm';
    const e = await failure(loadImage(dataPath('dicom', f)));
    // decided by the frame's own precision: this one is 12-bit (an 8-bit .51 frame decodes; see codec-safety.test.ts)
    expect(e.message).toContain(`${f}: cannot decode frame 0 (JPEG Extended (Process 2 and 4)): the compressed frame has 12-bit samples: no correct 12-bit lossy JPEG decoder`);
    const sr = await failure(loadImage(dataPath('dicom', 'cornerstone-wado', 'no-pixel-data.dcm')));
    expect(sr.message).toMatch(/no-pixel-data\.dcm: has no image pixel data \(SOP class Basic Text SR Storage, 1\.2\.840\.10008\.5\.1\.4\.1\.1\.88\.11\)$/);
  });
});

describe('hand-built DICOM that must be refused', () => {
  it('pixel data shorter than Rows × Columns', async () => {
    const s = await decodeDicom(buildDicom({ rows: 4, columns: 4, pixels: u16le([1, 2, 3, 4]) }), { path: 'short.dcm' });
    expect(() => s.getFrame(0)).toThrow(/short\.dcm: cannot decode frame 0 \(Explicit VR Little Endian\): pixel data is truncated: 8 bytes present, 32 needed/);
  });
  it('a huge image is refused before anything is allocated', async () => {
    const e = await failure(decodeDicom(buildDicom({ rows: 60000, columns: 60000, pixels: u16le([0]) }), { path: 'huge.dcm' }));
    expect(e.message).toBe('huge.dcm: image of 60000x60000 is too large to decode (limit 16384 px per side; VLSM_DECODE_MAX_SIDE)');
    const big = await failure(decodeDicom(buildDicom({ rows: 8192, columns: 8192, pixels: u16le([0]) }), { path: 'big.dcm' }));
    expect(big.message).toBe('big.dcm: image of 8192x8192 is too large to decode (67.1 M samples per frame, limit 50.3 M; VLSM_DECODE_MAX_FRAME_SAMPLES)');
    // the budget is per frame: a long series of real-size frames opens and is decoded frame by frame
    const series = await decodeDicom(buildDicom({ rows: 4096, columns: 4096, frames: 64, pixels: u16le([0]) }), { path: 'series.dcm' });
    expect(series.frames).toBe(64);
  });
  it('an unknown transfer syntax and a dataset without pixel data', async () => {
    const e = await failure(decodeDicom(buildDicom({ rows: 1, columns: 1, pixels: u16le([0]), transferSyntax: '1.2.3.999' }), { path: 'x.dcm' }));
    expect(e.message).toMatch(/^x\.dcm: unsupported transfer syntax 1\.2\.3\.999 \(unknown transfer syntax\)/);
    const sr = await failure(decodeDicom(buildDicom({ rows: 0, columns: 0, sopClass: '1.2.840.10008.5.1.4.1.1.88.22' }), { path: 'sr.dcm' }));
    expect(sr.message).toBe('sr.dcm: has no image pixel data (SOP class Enhanced SR Storage, 1.2.840.10008.5.1.4.1.1.88.22)');
  });
});

describe('RLE (PS3.5 Annex G)', () => {
  /** One frame: header with the given segments, each PackBits-encoded by the caller. */
  const frame = (segments: number[][]): Uint8Array => {
    const header = new Uint32Array(16);
    header[0] = segments.length;
    let offset = 64;
    segments.forEach((s, i) => {
      header[i + 1] = offset;
      offset += s.length;
    });
    return Uint8Array.of(...new Uint8Array(header.buffer), ...segments.flat());
  };
  it('literal and replicate runs, 16-bit MSB segment first', () => {
    // MSB plane: literal [1, 2] then run of three 0x7f; LSB plane: run of five 0x10
    const out = decodeRleFrame(frame([[1, 1, 2, 0xfe, 0x7f], [0xfc, 0x10]]), 5, 1, 2);
    expect(Array.from(new Uint16Array(out.buffer))).toEqual([0x0110, 0x0210, 0x7f10, 0x7f10, 0x7f10]);
  });
  it('RGB segments are interleaved and a short segment is an error', () => {
    const out = decodeRleFrame(frame([[0xff, 1], [0xff, 2], [0xff, 3]]), 2, 3, 1);
    expect(Array.from(out)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(() => decodeRleFrame(frame([[0, 1]]), 2, 1, 1)).toThrow(/decodes to 1 of 2 bytes/);
  });
});
