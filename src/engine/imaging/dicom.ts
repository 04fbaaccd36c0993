/**
 * decodeDicom: a parsed DICOM image with lazy per-frame decoding in modality units (getFrame) and the
 * display pipeline to a RasterImage (toRaster):
 *   stored values → Modality LUT (slope/intercept) → VOI window (file's first, else frame min/max) →
 *   MONOCHROME1 inversion → [0,1];  colour: YBR → RGB, planes → interleaved, / (2^BitsStored − 1);
 *   PALETTE COLOR: indices → palette RGB.
 */
import type { DataSet } from 'dicom-parser';
import { prepareCodec } from './codecs.js';
import { expandYbr422, planarToInterleaved, ybrFullToRgb } from './colour.js';
import { frameTransform, readHeader, type DicomHeader } from './dicom-header.js';
import { readRawFrame, type RawFrame } from './dicom-frames.js';
import { parseDicomBytes } from './dicom-parse.js';
import { describeThrown, ImageDecodeError, sourceLabel } from './errors.js';
import { assertFinite } from './finite.js';
import { checkImageSize } from './limits.js';
import { applyPalette, readPalette, type PaletteLut } from './palette.js';
import { describeSopClass } from './sop-classes.js';
import { storedValues } from './stored-values.js';
import { getTransferSyntax, type TransferSyntaxInfo } from './transfer-syntax.js';
import type { RasterImage, VoiWindow } from './types.js';
import { applyWindow, minMaxWindow, windowLevels, type VoiFunction } from './voi.js';

export interface DicomStudyImage extends Omit<DicomHeader, 'pixelDataTag' | 'highBit'> {
  path?: string;
  transferSyntaxUID: string;
  transferSyntaxName: string;
  /** Frame `i` (0-based) in modality units: stored × slope + intercept for grey images, RGB (interleaved,
   *  0…2^BitsStored−1) for colour, palette indices for PALETTE COLOR. */
  getFrame(i: number): Float32Array;
  /** Frame `i` for display / the model, in [0,1]; `window` overrides the file's VOI window (modality units). */
  toRaster(frame?: number, window?: VoiWindow): RasterImage;
}

const MONO = new Set(['MONOCHROME1', 'MONOCHROME2']);
const COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT']);

function validate(h: DicomHeader, ts: TransferSyntaxInfo, label: string): void {
  if (!h.pixelDataTag) throw new ImageDecodeError(`${label}: has no image pixel data (SOP class ${describeSopClass(h.sopClassUID)})`);
  if (h.pixelDataTag !== 'x7fe00010') {
    throw new ImageDecodeError(`${label}: float pixel data (parametric maps) is not supported`);
  }
  if (h.rows === 0 || h.columns === 0) {
    throw new ImageDecodeError(`${label}: has no image pixel data (SOP class ${describeSopClass(h.sopClassUID)}): Rows/Columns missing`);
  }
  if (ts.codec === null) {
    throw new ImageDecodeError(`${label}: unsupported transfer syntax ${ts.uid} (${ts.name}): ${ts.reason ?? 'no decoder'}`);
  }
  // per frame: a multi-frame series is decoded one frame at a time (getFrame), so one frame is the budget
  checkImageSize(label, h.columns, h.rows, h.samplesPerPixel);
  if (![1, 8, 16, 32].includes(h.bitsAllocated)) {
    throw new ImageDecodeError(`${label}: BitsAllocated ${h.bitsAllocated} is not supported (1, 8, 16 or 32)`);
  }
  if (h.bitsStored < 1 || h.bitsStored > h.bitsAllocated) {
    throw new ImageDecodeError(`${label}: BitsStored ${h.bitsStored} does not fit BitsAllocated ${h.bitsAllocated}`);
  }
  const ok =
    (h.samplesPerPixel === 1 && (MONO.has(h.photometric) || h.photometric === 'PALETTE COLOR')) ||
    (h.samplesPerPixel === 3 && COLOUR.has(h.photometric));
  if (!ok) {
    throw new ImageDecodeError(
      `${label}: photometric interpretation ${h.photometric} with ${h.samplesPerPixel} sample(s) per pixel is not supported`,
    );
  }
  // Native YBR_FULL_422 stores Y0 Y1 Cb Cr per pair of pixels; with odd Columns the rows do not hold whole
  // pairs and the unpacking would read past each row (it used to "decode" to NaN).
  if (ts.codec === 'native' && h.photometric === 'YBR_FULL_422' && h.columns % 2 === 1) {
    throw new ImageDecodeError(
      `${label}: YBR_FULL_422 pixel data with an odd number of Columns (${h.columns}) cannot be decoded: its samples come in pairs of pixels, so the file is corrupt`,
    );
  }
}

/** Runs a dicom-parser accessor; whatever it throws (bare strings included) becomes an ImageDecodeError. */
function guarded<T>(label: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(`${label}: not a readable DICOM file: ${what} is corrupt (${describeThrown(e)})`, { cause: e });
  }
}

/** Colour samples → interleaved RGB in stored units. */
function toRgbSamples(values: Float64Array, h: DicomHeader, planar: boolean, rgbFromCodec: boolean, packed422: boolean): Float64Array {
  const maxValue = 2 ** Math.min(h.bitsStored, 32) - 1;
  if (packed422) return ybrFullToRgb(expandYbr422(values, h.columns, h.rows), maxValue);
  const interleaved = planar ? planarToInterleaved(values, 3) : values;
  if (!rgbFromCodec && (h.photometric === 'YBR_FULL' || h.photometric === 'YBR_FULL_422')) return ybrFullToRgb(interleaved, maxValue);
  return interleaved;
}

export async function decodeDicom(
  bytes: Uint8Array,
  opts: { path?: string; beforeFrameDecode?: (samples: number) => void } = {},
): Promise<DicomStudyImage> {
  const label = sourceLabel(opts.path);
  const { dataSet, transferSyntaxUID } = parseDicomBytes(bytes, label);
  const h = guarded(label, 'its image header', () => readHeader(dataSet));
  const ts = getTransferSyntax(transferSyntaxUID);
  validate(h, ts, label);
  if (ts.codec) await prepareCodec(ts.codec);
  let palette: PaletteLut | undefined;
  if (h.photometric === 'PALETTE COLOR') {
    try {
      palette = readPalette(dataSet);
    } catch (e) {
      throw new ImageDecodeError(`${label}: ${describeThrown(e)}`, { cause: e });
    }
  }
  return makeStudyImage(dataSet, h, ts, opts.path, palette, opts.beforeFrameDecode);
}

function makeStudyImage(
  ds: DataSet,
  h: DicomHeader,
  ts: TransferSyntaxInfo,
  path: string | undefined,
  palette?: PaletteLut,
  beforeFrameDecode?: (samples: number) => void,
): DicomStudyImage {
  const label = sourceLabel(path);
  const checkFrame = (i: number): void => {
    if (!Number.isInteger(i) || i < 0 || i >= h.frames) {
      throw new ImageDecodeError(`${label}: frame ${i} requested, but the file has ${h.frames} frame(s) (0-based)`);
    }
  };

  const getFrame = (i: number): Float32Array => {
    checkFrame(i);
    beforeFrameDecode?.(h.rows * h.columns * h.samplesPerPixel);
    let values: Float64Array;
    let raw: RawFrame;
    try {
      raw = readRawFrame(ds, h, ts, i);
      values = storedValues(raw, h);
    } catch (e) {
      throw new ImageDecodeError(`${label}: cannot decode frame ${i} (${ts.name}): ${describeThrown(e)}`, { cause: e });
    }
    let out: Float32Array;
    if (h.samplesPerPixel === 3) out = Float32Array.from(toRgbSamples(values, h, raw.planar, raw.rgbFromCodec, raw.packed422));
    else if (palette) out = Float32Array.from(values);
    else {
      const { slope, intercept } = guarded(label, 'its rescale header', () => frameTransform(ds, i));
      out = new Float32Array(values.length);
      for (let k = 0; k < values.length; k++) out[k] = values[k] * slope + intercept;
    }
    assertFinite(`${label}: frame ${i}`, out, h.samplesPerPixel);
    return out;
  };

  const toRaster = (frame = 0, window?: VoiWindow): RasterImage => {
    const values = getFrame(frame);
    const t = guarded(label, 'its VOI/rescale header', () => frameTransform(ds, frame));
    const source = {
      format: 'dicom' as const,
      path,
      frame,
      frames: h.frames,
      transferSyntaxUID: ts.uid,
      transferSyntaxName: ts.name,
      modality: h.modality,
      photometric: h.photometric,
      pixelSpacingMm: h.pixelSpacingMm,
      bitsStored: h.bitsStored,
    };
    const base = { width: h.columns, height: h.rows };
    if (palette) {
      const data = applyPalette(values, palette);
      assertFinite(`${label}: frame ${frame}`, data, 3);
      return { ...base, channels: 3, data, levels: palette.maxValue, source };
    }
    if (h.samplesPerPixel === 3) {
      const maxValue = 2 ** Math.min(h.bitsStored, 32) - 1;
      const data = new Float32Array(values.length);
      for (let k = 0; k < values.length; k++) data[k] = Math.min(1, Math.max(0, values[k] / maxValue));
      return { ...base, channels: 3, data, levels: maxValue, source };
    }
    if (window && !(window.width > 0 && Number.isFinite(window.center))) {
      throw new ImageDecodeError(`${label}: window width must be > 0 (got center ${window.center}, width ${window.width})`);
    }
    const fileWindow = t.windows[0];
    const win = window ?? fileWindow ?? minMaxWindow(values);
    const fn: VoiFunction = window || !fileWindow ? 'LINEAR' : t.voiFunction;
    const data = applyWindow(values, win, fn, h.photometric === 'MONOCHROME1');
    assertFinite(`${label}: frame ${frame}`, data);
    return { ...base, channels: 1, data, levels: windowLevels(win, t.slope, h.bitsStored), source: { ...source, window: win } };
  };

  const { pixelDataTag: _tag, highBit: _hb, ...meta } = h;
  return { ...meta, path, transferSyntaxUID: ts.uid, transferSyntaxName: ts.name, getFrame, toRaster };
}
