/**
 * The image as stored: integer values at native resolution (DICOM stored values of one grey frame, or
 * the 8/16-bit samples of a PNG/JPEG) with what maps them to the display — rescale slope/intercept, VOI
 * window and function, MONOCHROME1 inversion — and `storedToRaster`, which maps any stored values to the
 * RasterImage the engine would decode from a file holding them. It repeats the arithmetic of
 * DicomStudyImage.toRaster (imaging/dicom.ts) and decodePng step for step, so a mask computed here is the
 * mask `segment` gives on the written file (tests/engine/attacks/domain/stored-image.test.ts checks both).
 */
import { readFile } from 'node:fs/promises';
import { prepareCodec } from '../../imaging/codecs.js';
import { readRawFrame } from '../../imaging/dicom-frames.js';
import { frameTransform, readHeader } from '../../imaging/dicom-header.js';
import { parseDicomBytes } from '../../imaging/dicom-parse.js';
import { ImageDecodeError, sourceLabel } from '../../imaging/errors.js';
import { loadImage } from '../../imaging/load.js';
import { sniffFormat } from '../../imaging/sniff.js';
import { storedRange, storedValues } from '../../imaging/stored-values.js';
import { getTransferSyntax } from '../../imaging/transfer-syntax.js';
import type { RasterImage, VoiWindow } from '../../imaging/types.js';
import { applyWindow, minMaxWindow, type VoiFunction } from '../../imaging/voi.js';
import { windowSpan, type UnitScale } from './units.js';

export interface StoredImage {
  format: 'dicom' | 'png' | 'jpeg';
  path?: string;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Stored values, planar [C,H,W], integers. */
  values: Float64Array;
  /** Smallest and largest representable stored value (BitsStored/PixelRepresentation; 0…levels for rasters). */
  range: [number, number];
  /** Raster samples: display = stored / levels. DICOM: modality = stored·slope + intercept, then the window. */
  levels: number;
  slope: number;
  intercept: number;
  /** DICOM: the window the display used (the file's first, else min/max of the clean frame). */
  window?: VoiWindow;
  voiFunction: VoiFunction;
  /** The window came from the file (false: min/max of the clean frame, which the export then writes). */
  windowFromFile: boolean;
  invert: boolean;
  modality?: string;
  frame: number;
  frames: number;
  pixelSpacingMm?: [number, number];
  /** The file's bytes (DICOM export copies its attributes). */
  bytes: Uint8Array;
}

/** su ↔ HU ↔ k/255w conversion of this image (units.ts). */
export function unitScale(img: StoredImage): UnitScale {
  if (img.format !== 'dicom' || !img.window) return { slope: 1, span: img.levels, hu: false };
  return { slope: Math.abs(img.slope), span: windowSpan(img.window.width, img.voiFunction), hu: img.modality === 'CT' };
}

async function loadDicomStored(bytes: Uint8Array, path: string | undefined, frame: number): Promise<StoredImage> {
  const label = sourceLabel(path);
  const { dataSet, transferSyntaxUID } = parseDicomBytes(bytes, label);
  const h = readHeader(dataSet);
  const ts = getTransferSyntax(transferSyntaxUID);
  if (h.samplesPerPixel !== 1 || !(h.photometric === 'MONOCHROME1' || h.photometric === 'MONOCHROME2')) {
    throw new ImageDecodeError(`${label}: the stored domain supports grey DICOM images (MONOCHROME1/2); this one is ${h.photometric} — use --domain model.`);
  }
  if (!ts.codec) throw new ImageDecodeError(`${label}: unsupported transfer syntax ${ts.uid} (${ts.name}): ${ts.reason ?? 'no decoder'}`);
  if (h.pixelDataTag !== 'x7fe00010') throw new ImageDecodeError(`${label}: has no integer pixel data (7FE0,0010) to attack in the stored domain.`);
  if (!Number.isInteger(frame) || frame < 0 || frame >= h.frames) throw new ImageDecodeError(`${label}: frame ${frame} requested, but the file has ${h.frames} frame(s) (0-based)`);
  await prepareCodec(ts.codec);
  const values = storedValues(readRawFrame(dataSet, h, ts, frame), h);
  const t = frameTransform(dataSet, frame);
  const fileWindow = t.windows[0];
  const modalityValues = toModality(values, t.slope, t.intercept);
  const window = fileWindow ?? minMaxWindow(modalityValues);
  if (window.width <= 1 && t.voiFunction === 'LINEAR') throw new ImageDecodeError(`${label}: the VOI window is ${window.width} wide, a threshold with no gradient; the stored domain needs a window wider than 1.`);
  return {
    format: 'dicom', path, width: h.columns, height: h.rows, channels: 1, values, range: storedRange(h), levels: 2 ** Math.min(h.bitsStored, 32) - 1,
    slope: t.slope, intercept: t.intercept, window, voiFunction: fileWindow ? t.voiFunction : 'LINEAR', windowFromFile: !!fileWindow,
    invert: h.photometric === 'MONOCHROME1', modality: h.modality, frame, frames: h.frames, pixelSpacingMm: h.pixelSpacingMm, bytes,
  };
}

/** Stored → modality values as DicomStudyImage.getFrame computes them (double product, stored as float32). */
function toModality(values: ArrayLike<number>, slope: number, intercept: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = values[k] * slope + intercept;
  return out;
}

/** Reads a PNG, JPEG or grey DICOM file as stored values (frame: DICOM frame, 0-based). */
export async function loadStoredImage(path: string, frame = 0): Promise<StoredImage> {
  const bytes = new Uint8Array(await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new ImageDecodeError(`${path}: ${e.code === 'ENOENT' ? 'file not found' : e.message}`, { cause: e });
  }));
  const format = sniffFormat(bytes);
  if (format === 'dicom') return loadDicomStored(bytes, path, frame);
  const r = await loadImage(bytes);
  if (format !== 'png' && format !== 'jpeg') throw new ImageDecodeError(`${path}: not a PNG, JPEG or DICOM image`);
  const n = r.width * r.height;
  const values = new Float64Array(r.channels * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < r.channels; c++) values[c * n + i] = Math.round(r.data[i * r.channels + c] * r.levels);
  return {
    format, path, width: r.width, height: r.height, channels: r.channels, values, range: [0, r.levels], levels: r.levels,
    slope: 1, intercept: 0, voiFunction: 'LINEAR', windowFromFile: false, invert: false, frame: 0, frames: 1, bytes,
  };
}

/** Stored values (planar [C,H,W]) → the RasterImage the engine decodes from a file holding them. */
export function storedToRaster(img: StoredImage, values: ArrayLike<number>): RasterImage {
  const { width, height, channels } = img;
  const n = width * height;
  const source = { format: img.format, path: img.path, ...(img.pixelSpacingMm ? { pixelSpacingMm: img.pixelSpacingMm } : {}) };
  if (img.format !== 'dicom') {
    const data = new Float32Array(channels * n);
    for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) data[i * channels + c] = values[c * n + i] / img.levels;
    return { width, height, channels, data, levels: img.levels, source };
  }
  const data = applyWindow(toModality(values, img.slope, img.intercept), img.window!, img.voiFunction, img.invert);
  return { width, height, channels: 1, data, levels: img.levels, source: { ...source, window: img.window } };
}

/** Δ = adversarial − clean per pixel in stored units (RGB rasters: the largest change of the three channels, signed). */
export function storedDelta(img: Pick<StoredImage, 'width' | 'height' | 'channels'>, clean: ArrayLike<number>, adversarial: ArrayLike<number>): Float32Array {
  const plane = img.width * img.height;
  return Float32Array.from({ length: plane }, (_, i) => {
    let d = 0;
    for (let c = 0; c < img.channels; c++) {
      const v = adversarial[c * plane + i] - clean[c * plane + i];
      if (Math.abs(v) > Math.abs(d)) d = v;
    }
    return d;
  });
}

/** The perturbation panel of a stored-domain result: one grey plane ½ + Δ·gain per pixel, clamped to [0,1]. */
export function storedDeltaPanel(img: Pick<StoredImage, 'width' | 'height' | 'channels'>, clean: ArrayLike<number>, adversarial: ArrayLike<number>, gain: number): Float32Array {
  return storedDelta(img, clean, adversarial).map((d) => Math.min(1, Math.max(0, 0.5 + d * gain)));
}
