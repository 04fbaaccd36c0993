/**
 * DICOM Segmentation objects (PS3.3 A.51, C.8.20) → one binary mask per (segment, referenced image).
 * BINARY segmentations are bit-packed over all frames (frame k starts at bit k·rows·columns, not at a byte
 * boundary); FRACTIONAL ones are thresholded at half of MaximumFractionalValue; LABELMAP ones (Label Map
 * Segmentation Storage) hold the segment number in each pixel. Each frame names its segment
 * (SegmentIdentificationSequence) and the source image it was derived from (DerivationImageSequence →
 * SourceImageSequence), with the plane position as a fallback for matching.
 */
import type { DataSet } from 'dicom-parser';
import { parseDicomBytes } from './dicom-parse.js';
import { ImageDecodeError } from './errors.js';

export interface SegSegment {
  number: number;
  label: string;
  /** sRGB from RecommendedDisplayCIELabValue when present. */
  colour: [number, number, number] | null;
}

export interface SegFrame {
  segment: number;
  /** SOP Instance UID of the image this frame annotates, when stated. */
  referencedSopInstanceUID: string | null;
  referencedFrame: number | null;
  position: [number, number, number] | null;
  /** rows × columns, 0/1. */
  mask: Uint8Array;
}

export interface SegObject {
  rows: number;
  columns: number;
  type: 'BINARY' | 'FRACTIONAL' | 'LABELMAP';
  segments: SegSegment[];
  frames: SegFrame[];
  seriesDescription: string | null;
}

const item = (ds: DataSet | undefined, tag: string, i = 0): DataSet | undefined => ds?.elements[tag]?.items?.[i]?.dataSet;
const text = (ds: DataSet | undefined, tag: string): string | null => ds?.string(tag)?.replace(/\0/g, '').trim() || null;

/** CIELab (DICOM scaled 0..65535) → sRGB 0..255 (D65), PS3.3 C.10.7.1.1. */
export function dicomLabToRgb(l16: number, a16: number, b16: number): [number, number, number] {
  const L = (l16 / 65535) * 100;
  const a = (a16 / 65535) * 255 - 128;
  const b = (b16 / 65535) * 255 - 128;
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inv = (t: number) => (t ** 3 > 0.008856 ? t ** 3 : (t - 16 / 116) / 7.787);
  const [X, Y, Z] = [0.95047 * inv(fx), inv(fy), 1.08883 * inv(fz)];
  const lin = [3.2406 * X - 1.5372 * Y - 0.4986 * Z, -0.9689 * X + 1.8758 * Y + 0.0415 * Z, 0.0557 * X - 0.204 * Y + 1.057 * Z];
  const g = (c: number) => Math.round(255 * Math.min(1, Math.max(0, c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055)));
  return [g(lin[0]), g(lin[1]), g(lin[2])];
}

export function readSeg(bytes: Uint8Array, label: string): SegObject {
  const { dataSet: ds, transferSyntaxUID } = parseDicomBytes(bytes, label);
  const sop = text(ds, 'x00080016');
  const isLabelmap = sop === '1.2.840.10008.5.1.4.1.1.66.7';
  if (sop !== '1.2.840.10008.5.1.4.1.1.66.4' && !isLabelmap) throw new ImageDecodeError(`${label}: is not a DICOM Segmentation (SOP class ${sop ?? 'missing'})`);
  if (!['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2'].includes(transferSyntaxUID)) {
    throw new ImageDecodeError(`${label}: compressed segmentations (transfer syntax ${transferSyntaxUID}) are not supported; save it uncompressed`);
  }
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  const frames = Number(text(ds, 'x00280008') ?? '1');
  const bits = ds.uint16('x00280100') ?? 1;
  const typeText = text(ds, 'x00620001') ?? (isLabelmap ? 'LABELMAP' : 'BINARY');
  const type = (isLabelmap ? 'LABELMAP' : typeText) as SegObject['type'];
  if (!['BINARY', 'FRACTIONAL', 'LABELMAP'].includes(type)) throw new ImageDecodeError(`${label}: unknown SegmentationType ${typeText}`);
  const pixel = ds.elements.x7fe00010;
  if (!pixel || rows === 0 || columns === 0 || !(frames > 0)) throw new ImageDecodeError(`${label}: has no segmentation pixel data`);

  const segments: SegSegment[] = [];
  const seq = ds.elements.x00620002?.items ?? [];
  for (const it of seq) {
    const s = it.dataSet!;
    const lab = s.elements.x0062000d ? [0, 1, 2].map((k) => s.uint16('x0062000d', k) ?? 0) : null;
    segments.push({ number: s.uint16('x00620004') ?? 0, label: text(s, 'x00620005') ?? `Segment ${s.uint16('x00620004')}`, colour: lab ? dicomLabToRgb(lab[0], lab[1], lab[2]) : null });
  }
  const real = segments.filter((s) => !(isLabelmap && s.number === 0));

  const n = rows * columns;
  const raw = new Uint8Array(ds.byteArray.buffer, ds.byteArray.byteOffset + pixel.dataOffset, pixel.length);
  const bigEndianWords = transferSyntaxUID === '1.2.840.10008.1.2.2' && bits === 1 && pixel.vr === 'OW';
  const byteAt = (k: number) => raw[bigEndianWords ? k ^ 1 : k];
  const needed = bits === 1 ? Math.ceil((n * frames) / 8) : n * frames * (bits / 8);
  if (raw.length < needed) throw new ImageDecodeError(`${label}: segmentation pixel data is truncated (${raw.length} of ${needed} bytes)`);
  const maxFraction = ds.uint16('x00620010') ?? 255;
  const padding = isLabelmap ? (ds.elements.x00280120 ? ds.uint16('x00280120') : undefined) : undefined;

  const out: SegFrame[] = [];
  for (let f = 0; f < frames; f++) {
    const g = item(ds, 'x52009230', f);
    const segNo = item(g, 'x0062000a')?.uint16('x0062000b') ?? (real.length === 1 ? real[0].number : 1);
    const src = item(item(g, 'x00089124'), 'x00082112');
    const refUid = text(src, 'x00081155');
    const refFrame = src?.elements.x00081160 ? Number(text(src, 'x00081160')) - 1 : null;
    const posText = text(item(g, 'x00209113'), 'x00200032');
    const pos = posText?.split('\\').map(Number);
    const position: SegFrame['position'] = pos && pos.length >= 3 && pos.every(Number.isFinite) ? [pos[0], pos[1], pos[2]] : null;
    const value = (k: number): number => {
      const i = f * n + k;
      if (bits === 1) return (byteAt(i >> 3) >> (i & 7)) & 1;
      if (bits === 8) return raw[i];
      return raw[2 * i] | (raw[2 * i + 1] << 8);
    };
    if (type === 'LABELMAP') {
      for (const s of real) {
        const mask = new Uint8Array(n);
        for (let k = 0; k < n; k++) {
          const v = value(k);
          mask[k] = v === s.number && v !== padding ? 1 : 0;
        }
        out.push({ segment: s.number, referencedSopInstanceUID: refUid, referencedFrame: refFrame, position, mask });
      }
      continue;
    }
    const mask = new Uint8Array(n);
    const cut = type === 'FRACTIONAL' ? maxFraction / 2 : 0.5;
    for (let k = 0; k < n; k++) mask[k] = value(k) > cut ? 1 : 0;
    out.push({ segment: segNo, referencedSopInstanceUID: refUid, referencedFrame: refFrame, position, mask });
  }
  return { rows, columns, type, segments: real, frames: out, seriesDescription: text(ds, 'x0008103e') };
}
