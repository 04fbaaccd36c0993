/**
 * Writes an adversarial image as DICOM beside the original, with dcmjs (which reads every transfer
 * syntax's header and writes Part-10 files): all attributes of the original are kept — same geometry,
 * patient and study (unless `anonymise`) — except
 *   SOP Instance UID and Series Instance UID: new, under the UID root 2.25 (PS3.5 B.2: a UUID as a
 *     decimal integer; here the first 128 bits of a sha256 of the original SOP Instance UID, the new pixel
 *     data and the derivation text, so one adversarial image always gets the same UIDs);
 *   ImageType: DERIVED\SECONDARY, further values kept (CT's AXIAL/LOCALIZER);
 *   DerivationDescription: attack, ε in every unit, model sha256, seed; SourceImageSequence → the original;
 *   SeriesDescription: "Adversarial (vlsm-audit)";
 *   pixel data: the stored values given, native (uncompressed) Explicit VR Little Endian, with the
 *     original BitsAllocated/BitsStored/HighBit/PixelRepresentation; group lengths are dropped (retired,
 *     and stale once values change);
 *   VOI window: written when the original had none, as the min/max window the engine used for the clean
 *     image, so the copy displays (and re-segments) with the same window as the original.
 * Single-frame images only.
 */
import { createHash } from 'node:crypto';
import { dcmjs, readDicomDict, type DcmDataset as Dataset, type DcmDict as DicomDictLike } from './dcmjs.js';
import { ImageDecodeError } from './errors.js';
import type { VoiWindow } from './types.js';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** The documented UID root of every UID this project creates: 2.25 (UUID-derived, PS3.5 B.2). */
export const UID_ROOT = '2.25';

/** 2.25.<first 128 bits of sha256(parts) as a decimal integer>: at most 44 characters. */
export function derivedUid(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  const hex = h.digest('hex').slice(0, 32);
  return `${UID_ROOT}.${BigInt(`0x${hex}`).toString()}`;
}

export interface DicomExportOptions {
  /** The original file's bytes. */
  original: Uint8Array;
  /** Stored values of the one frame, row-major, integers within BitsStored/PixelRepresentation. */
  stored: ArrayLike<number>;
  /** One line: attack, ε (su, HU, k/255w), model sha256, seed (DerivationDescription, ST ≤ 1024 chars). */
  derivation: string;
  /** The window the engine displayed the clean image with; written when the original has none. */
  window?: VoiWindow;
  /** Replace patient-identifying attributes (name, ID, birth date, sex, age) by empty values. */
  anonymise?: boolean;
}

export interface DicomExport {
  bytes: Uint8Array;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

const num = (ds: Dataset, tag: string): number | undefined => {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : undefined;
};
const str = (ds: Dataset, tag: string): string | undefined => {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'string' ? v.replace(/\0/g, '').trim() : undefined;
};

/** A DS value in at most 16 characters that parses back to the same double where possible. */
function ds(v: number): string {
  for (let p = 17; p >= 1; p--) {
    const s = String(Number(v.toPrecision(p)));
    if (s.length <= 16) return s;
  }
  return String(Math.round(v));
}

const ASCII: Record<string, string> = { 'ε': 'eps', 'α': 'alpha', '∞': 'inf', '±': '+/-', '≤': '<=', '≥': '>=', '→': '->', '·': '*', '×': 'x', '‖': '|', '²': '2', '₂': '2', '∆': 'delta', 'Δ': 'delta', '–': '-', '—': '-' };

/** Text for an ST element under the default character repertoire (ASCII): symbols spelt out, others dropped. */
export function asciiText(text: string): string {
  return [...text].map((ch) => ASCII[ch] ?? ch).join('').replace(/[^\x20-\x7e]/g, '');
}

/** Tags that dcmjs's dictionary types as US-or-SS ("xs"); read from implicit VR they arrive as US. */
const XS_TAGS = ['00280106', '00280107', '00280108', '00280109', '00280120', '00280121'];

export function exportAdversarialDicom(o: DicomExportOptions): DicomExport {
  const { data } = dcmjs();
  let parsed: DicomDictLike;
  try {
    parsed = readDicomDict(o.original);
  } catch (e) {
    throw new ImageDecodeError(`The original DICOM file cannot be re-read for export (${e instanceof Error ? e.message : String(e)}).`, { cause: e });
  }
  const src = parsed.dict;
  const rows = num(src, '00280010');
  const cols = num(src, '00280011');
  const frames = num(src, '00280008') ?? 1;
  const bitsAllocated = num(src, '00280100');
  const bitsStored = num(src, '00280101') ?? bitsAllocated;
  const highBit = num(src, '00280102') ?? (bitsStored ?? 1) - 1;
  const signed = num(src, '00280103') === 1;
  const sopInstance = str(src, '00080018') ?? '';
  const sopClass = str(src, '00080016') ?? str(parsed.meta, '00020002') ?? '';
  if (!rows || !cols || !bitsAllocated || !bitsStored) throw new ImageDecodeError('The original DICOM file lacks Rows, Columns or BitsAllocated; it cannot be exported.');
  if (frames !== 1) throw new ImageDecodeError(`The original has ${frames} frames; the DICOM export writes single-frame images only.`);
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new ImageDecodeError(`BitsAllocated ${bitsAllocated} cannot be exported (8 or 16).`);
  if (o.stored.length !== rows * cols) throw new ImageDecodeError(`${o.stored.length} stored values given for a ${cols}×${rows} image.`);

  // stored value → sample word: two's complement in BitsStored bits, shifted up to end at HighBit
  const span = 2 ** bitsStored;
  const shift = 2 ** (highBit + 1 - bitsStored);
  const [lo, hi] = signed ? [-(span / 2), span / 2 - 1] : [0, span - 1];
  const words = bitsAllocated === 16 ? new Uint16Array(rows * cols) : new Uint8Array(rows * cols);
  for (let i = 0; i < words.length; i++) {
    const v = o.stored[i];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ImageDecodeError(`Stored value ${v} at pixel ${i} is not an integer in [${lo}, ${hi}] (BitsStored ${bitsStored}${signed ? ', signed' : ''}).`);
    words[i] = (((v % span) + span) % span) * shift;
  }
  const pixelBytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);

  const dict: Dataset = {};
  for (const [tag, el] of Object.entries(src)) {
    if (tag.endsWith('0000') || tag === '7FE00001' || tag === '7FE00002') continue; // group lengths, extended offset table
    dict[tag] = { ...el }; // keeps dcmjs's _rawValue, so unchanged values are written back byte for byte
  }
  for (const tag of XS_TAGS) {
    const el = dict[tag];
    if (el && el.vr === 'US' && signed) dict[tag] = { vr: 'SS', Value: (el.Value as number[]).map((v) => (v >= 32768 ? v - 65536 : v)) };
  }
  const derivation = asciiText(o.derivation).slice(0, 1024);
  const sopInstanceUid = derivedUid('sop', sopInstance, pixelBytes, derivation);
  const seriesInstanceUid = derivedUid('series', str(src, '0020000E') ?? '', sopInstanceUid);
  const imageType = (src['00080008']?.Value as string[] | undefined) ?? [];
  dict['00080008'] = { vr: 'CS', Value: ['DERIVED', 'SECONDARY', ...imageType.slice(2)] };
  dict['00080018'] = { vr: 'UI', Value: [sopInstanceUid] };
  dict['0020000E'] = { vr: 'UI', Value: [seriesInstanceUid] };
  dict['0008103E'] = { vr: 'LO', Value: ['Adversarial (vlsm-audit)'] };
  dict['00082111'] = { vr: 'ST', Value: [derivation] };
  dict['00082112'] = { vr: 'SQ', Value: [{ '00081150': { vr: 'UI', Value: [sopClass] }, '00081155': { vr: 'UI', Value: [sopInstance] } }] };
  if (!dict['00281050'] && o.window) {
    dict['00281050'] = { vr: 'DS', Value: [ds(o.window.center)] };
    dict['00281051'] = { vr: 'DS', Value: [ds(o.window.width)] };
  }
  if (o.anonymise) {
    for (const tag of ['00100010', '00100020', '00100030', '00100040', '00101010']) if (dict[tag]) dict[tag] = { vr: dict[tag].vr };
  }
  dict['7FE00010'] = { vr: bitsAllocated === 16 ? 'OW' : 'OB', Value: [pixelBytes.slice().buffer] };

  const meta: Dataset = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [sopClass] },
    '00020003': { vr: 'UI', Value: [sopInstanceUid] },
    '00020010': { vr: 'UI', Value: [EXPLICIT_VR_LITTLE_ENDIAN] },
    '00020012': { vr: 'UI', Value: [derivedUid('vlsm-audit implementation')] },
    '00020013': { vr: 'SH', Value: ['VLSM_AUDIT'] },
  };
  const out = new data.DicomDict(meta);
  out.dict = dict;
    // values the original already held out of spec (e.g. a DA written 1999.05.24) are copied as they are:
  // the export must not be stricter than the original, only add no new errors
  return { bytes: new Uint8Array(out.write({ allowInvalidVRLength: true })), sopInstanceUid, seriesInstanceUid };
}
