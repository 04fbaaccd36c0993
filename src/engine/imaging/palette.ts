/**
 * PALETTE COLOR lookup (PS3.3 C.7.6.3.1.5–6 and segmented tables C.7.9.2): maps stored indices to RGB.
 */
import type { DataSet } from 'dicom-parser';

export interface PaletteLut {
  red: Uint16Array;
  green: Uint16Array;
  blue: Uint16Array;
  firstMapped: number;
  /** Largest entry value (2^bits − 1). */
  maxValue: number;
}

function readWords(ds: DataSet, tag: string): Uint16Array | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  const n = Math.floor(el.length / 2); // not >> 1: a hostile length of 2^31 would turn negative
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = ds.byteArrayParser.readUint16(ds.byteArray, el.dataOffset + 2 * i);
  return out;
}

/** Expands a segmented palette table (discrete, linear and indirect segments) into plain entries. */
export function expandSegmentedLut(words: Uint16Array, entries: number): Uint16Array {
  const out: number[] = [];
  const run = (start: number, end: number, depth: number): void => {
    let i = start;
    while (i < end && out.length < entries) {
      const op = words[i];
      const n = words[i + 1] ?? 0;
      if (op === 0) {
        for (let k = 0; k < n; k++) out.push(words[i + 2 + k]);
        i += 2 + n;
      } else if (op === 1) {
        const y0 = out.length > 0 ? out[out.length - 1] : 0;
        const y1 = words[i + 2];
        for (let k = 1; k <= n; k++) out.push(Math.round(y0 + ((y1 - y0) * k) / n));
        i += 3;
      } else if (op === 2) {
        if (depth > 4) throw new Error('segmented palette has nested indirect segments');
        const offset = words[i + 2] | (words[i + 3] << 16);
        let j = offset;
        for (let s = 0; s < n && j < words.length; s++) {
          const next = j + (words[j] === 0 ? 2 + words[j + 1] : words[j] === 1 ? 3 : 4);
          run(j, next, depth + 1);
          j = next;
        }
        i += 4;
      } else {
        throw new Error(`segmented palette has unknown segment type ${op}`);
      }
    }
  };
  run(0, words.length, 0);
  const lut = new Uint16Array(entries);
  lut.set(out.slice(0, entries));
  return lut;
}

/** Reads the red, green and blue palettes; throws an Error naming what is missing. */
export function readPalette(ds: DataSet): PaletteLut {
  const channels = [
    ['x00281101', 'x00281201', 'x00281221'],
    ['x00281102', 'x00281202', 'x00281222'],
    ['x00281103', 'x00281203', 'x00281223'],
  ] as const;
  const luts: Uint16Array[] = [];
  let firstMapped = 0;
  let bits = 16;
  for (const [descTag, dataTag, segTag] of channels) {
    const d = ds.elements[descTag];
    if (!d || d.length < 6) throw new Error('PALETTE COLOR image has no palette descriptor');
    const rd = (k: number): number => ds.byteArrayParser.readUint16(ds.byteArray, d.dataOffset + 2 * k);
    const entries = rd(0) === 0 ? 65536 : rd(0);
    firstMapped = rd(1);
    bits = rd(2);
    const plain = ds.elements[dataTag];
    let lut: Uint16Array;
    if (plain && bits === 8 && plain.length === entries) {
      lut = new Uint16Array(entries);
      for (let i = 0; i < entries; i++) lut[i] = ds.byteArray[plain.dataOffset + i];
    } else {
      const words = readWords(ds, dataTag);
      const seg = words ? undefined : readWords(ds, segTag);
      if (!words && !seg) throw new Error('PALETTE COLOR image has no palette data');
      lut = words ? words.slice(0, entries) : expandSegmentedLut(seg as Uint16Array, entries);
      // 8-bit entries stored in 16-bit words: some writers put them in the high byte
      if (bits === 8 && lut.some((v) => v > 255)) lut = lut.map((v) => v >> 8);
    }
    luts.push(lut);
  }
  return { red: luts[0], green: luts[1], blue: luts[2], firstMapped, maxValue: 2 ** bits - 1 };
}

/** Indices → interleaved RGB in [0,1]; indices below/above the table clamp to its ends. */
export function applyPalette(indices: ArrayLike<number>, lut: PaletteLut): Float32Array {
  const out = new Float32Array(indices.length * 3);
  const last = lut.red.length - 1;
  const scale = 1 / lut.maxValue;
  for (let i = 0; i < indices.length; i++) {
    const k = Math.min(last, Math.max(0, Math.round(indices[i]) - lut.firstMapped));
    out[3 * i] = lut.red[k] * scale;
    out[3 * i + 1] = lut.green[k] * scale;
    out[3 * i + 2] = lut.blue[k] * scale;
  }
  return out;
}
