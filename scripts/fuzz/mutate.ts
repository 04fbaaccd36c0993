/**
 * Seeded mutations of image files: generic byte damage plus format-aware edits that reach past the first
 * sanity check (DICOM attribute values and lengths, PNG IHDR fields with CRCs fixed, JPEG frame headers).
 * Everything is a pure function of the seed, so a failing case is reproduced from (seed, case index).
 */
import { crc32 } from 'node:zlib';
import { mulberry32 } from '../../src/engine/metrics/random.js';

export type Rng = () => number;

/** The project's one mulberry32 (src/engine/metrics/random.ts): mutations are a pure function of the seed. */
export const rng = (seed: number): Rng => mulberry32(seed);

const int = (r: Rng, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Values that break size arithmetic: 0, 1, odd, powers of two and their neighbours, all-ones. */
const EDGE16 = [0, 1, 2, 3, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33, 255, 256, 4095, 4096, 16384, 32767, 32768, 65535];
const EDGE32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000, 16384, 65536 * 4];

function flipBytes(b: Uint8Array, r: Rng): void {
  const n = 1 + int(r, 24);
  for (let i = 0; i < n; i++) b[int(r, b.length)] = int(r, 256);
}

function findAll(b: Uint8Array, pattern: number[]): number[] {
  const out: number[] = [];
  outer: for (let i = 0; i + pattern.length <= b.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (b[i + k] !== pattern[k]) continue outer;
    out.push(i);
  }
  return out;
}

/** (0028,xxxx) image-pixel attributes whose US values drive allocation and unpacking. */
const PIXEL_TAGS: [number, number][] = [
  [0x0028, 0x0010], // Rows
  [0x0028, 0x0011], // Columns
  [0x0028, 0x0002], // SamplesPerPixel
  [0x0028, 0x0100], // BitsAllocated
  [0x0028, 0x0101], // BitsStored
  [0x0028, 0x0102], // HighBit
  [0x0028, 0x0103], // PixelRepresentation
  [0x0028, 0x0006], // PlanarConfiguration
];
const PHOTOMETRIC = ['MONOCHROME1 ', 'MONOCHROME2 ', 'RGB ', 'YBR_FULL', 'YBR_FULL_422', 'PALETTE COLOR ', 'YBR_ICT ', 'HSV '];

function dicomEdit(b: Uint8Array, r: Rng): Uint8Array {
  const choice = int(r, 4);
  if (choice === 0) {
    // a US value (explicit VR: tag VR len value; implicit: tag len32 value — both at +8)
    const [g, e] = pick(r, PIXEL_TAGS);
    const at = findAll(b, [g & 255, g >> 8, e & 255, e >> 8]);
    if (at.length) {
      const p = pick(r, at) + 8;
      const v = pick(r, EDGE16);
      if (p + 1 < b.length) {
        b[p] = v & 255;
        b[p + 1] = v >> 8;
      }
    }
    return b;
  }
  if (choice === 1) {
    // a length field of any element: 16-bit (explicit short VR) or 32-bit
    const at = findAll(b, [0x28, 0x00]).concat(findAll(b, [0xe0, 0x7f]), findAll(b, [0xfe, 0xff]));
    if (at.length) {
      const p = pick(r, at) + (r() < 0.5 ? 6 : 4);
      const v = pick(r, EDGE32);
      for (let k = 0; k < 4 && p + k < b.length; k++) b[p + k] = (v >>> (8 * k)) & 255;
    }
    return b;
  }
  if (choice === 2) {
    // PhotometricInterpretation text
    const at = findAll(b, [0x28, 0x00, 0x04, 0x00]);
    if (at.length) {
      const p = pick(r, at);
      const explicit = b[p + 4] === 0x43 && b[p + 5] === 0x53; // "CS"
      const len = explicit ? b[p + 6] | (b[p + 7] << 8) : b[p + 4] | (b[p + 5] << 8);
      const text = pick(r, PHOTOMETRIC).padEnd(len, ' ').slice(0, len);
      for (let k = 0; k < len && p + 8 + k < b.length; k++) b[p + 8 + k] = text.charCodeAt(k);
    }
    return b;
  }
  // damage inside the pixel data (codestream) only: the header stays valid, the codec sees garbage
  const px = findAll(b, [0xe0, 0x7f, 0x10, 0x00]);
  const start = px.length ? px[px.length - 1] : Math.floor(b.length / 2);
  const n = 1 + int(r, 16);
  for (let i = 0; i < n; i++) {
    const p = start + int(r, Math.max(1, b.length - start));
    if (p < b.length) b[p] = int(r, 256);
  }
  return b;
}

/** Recomputes every chunk CRC so pngjs gets past its checksum test to the damaged values. */
function fixPngCrcs(b: Uint8Array): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 8;
  while (p + 12 <= b.length) {
    const len = v.getUint32(p);
    if (p + 12 + len > b.length) return;
    v.setUint32(p + 8 + len, crc32(b.subarray(p + 4, p + 8 + len)));
    p += 12 + len;
  }
}

function pngEdit(b: Uint8Array, r: Rng): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const choice = int(r, 3);
  if (choice === 0 && b.length > 29) {
    const field = int(r, 4);
    if (field === 0) v.setUint32(16, pick(r, EDGE32) % 70000);
    else if (field === 1) v.setUint32(20, pick(r, EDGE32) % 70000);
    else if (field === 2) b[24] = pick(r, [1, 2, 4, 8, 16, 3, 0, 32]);
    else b[25] = pick(r, [0, 2, 3, 4, 6, 1, 5, 7]);
  } else {
    flipBytes(b, r);
  }
  if (r() < 0.8) fixPngCrcs(b);
  return b;
}

function jpegEdit(b: Uint8Array, r: Rng): Uint8Array {
  const sofs = findAll(b, [0xff, 0xc0]).concat(findAll(b, [0xff, 0xc2]), findAll(b, [0xff, 0xc1]));
  if (sofs.length && r() < 0.5) {
    const p = pick(r, sofs);
    const field = int(r, 4);
    const v = pick(r, EDGE16);
    if (field === 0 && p + 4 < b.length) b[p + 4] = pick(r, [8, 12, 16, 0, 2]);
    else if (field === 3 && p + 9 < b.length) b[p + 9] = pick(r, [0, 1, 2, 3, 4, 255]);
    else if (p + 8 < b.length) {
      const at = field === 1 ? p + 5 : p + 7;
      b[at] = v >> 8;
      b[at + 1] = v & 255;
    }
    return b;
  }
  flipBytes(b, r);
  return b;
}

export type SeedFormat = 'dicom' | 'png' | 'jpeg';

/** One mutated copy of `seed`; `splice` is another seed to borrow bytes from. */
export function mutate(seed: Uint8Array, format: SeedFormat, r: Rng, splice: Uint8Array): { bytes: Uint8Array; how: string } {
  let b: Uint8Array = new Uint8Array(seed);
  const op = int(r, 10);
  if (op === 0) return { bytes: b.subarray(0, 1 + int(r, b.length - 1)), how: 'truncate' };
  if (op === 1) {
    const at = int(r, b.length);
    const len = 1 + int(r, Math.min(4096, splice.length));
    const from = int(r, Math.max(1, splice.length - len));
    b.set(splice.subarray(from, from + len).subarray(0, b.length - at), at);
    return { bytes: b, how: 'splice' };
  }
  if (op <= 4) {
    flipBytes(b, r);
    return { bytes: b, how: 'flip' };
  }
  b = format === 'dicom' ? dicomEdit(b, r) : format === 'png' ? pngEdit(b, r) : jpegEdit(b, r);
  return { bytes: b, how: `${format}-edit` };
}
