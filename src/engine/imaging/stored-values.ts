/**
 * Raw integer samples → stored values (PS3.3 C.7.6.3.1: BitsStored, HighBit, PixelRepresentation).
 */
import type { DicomHeader } from './dicom-header.js';
import type { RawFrame } from './dicom-frames.js';

/**
 * Native and lossless-codec samples keep only BitsStored bits ending at HighBit, sign-extended when
 * PixelRepresentation is 1. Samples a codec already returned as signed are used as they are; unsigned
 * codec samples are sign-extended only when the dataset says signed (e.g. a J2K codestream written
 * unsigned for signed data), otherwise kept whole so lossy overshoot is not wrapped.
 */
export function storedValues(raw: RawFrame, h: DicomHeader): Float64Array {
  const src = raw.samples;
  const out = new Float64Array(src.length);
  const bits = Math.min(h.bitsStored, 32);
  const span = 2 ** bits;
  const signBit = 2 ** (bits - 1);
  const signed = h.pixelRepresentation === 1;
  if (raw.codecSigned) {
    for (let i = 0; i < src.length; i++) out[i] = src[i];
    return out;
  }
  if (raw.fromCodec && !signed) {
    for (let i = 0; i < src.length; i++) out[i] = src[i];
    return out;
  }
  const shift = raw.fromCodec ? 1 : 2 ** Math.max(0, h.highBit + 1 - bits);
  for (let i = 0; i < src.length; i++) {
    let v = Math.floor(src[i] / shift) % span;
    if (signed && v >= signBit) v -= span;
    out[i] = v;
  }
  return out;
}

/** Smallest and largest stored value the header allows. */
export function storedRange(h: DicomHeader): [number, number] {
  const bits = Math.min(h.bitsStored, 32);
  return h.pixelRepresentation === 1 ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}
