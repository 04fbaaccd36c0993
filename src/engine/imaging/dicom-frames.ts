/**
 * Gets one frame's samples out of a parsed DICOM dataset: native pixel data (any byte order, 1 to 32
 * bits allocated) or encapsulated fragments through the codec of the transfer syntax. Returns raw
 * integer samples, pixel-interleaved unless `planar` says otherwise.
 */
import type { DataSet, Element } from 'dicom-parser';
import {
  decodeJpeg2000,
  decodeJpegBaseline,
  decodeJpegLossless,
  decodeJpegLs,
  type CodecOutput,
} from './codecs.js';
import { j2kFrameHeader, jpegFrameHeader } from './codestream.js';
import type { DicomHeader } from './dicom-header.js';
import { dicomParser } from './dicom-parse.js';
import { keepJpegComponentsAsRgb } from './jpeg-colour.js';
import { decodeRleFrame } from './rle.js';
import type { TransferSyntaxInfo } from './transfer-syntax.js';

export interface RawFrame {
  samples: ArrayLike<number>;
  /** The codec produced signed values: use them as they are, no sign extension. */
  codecSigned: boolean;
  /** Values came from a codec: unsigned ones are kept whole (not masked to BitsStored), so lossy overshoot is not wrapped. */
  fromCodec: boolean;
  /** Samples are planes (RRR…GGG…BBB…), i.e. native data with PlanarConfiguration 1. */
  planar: boolean;
  /** Colour samples are already RGB (the JPEG / JPEG 2000 codec undid the YCbCr transform). */
  rgbFromCodec: boolean;
  /** Native YBR_FULL_422: two samples of luma per chroma pair, still packed. */
  packed422: boolean;
}

/** Bytes of one native frame; YBR_FULL_422 stores 2 samples per pixel. */
function nativeFrameBytes(h: DicomHeader, packed422: boolean): number {
  const samples = packed422 ? 2 : h.samplesPerPixel;
  return (h.rows * h.columns * samples * h.bitsAllocated) / 8;
}

/** Where native pixel bytes lie: `length` bytes from `offset` in `bytes`, with the element's VR. */
interface NativeSource {
  bytes: Uint8Array;
  offset: number;
  length: number;
  vr?: string;
}

function readNative(src: NativeSource, h: DicomHeader, littleEndian: boolean, frame: number): RawFrame {
  const packed422 = h.photometric === 'YBR_FULL_422' && h.samplesPerPixel === 3;
  const perFrame = nativeFrameBytes(h, packed422);
  const available = Math.min(src.length, src.bytes.length - src.offset);
  const needed = Math.ceil(perFrame * h.frames);
  if (available < needed) {
    throw new Error(`pixel data is truncated: ${available} bytes present, ${needed} needed for ${h.frames} frame(s)`);
  }
  const bytes = src.bytes;
  const base = src.offset;
  // In big endian, OW words are byte-swapped even for 8- and 1-bit data (PS3.5 8.1.1 / 8.2).
  const swapWords = !littleEndian && src.vr === 'OW' && h.bitsAllocated <= 8;
  const at = (i: number): number => bytes[base + (swapWords ? i ^ 1 : i)];
  const count = h.rows * h.columns * (packed422 ? 2 : h.samplesPerPixel);
  const planar = h.planarConfiguration === 1 && h.samplesPerPixel > 1 && !packed422;
  const flags = { codecSigned: false, fromCodec: false, planar, rgbFromCodec: false, packed422 };
  if (h.bitsAllocated === 1) {
    const out = new Uint8Array(count);
    const bit0 = frame * count;
    for (let k = 0; k < count; k++) {
      const b = bit0 + k;
      out[k] = (at(Math.floor(b / 8)) >> b % 8) & 1; // not b >> 3: int32 wraps past 2^31 bits
    }
    return { samples: out, ...flags };
  }
  const start = frame * perFrame;
  if (h.bitsAllocated === 8) {
    const out = new Uint8Array(count);
    for (let k = 0; k < count; k++) out[k] = at(start + k);
    return { samples: out, ...flags };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + base + start, perFrame);
  if (h.bitsAllocated === 16) {
    const out = new Uint16Array(count);
    for (let k = 0; k < count; k++) out[k] = view.getUint16(2 * k, littleEndian);
    return { samples: out, ...flags };
  }
  if (h.bitsAllocated === 32) {
    const out = new Uint32Array(count);
    for (let k = 0; k < count; k++) out[k] = view.getUint32(4 * k, littleEndian);
    return { samples: out, ...flags };
  }
  throw new Error(`BitsAllocated ${h.bitsAllocated} is not supported (1, 8, 16 or 32)`);
}

/**
 * Fills in basicOffsetTable/fragments when dicom-parser read encapsulated Pixel Data as a sequence
 * (happens when a dataset is implicit VR although its transfer syntax is encapsulated). Items are
 * (FFFE,E000) length value; the first is the Basic Offset Table (PS3.5 A.4).
 */
function recoverFragments(ds: DataSet, el: Element): void {
  const b = ds.byteArray;
  const u16 = (p: number): number => b[p] | (b[p + 1] << 8);
  const u32 = (p: number): number => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  let p = el.dataOffset;
  const items: { position: number; length: number; tagAt: number }[] = [];
  while (p + 8 <= b.length && u16(p) === 0xfffe && u16(p + 2) === 0xe000) {
    const length = u32(p + 4);
    if (p + 8 + length > b.length) throw new Error('encapsulated pixel data is truncated');
    items.push({ tagAt: p, position: p + 8, length });
    p += 8 + length;
  }
  if (items.length < 2) throw new Error('encapsulated pixel data has no fragments');
  const [bot, ...frags] = items;
  const base = frags[0].tagAt;
  el.basicOffsetTable = [];
  for (let k = 0; k + 4 <= bot.length; k += 4) el.basicOffsetTable.push(u32(bot.position + k));
  el.fragments = frags.map((f) => ({ offset: f.tagAt - base, position: f.position, length: f.length }));
  el.encapsulatedPixelData = true;
}

/** The encoded bytes of one frame of encapsulated pixel data, however its fragments are laid out. */
function encapsulatedFrame(ds: DataSet, el: Element, h: DicomHeader, frame: number): Uint8Array {
  const dp = dicomParser();
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new Error('encapsulated pixel data has no fragments');
  if (el.basicOffsetTable && el.basicOffsetTable.length > 0) return dp.readEncapsulatedImageFrame(ds, el, frame);
  if (h.frames === 1) return dp.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
  if (fragments.length === h.frames) return dp.readEncapsulatedPixelDataFromFragments(ds, el, frame, 1);
  const table = dp.createJPEGBasicOffsetTable(ds, el);
  return dp.readEncapsulatedImageFrame(ds, el, frame, table);
}

/** JPEG 2000 allows at most 65535 tiles; many tiny tiles make OpenJPEG slow on a tiny file. */
const MAX_J2K_TILES = 65535;

/**
 * Compares the codestream's own frame header with the DICOM header before the codec runs, so a frame
 * that would decode to something else (a bigger image, other components, 12-bit samples for an 8-bit-only
 * syntax) is refused without decoding it. The DICOM header was already checked against the budget.
 */
function checkCodestream(encoded: Uint8Array, h: DicomHeader, ts: TransferSyntaxInfo): void {
  if (ts.codec === 'rle' || ts.codec === 'native') return;
  const info = ts.codec === 'jpeg2000' ? j2kFrameHeader(encoded) : jpegFrameHeader(encoded);
  if (!info) throw new Error('the compressed frame has no readable frame header (corrupt or truncated)');
  if (info.width !== h.columns || info.height !== h.rows) {
    throw new Error(`the compressed frame says ${info.width}x${info.height}, but Columns x Rows say ${h.columns}x${h.rows}`);
  }
  if (info.components !== h.samplesPerPixel) {
    throw new Error(`the compressed frame has ${info.components} components, but SamplesPerPixel is ${h.samplesPerPixel}`);
  }
  if (info.precision < 1 || info.precision > 16) throw new Error(`the compressed frame has ${info.precision}-bit samples (1 to 16 supported)`);
  if (ts.onlyPrecision !== undefined && info.precision !== ts.onlyPrecision) {
    throw new Error(`the compressed frame has ${info.precision}-bit samples: ${ts.reason ?? 'not supported'}`);
  }
  if (info.tiles !== undefined && info.tiles > MAX_J2K_TILES) throw new Error(`the JPEG 2000 frame declares ${info.tiles} tiles (at most ${MAX_J2K_TILES})`);
}

function checkCodecSize(out: CodecOutput, h: DicomHeader): void {
  if (out.width !== h.columns || out.height !== h.rows) {
    throw new Error(`decoded frame is ${out.width}x${out.height}, but Columns x Rows say ${h.columns}x${h.rows}`);
  }
  if (out.components !== h.samplesPerPixel) {
    throw new Error(`decoded frame has ${out.components} components, but SamplesPerPixel is ${h.samplesPerPixel}`);
  }
  const expected = h.rows * h.columns * h.samplesPerPixel;
  if (out.samples.length < expected) {
    throw new Error(`decoded frame has ${out.samples.length} samples, ${expected} expected`);
  }
}

function codecFrame(out: CodecOutput, h: DicomHeader, rgb: boolean): RawFrame {
  checkCodecSize(out, h);
  return { samples: out.samples, codecSigned: out.signed, fromCodec: true, planar: false, rgbFromCodec: rgb, packed422: false };
}

/** Decodes frame `frame` (0-based) to raw samples; throws plain Errors that the caller labels. */
export function readRawFrame(ds: DataSet, h: DicomHeader, ts: TransferSyntaxInfo, frame: number): RawFrame {
  const tag = h.pixelDataTag;
  const el = tag ? ds.elements[tag] : undefined;
  if (!el) throw new Error('no pixel data');
  if (ts.codec === 'native') {
    return readNative({ bytes: ds.byteArray, offset: el.dataOffset, length: el.length, vr: el.vr }, h, ts.littleEndian, frame);
  }
  if (!el.encapsulatedPixelData) recoverFragments(ds, el);
  const encoded = encapsulatedFrame(ds, el, h, frame);
  checkCodestream(encoded, h, ts);
  const colour = h.samplesPerPixel === 3;
  switch (ts.codec) {
    case 'rle': {
      const bytesPerSample = h.bitsAllocated / 8;
      if (!Number.isInteger(bytesPerSample)) throw new Error(`RLE with BitsAllocated ${h.bitsAllocated} is not supported`);
      const le = decodeRleFrame(encoded, h.rows * h.columns, h.samplesPerPixel, bytesPerSample);
      const native = { ...h, frames: 1, planarConfiguration: 0, photometric: h.photometric === 'YBR_FULL_422' ? 'YBR_FULL' : h.photometric };
      return readNative({ bytes: le, offset: 0, length: le.length }, native, true, 0);
    }
    case 'jpeg-baseline': {
      const stream = h.photometric === 'RGB' ? keepJpegComponentsAsRgb(encoded) : encoded;
      return codecFrame(decodeJpegBaseline(stream), h, colour);
    }
    case 'jpeg-lossless': {
      const out = decodeJpegLossless(encoded, h.columns, h.rows, h.samplesPerPixel, h.bitsAllocated > 8 ? 2 : 1);
      return codecFrame(out, h, false);
    }
    case 'jpeg-ls':
      return codecFrame(decodeJpegLs(encoded), h, false);
    case 'jpeg2000':
      // OpenJPEG applies the inverse RCT/ICT, so YBR_RCT / YBR_ICT come out as RGB.
      return codecFrame(decodeJpeg2000(encoded), h, colour);
    default:
      throw new Error(`no decoder for ${ts.name}`);
  }
}
