/**
 * The image-pixel attributes of a parsed DICOM dataset (PS3.3 C.7.6.3 Image Pixel, C.11 VOI LUT, C.7.6.16
 * functional groups of enhanced multi-frame objects), read once into a plain object.
 */
import type { DataSet } from 'dicom-parser';
import type { VoiWindow } from './types.js';

export interface FrameTransform {
  slope: number;
  intercept: number;
  windows: VoiWindow[];
  voiFunction: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';
}

export interface DicomHeader {
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  photometric: string;
  planarConfiguration: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  windows: VoiWindow[];
  voiFunction: FrameTransform['voiFunction'];
  pixelSpacingMm?: [number, number];
  modality?: string;
  sopClassUID?: string;
  /** Which pixel element holds the image, if any. */
  pixelDataTag?: 'x7fe00010' | 'x7fe00008' | 'x7fe00009';
}

const SHARED_GROUPS = 'x52009229';
const PER_FRAME_GROUPS = 'x52009230';

function str(ds: DataSet, tag: string): string | undefined {
  const v = ds.string(tag);
  return v === undefined ? undefined : v.replace(/\0/g, '').trim() || undefined;
}

function num(ds: DataSet, tag: string, index = 0): number | undefined {
  const s = ds.string(tag, index);
  if (s === undefined) return undefined;
  const v = Number(s.replace(/\0/g, '').trim());
  return s.trim() !== '' && Number.isFinite(v) ? v : undefined;
}

function uint16(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  return el && el.length >= 2 ? ds.uint16(tag) : undefined;
}

function multi(ds: DataSet, tag: string): number[] {
  const n = ds.numStringValues(tag) ?? 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = num(ds, tag, i);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** First item dataset of sequence `seq` in `ds`. */
function item(ds: DataSet | undefined, seq: string, index = 0): DataSet | undefined {
  return ds?.elements[seq]?.items?.[index]?.dataSet;
}

/**
 * The datasets to search for a macro, most specific first: the frame's per-frame group, the shared
 * group, then the top level (classic single-frame objects).
 */
function macroSources(ds: DataSet, frame: number, macroSeq: string): DataSet[] {
  const out: DataSet[] = [];
  const perFrame = item(item(ds, PER_FRAME_GROUPS, frame), macroSeq);
  const shared = item(item(ds, SHARED_GROUPS), macroSeq);
  if (perFrame) out.push(perFrame);
  if (shared) out.push(shared);
  out.push(ds);
  return out;
}

function windowsOf(ds: DataSet): VoiWindow[] {
  const centers = multi(ds, 'x00281050');
  const widths = multi(ds, 'x00281051');
  const out: VoiWindow[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (widths[i] > 0) out.push({ center: centers[i], width: widths[i] });
  }
  return out;
}

function voiFunctionOf(ds: DataSet): FrameTransform['voiFunction'] | undefined {
  const f = str(ds, 'x00281056');
  return f === 'LINEAR_EXACT' || f === 'SIGMOID' || f === 'LINEAR' ? f : undefined;
}

/** Rescale and VOI window for one frame, looking in functional groups first (enhanced objects). */
export function frameTransform(ds: DataSet, frame: number): FrameTransform {
  let slope: number | undefined;
  let intercept: number | undefined;
  for (const src of macroSources(ds, frame, 'x00289145')) {
    slope ??= num(src, 'x00281053');
    intercept ??= num(src, 'x00281052');
  }
  let windows: VoiWindow[] = [];
  let voiFunction: FrameTransform['voiFunction'] | undefined;
  for (const src of macroSources(ds, frame, 'x00289132')) {
    if (windows.length === 0) windows = windowsOf(src);
    voiFunction ??= voiFunctionOf(src);
  }
  return { slope: slope && slope !== 0 ? slope : 1, intercept: intercept ?? 0, windows, voiFunction: voiFunction ?? 'LINEAR' };
}

function pixelSpacing(ds: DataSet): [number, number] | undefined {
  for (const src of macroSources(ds, 0, 'x00289110')) {
    for (const tag of ['x00280030', 'x00181164']) {
      const v = multi(src, tag);
      if (v.length >= 2 && v[0] > 0 && v[1] > 0) return [v[0], v[1]];
    }
  }
  return undefined;
}

export function readHeader(ds: DataSet): DicomHeader {
  const bitsAllocated = uint16(ds, 'x00280100') ?? 0;
  const bitsStored = uint16(ds, 'x00280101') ?? bitsAllocated;
  const t = frameTransform(ds, 0);
  const framesRaw = num(ds, 'x00280008');
  const pixelDataTag = (['x7fe00010', 'x7fe00008', 'x7fe00009'] as const).find((tag) => ds.elements[tag] !== undefined);
  return {
    rows: uint16(ds, 'x00280010') ?? 0,
    columns: uint16(ds, 'x00280011') ?? 0,
    frames: framesRaw !== undefined && Number.isInteger(framesRaw) && framesRaw > 0 ? framesRaw : 1,
    samplesPerPixel: uint16(ds, 'x00280002') ?? 1,
    photometric: str(ds, 'x00280004') ?? 'MONOCHROME2',
    planarConfiguration: uint16(ds, 'x00280006') ?? 0,
    bitsAllocated,
    bitsStored,
    highBit: uint16(ds, 'x00280102') ?? bitsStored - 1,
    pixelRepresentation: uint16(ds, 'x00280103') ?? 0,
    rescaleSlope: t.slope,
    rescaleIntercept: t.intercept,
    windows: t.windows,
    voiFunction: t.voiFunction,
    pixelSpacingMm: pixelSpacing(ds),
    modality: str(ds, 'x00080060'),
    sopClassUID: str(ds, 'x00080016') ?? str(ds, 'x00020002'),
    pixelDataTag,
  };
}
