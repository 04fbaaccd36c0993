/**
 * The real DICOM corpus (../shared/data/dicom), in one file so every image is decoded once:
 * 1. every file either decodes to plausible pixels or fails with an ImageDecodeError that says why
 *    (unsupported transfer syntax, no image pixel data, deliberately broken); prints the
 *    per-transfer-syntax table that docs/imaging.md quotes;
 * 2. the same image stored in several transfer syntaxes decodes identically (lossless) or within a
 *    stated tolerance (lossy) — the real correctness check.
 */
import { describe, expect, it } from 'vitest';
import { getTransferSyntax, ImageDecodeError, loadImage } from '../../../src/engine/imaging/index.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { compareFrames, decodeAll, listDicomFiles, readIndex, type IndexEntry } from './corpus-files.js';

const TWELVE_BIT_JPEG = new Set(['1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.53', '1.2.840.10008.1.2.4.55']);

/** Files broken on purpose upstream, and what our message must say. */
const DELIBERATELY_BROKEN: Record<string, RegExp> = {
  'pydicom/MR_truncated.dcm': /truncated or corrupt/,
  'pydicom/JPEG2000-embedded-sequence-delimiter.dcm': /cannot decode frame 0 \(JPEG 2000\)/,
};

/** Synthetic dcmqi phantoms whose slices really are constant (checked: min = max over the whole file). */
const CONSTANT_OK = new Set(['dcmqi/23x38x3/image/IMG0001.dcm', 'dcmqi/23x38x3/image/IMG0003.dcm', 'dcmqi/24x38x3/image/IMG0001.dcm', 'dcmqi/24x38x3/image/IMG0003.dcm']);

type Outcome = 'decoded' | 'rejected' | 'unexpected';

function expectedFailure(rel: string, entry: IndexEntry | undefined): RegExp | undefined {
  if (DELIBERATELY_BROKEN[rel]) return DELIBERATELY_BROKEN[rel];
  // decided by each frame's precision (8-bit frames of these syntaxes decode); the corpus's are all 12-bit
  if (entry?.ts && TWELVE_BIT_JPEG.has(entry.ts)) return /cannot decode frame 0 \(JPEG [^)]*\)\): the compressed frame has 12-bit samples: no correct 12-bit/;
  if (entry && !entry.has_pixel_data) return /has no image pixel data \(SOP class [A-Z].*Storage, 1\.2\.840/;
  // pydicom parser stress files: a Pixel Data element of 2 bytes and no image attributes at all
  if (entry && entry.rows === null) return /not a readable DICOM file|has no image pixel data/;
  return undefined;
}

describe.skipIf(skipWithoutData)('DICOM corpus: every file decodes or is rejected with a reason', () => {
  it('enumerates all files', async () => {
    const index = readIndex();
    const files = listDicomFiles();
    expect(files.length).toBeGreaterThanOrEqual(150);
    const table = new Map<string, Record<Outcome, number>>();
    const problems: string[] = [];
    for (const rel of files) {
      const entry = index.get(rel);
      const tsKey = entry?.ts ?? '(missing)';
      const row = table.get(tsKey) ?? { decoded: 0, rejected: 0, unexpected: 0 };
      table.set(tsKey, row);
      const expected = expectedFailure(rel, entry);
      let outcome: Outcome;
      try {
        const { study, frames } = await decodeAll(rel);
        outcome = expected ? 'unexpected' : 'decoded';
        if (expected) problems.push(`${rel}: decoded but expected failure ${expected}`);
        problems.push(...plausibility(rel, study, frames, entry));
      } catch (e) {
        const ok = e instanceof ImageDecodeError && expected !== undefined && expected.test(e.message) && e.message.startsWith(rel);
        outcome = ok ? 'rejected' : 'unexpected';
        if (!ok) problems.push(`${rel}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      row[outcome]++;
    }
    const lines = [...table.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([uid, r]) => `${uid.padEnd(24)} ${(uid === '(missing)' ? 'no TransferSyntaxUID in File Meta' : getTransferSyntax(uid).name).padEnd(52)} ${String(r.decoded).padStart(7)} ${String(r.rejected).padStart(8)} ${String(r.unexpected).padStart(10)}`);
    const total = [...table.values()].reduce((s, r) => ({ d: s.d + r.decoded, x: s.x + r.rejected, u: s.u + r.unexpected }), { d: 0, x: 0, u: 0 });
    console.log(
      [`${'transfer syntax'.padEnd(24)} ${'name'.padEnd(52)} decoded rejected unexpected`, ...lines,
        `${'total'.padEnd(77)} ${String(total.d).padStart(7)} ${String(total.x).padStart(8)} ${String(total.u).padStart(10)}  (${files.length} files)`].join('\n'),
    );
    expect(problems).toEqual([]);
  });
});

function plausibility(rel: string, study: Awaited<ReturnType<typeof decodeAll>>['study'], frames: Float32Array[], entry?: IndexEntry): string[] {
  const out: string[] = [];
  const fail = (msg: string): number => out.push(`${rel}: ${msg}`);
  if (entry && (entry.rows !== study.rows || entry.cols !== study.columns)) fail(`size ${study.rows}x${study.columns}, index says ${entry.rows}x${entry.cols}`);
  const palette = study.photometric === 'PALETTE COLOR';
  const perPixel = study.samplesPerPixel === 3 ? 3 : 1;
  const bits = Math.min(study.bitsStored, 32);
  const [lo, hi] = study.pixelRepresentation === 1 && !palette && perPixel === 1 ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  const rescale = !palette && perPixel === 1;
  const a = rescale ? lo * study.rescaleSlope + study.rescaleIntercept : lo;
  const b = rescale ? hi * study.rescaleSlope + study.rescaleIntercept : hi;
  const [vmin, vmax] = [Math.min(a, b), Math.max(a, b)];
  const eps = 1e-6 * Math.max(1, Math.abs(vmin), Math.abs(vmax)); // float32 rounding of 32-bit values
  let min = Infinity;
  let max = -Infinity;
  frames.forEach((f, i) => {
    if (f.length !== study.rows * study.columns * perPixel) fail(`frame ${i} has ${f.length} values`);
    for (const v of f) {
      if (!Number.isFinite(v)) {
        fail(`frame ${i} has a non-finite value`);
        break;
      }
      if (v < min) min = v;
      if (v > max) max = v;
    }
  });
  if (min < vmin - eps || max > vmax + eps) fail(`values ${min}..${max} outside ${vmin}..${vmax} allowed by BitsStored ${study.bitsStored}`);
  if (min === max && !CONSTANT_OK.has(rel)) fail(`constant image (${min})`);
  const raster = study.toRaster(0);
  if (raster.data.length !== raster.width * raster.height * raster.channels) fail('raster size mismatch');
  if (raster.data.some((v) => !(v >= 0 && v <= 1))) fail('raster values outside [0,1]');
  if (!(raster.levels >= 1)) fail(`raster levels ${raster.levels}`);
  return out;
}

const W = 'cornerstone-wado/';
const CT = `${W}CTImage.dcm`;
const CT1 = 'dicomParser/CT1_UNC.explicit_little_endian.dcm';
const MF = 'dicomParser/encapsulated/multi-frame/';
const CT0012 = `${MF}CT0012.explicit_little_endian.dcm`;
const SF = 'dicomParser/encapsulated/single-frame/';
const P = 'pydicom/';
const PD = 'pydicom-data/';

/** [reference, same image in other lossless encodings] — all frames must be identical. */
const LOSSLESS: [string, string[]][] = [
  [CT, [
    `${W}CTImage.dcm_BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm`,
    `${W}CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm`,
    `${W}CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm`,
    `${W}CTImage.dcm_JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm`,
    `${W}CTImage.dcm_JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm`,
    `${W}CTImage.dcm_JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm`,
    `${W}CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm`,
    `${W}CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm`,
    `${W}CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm`,
  ]],
  [CT1, [
    'dicomParser/CT1_UNC.explicit_big_endian.dcm',
    'dicomParser/CT1_UNC.implicit_little_endian.dcm',
    `${SF}CT1_UNC.fragmented_bot_jpeg_ls.80.dcm`,
    `${SF}CT1_UNC.fragmented_no_bot_jpeg_ls.80.dcm`,
    `${SF}CT1_UNC.not_fragmented_bot_jpeg_ls.80.dcm`,
    `${W}CT1_J2KR`,
  ]],
  [CT0012, [
    `${MF}CT0012.fragmented_no_bot_jpeg_lossless.57.dcm`,
    `${MF}CT0012.fragmented_no_bot_jpeg_lossless.70.dcm`,
    `${MF}CT0012.fragmented_no_bot_jpeg_ls.80.dcm`,
    `${MF}CT0012.not_fragmented_bot_jpeg_ls.80.dcm`,
    `${MF}CT0012.not_fragmented_no_bot_jpeg_ls.80.dcm`,
    `${MF}CT0012.not_fragmented_bot_rle.dcm`,
    `${MF}CT0012.not_fragmented_no_bot_rle.dcm`,
  ]],
  [`${P}MR_small.dcm`, ['RLE', 'bigendian', 'expb', 'implicit', 'jp2klossless', 'jpeg_ls_lossless', 'padded'].map((s) => `${P}MR_small_${s}.dcm`)],
  [`${PD}emri_small.dcm`, ['RLE', 'big_endian', 'jpeg_2k_lossless', 'jpeg_ls_lossless'].map((s) => `${PD}emri_small_${s}.dcm`)],
  [`${P}rtdose.dcm`, [`${P}rtdose_expb.dcm`, `${P}rtdose_rle.dcm`]],
  [`${P}rtdose_1frame.dcm`, [`${P}rtdose_expb_1frame.dcm`, `${P}rtdose_rle_1frame.dcm`]],
  [`${P}SC_rgb_small_odd.dcm`, [`${P}SC_rgb_small_odd_big_endian.dcm`]],
  [`${P}SC_rgb_rle.dcm`, [`${P}SC_rgb_jpeg_gdcm.dcm`]],
  [`${PD}OBXXXX1A_2frame.dcm`, [`${PD}OBXXXX1A_expb_2frame.dcm`, `${PD}OBXXXX1A_rle_2frame.dcm`]],
  [`${PD}gdcm-US-ALOKA-16.dcm`, [`${PD}gdcm-US-ALOKA-16_big.dcm`]],
  [`${P}liver_1frame.dcm`, [`${P}liver_expb_1frame.dcm`]],
];

/** [reference, lossy variant, max mean |Δ| as a fraction of the reference's range, min correlation]. */
const LOSSY: [string, string, number, number][] = [
  [CT, `${W}CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm`, 0.01, 0.99],
  [CT, `${W}CTImage.dcm_JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm`, 0.01, 0.99],
  [CT, `${W}CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm`, 0.02, 0.99],
  [CT0012, `${MF}CT0012.fragmented_no_bot_jpeg_ls.81.dcm`, 0.01, 0.99],
  [`${PD}RG3_J2KR.dcm`, `${PD}RG3_J2KI.dcm`, 0.02, 0.98],
  [`${P}examples_jpeg2k.dcm`, `${PD}US1_J2KI.dcm`, 0.02, 0.98],
  ['dicomParser/encapsulated/multi-frame/IM00001.implicit_little_endian.dcm', `${MF}IM00001.fragmented_no_bot_jpeg_baseline.50.dcm`, 0.03, 0.97],
  [`${P}SC_rgb_jpeg_dcmd.dcm`, `${P}SC_rgb_jpeg.dcm`, 0.01, 0.99],
  [`${P}SC_rgb_jpeg_dcmd.dcm`, `${P}SC_jpeg_no_color_transform.dcm`, 0.01, 0.99],
  [`${P}SC_rgb_small_odd.dcm`, `${P}SC_rgb_small_odd_jpeg.dcm`, 0.05, 0.95],
  ...['SC_rgb_dcmtk_+eb+cr', 'SC_rgb_dcmtk_+eb+cy+n1', 'SC_rgb_dcmtk_+eb+cy+n2', 'SC_rgb_dcmtk_+eb+cy+np', 'SC_rgb_dcmtk_+eb+cy+s2',
    'SC_rgb_dcmtk_+eb+cy+s4', 'SC_rgb_jpeg_dcmtk', 'SC_rgb_jpeg_lossy_gdcm', 'SC_rgb_gdcm_KY', 'SC_rgb_jls_lossy_line',
    'SC_rgb_jls_lossy_sample', 'SC_ybr_full_422_uncompressed'].map((f): [string, string, number, number] => [`${P}SC_rgb_rle.dcm`, `${P}${f}.dcm`, 0.03, 0.97]),
];

describe.skipIf(skipWithoutData)('DICOM corpus: the same image in different transfer syntaxes', () => {
  it.each(LOSSLESS)('lossless variants of %s decode identically', async (ref, variants) => {
    const a = await decodeAll(ref);
    for (const v of variants) {
      const b = await decodeAll(v);
      expect(b.frames.length, v).toBe(a.frames.length);
      a.frames.forEach((f, i) => expect(compareFrames(f, b.frames[i]).maxAbs, `${v} frame ${i}`).toBe(0));
    }
  });

  it.each(LOSSY)('%s ≈ %s (lossy)', async (ref, variant, maxMean, minCorr) => {
    const a = await decodeAll(ref);
    const b = await decodeAll(variant);
    a.frames.forEach((f, i) => {
      const d = compareFrames(f, b.frames[i]);
      console.log(`${variant} frame ${i}: mean|Δ| ${(d.meanAbs / d.range).toFixed(4)} of range, max|Δ| ${d.maxAbs.toFixed(1)}, r ${d.correlation.toFixed(4)}`);
      expect(d.meanAbs / d.range).toBeLessThan(maxMean);
      expect(d.correlation).toBeGreaterThan(minCorr);
    });
  });

  it('16- and 32-bit RGB RLE are the 8-bit image scaled by 257 and 16843009', async () => {
    const [e8, e16, e32, f2] = await Promise.all(
      ['SC_rgb_rle', 'SC_rgb_rle_16bit', 'SC_rgb_rle_32bit', 'SC_rgb_rle_2frame'].map((f) => decodeAll(`${P}${f}.dcm`)),
    );
    const f8 = e8.frames[0];
    expect(compareFrames(f8.map((v) => v * 257), e16.frames[0]).maxAbs).toBe(0);
    expect(compareFrames(f8.map((v) => v * 16843009), e32.frames[0]).maxAbs).toBeLessThanOrEqual(256); // float32 spacing at 2^32
    expect(compareFrames(f8, f2.frames[0]).maxAbs).toBe(0);
  });

  it('single-slice CT files equal the frames of their multi-frame conversion', async () => {
    for (const dir of ['dcmqi/23x38x3', 'dcmqi/24x38x3']) {
      const mf = await decodeAll(`${dir}/multiframe/mf.dcm`);
      for (let i = 0; i < 3; i++) {
        const single = await decodeAll(`${dir}/image/IMG000${i + 1}.dcm`);
        expect(compareFrames(single.frames[0], mf.frames[i]).maxAbs, `${dir} slice ${i + 1}`).toBe(0);
      }
    }
  });

  it('known colours: SC_rgb_rle bands (pydicom test values) and GDCM YBR_RCT text', async () => {
    const bands: [number, number[]][] = [
      [5, [255, 0, 0]], [15, [255, 128, 128]], [25, [0, 255, 0]], [35, [128, 255, 128]], [45, [0, 0, 255]],
      [55, [128, 128, 255]], [65, [0, 0, 0]], [75, [64, 64, 64]], [85, [192, 192, 192]], [95, [255, 255, 255]],
    ];
    const rle = (await decodeAll(`${P}SC_rgb_rle.dcm`)).frames[0];
    for (const [row, rgb] of bands) expect(Array.from(rle.subarray((row * 100 + 50) * 3, (row * 100 + 50) * 3 + 3)), `row ${row}`).toEqual(rgb);
    // "red", "green", "blue" written in their colours on grey (400x400, JPEG 2000 with JP2 header, YBR_RCT)
    const text = (await decodeAll(`${P}GDCMJ2K_TextGBR.dcm`)).frames[0];
    const count = (y0: number, y1: number, rgb: number[]): number => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = 20; x < 260; x++) if (rgb.every((v, c) => text[(y * 400 + x) * 3 + c] === v)) n++;
      return n;
    };
    expect(Array.from(text.subarray(0, 3))).toEqual([128, 128, 128]);
    expect(count(50, 110, [255, 0, 0])).toBeGreaterThan(2000);
    expect(count(150, 215, [0, 255, 0])).toBeGreaterThan(4000);
    expect(count(250, 305, [0, 0, 255])).toBeGreaterThan(3000);
  });

  it('palette images (plain and segmented tables) render as grey ultrasound with a few coloured marks', async () => {
    for (const f of [`${PD}gdcm-US-ALOKA-16.dcm`, `${PD}OBXXXX1A_2frame.dcm`, `${P}examples_palette.dcm`]) {
      const r = (await decodeAll(f)).study.toRaster(0);
      expect(r.channels).toBe(3);
      let grey = 0;
      let bright = 0;
      const n = r.width * r.height;
      for (let i = 0; i < n; i++) {
        const [red, green, blue] = [r.data[3 * i], r.data[3 * i + 1], r.data[3 * i + 2]];
        if (Math.abs(red - green) < 0.02 && Math.abs(green - blue) < 0.02) grey++;
        if (red + green + blue > 0.6) bright++;
      }
      expect(grey / n, f).toBeGreaterThan(0.8); // the rest: tinted UI bars and marks
      expect(grey, f).toBeLessThan(n); // the coloured annotations survive the lookup
      expect(bright / n, f).toBeGreaterThan(0.01); // not an all-black lookup
    }
  });

  it('loadImage on a DICOM file fills the source description', async () => {
    const img = await loadImage(dataPath('dicom', 'pydicom', 'CT_small.dcm'));
    expect(img.channels).toBe(1);
    expect(img.source).toMatchObject({
      format: 'dicom', frame: 0, frames: 1, transferSyntaxUID: '1.2.840.10008.1.2.1', transferSyntaxName: 'Explicit VR Little Endian',
      modality: 'CT', photometric: 'MONOCHROME2', bitsStored: 16,
    });
    expect(img.source.pixelSpacingMm?.every((v) => v > 0)).toBe(true);
    expect(img.source.window?.width).toBeGreaterThan(0);
    const mf = await loadImage(dataPath('dicom', 'dicomParser', 'encapsulated', 'multi-frame', 'CT0012.explicit_little_endian.dcm'), { frame: 1 });
    expect(mf.source.frame).toBe(1);
    expect(mf.source.pixelSpacingMm).toEqual([0.388672, 0.388672]); // from the shared functional groups
  });
});
