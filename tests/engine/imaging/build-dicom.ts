/**
 * A tiny Part-10 writer (Explicit VR Little Endian) for hand-built test cases: just enough attributes to
 * describe an image, so windowing, rescale and error paths can be checked against known numbers.
 */
export interface DicomSpec {
  rows: number;
  columns: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  samplesPerPixel?: number;
  photometric?: string;
  planarConfiguration?: number;
  frames?: number;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  window?: { center: number; width: number };
  voiFunction?: string;
  transferSyntax?: string;
  sopClass?: string;
  /** Raw Pixel Data bytes; omit for a dataset without pixel data. */
  pixels?: Uint8Array;
}

type Value = { vr: string; bytes: Uint8Array };

const enc = new TextEncoder();
const LONG_VRS = new Set(['OB', 'OW', 'SQ', 'UN', 'UT', 'UC', 'UR']);

function str(vr: string, s: string): Value {
  const pad = vr === 'UI' ? '\0' : ' ';
  return { vr, bytes: enc.encode(s.length % 2 ? s + pad : s) };
}
function us(v: number): Value {
  return { vr: 'US', bytes: new Uint8Array(Uint16Array.of(v).buffer) };
}

function element(group: number, elem: number, v: Value): Uint8Array {
  const long = LONG_VRS.has(v.vr);
  const head = new DataView(new ArrayBuffer(long ? 12 : 8));
  head.setUint16(0, group, true);
  head.setUint16(2, elem, true);
  head.setUint8(4, v.vr.charCodeAt(0));
  head.setUint8(5, v.vr.charCodeAt(1));
  if (long) head.setUint32(8, v.bytes.length, true);
  else head.setUint16(6, v.bytes.length, true);
  return concat([new Uint8Array(head.buffer), v.bytes]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function buildDicom(spec: DicomSpec): Uint8Array {
  const ts = spec.transferSyntax ?? '1.2.840.10008.1.2.1';
  const sop = spec.sopClass ?? '1.2.840.10008.5.1.4.1.1.7';
  const metaBody = concat([
    element(0x0002, 0x0001, { vr: 'OB', bytes: Uint8Array.of(0, 1) }),
    element(0x0002, 0x0002, str('UI', sop)),
    element(0x0002, 0x0003, str('UI', '1.2.3.4')),
    element(0x0002, 0x0010, str('UI', ts)),
  ]);
  const groupLength = element(0x0002, 0x0000, { vr: 'UL', bytes: new Uint8Array(Uint32Array.of(metaBody.length).buffer) });
  const ds: Uint8Array[] = [element(0x0008, 0x0016, str('UI', sop)), element(0x0008, 0x0060, str('CS', 'OT'))];
  if (spec.pixels) {
    const bits = spec.bitsAllocated ?? 16;
    ds.push(
      element(0x0028, 0x0002, us(spec.samplesPerPixel ?? 1)),
      element(0x0028, 0x0004, str('CS', spec.photometric ?? 'MONOCHROME2')),
    );
    if (spec.planarConfiguration !== undefined) ds.push(element(0x0028, 0x0006, us(spec.planarConfiguration)));
    if (spec.frames !== undefined) ds.push(element(0x0028, 0x0008, str('IS', String(spec.frames))));
    ds.push(
      element(0x0028, 0x0010, us(spec.rows)),
      element(0x0028, 0x0011, us(spec.columns)),
      element(0x0028, 0x0100, us(bits)),
      element(0x0028, 0x0101, us(spec.bitsStored ?? bits)),
      element(0x0028, 0x0102, us((spec.bitsStored ?? bits) - 1)),
      element(0x0028, 0x0103, us(spec.pixelRepresentation ?? 0)),
    );
    if (spec.window) {
      ds.push(element(0x0028, 0x1050, str('DS', String(spec.window.center))), element(0x0028, 0x1051, str('DS', String(spec.window.width))));
    }
    if (spec.rescaleIntercept !== undefined) ds.push(element(0x0028, 0x1052, str('DS', String(spec.rescaleIntercept))));
    if (spec.rescaleSlope !== undefined) ds.push(element(0x0028, 0x1053, str('DS', String(spec.rescaleSlope))));
    if (spec.voiFunction) ds.push(element(0x0028, 0x1056, str('CS', spec.voiFunction)));
    const px = spec.pixels.length % 2 ? concat([spec.pixels, Uint8Array.of(0)]) : spec.pixels;
    ds.push(element(0x7fe0, 0x0010, { vr: bits > 8 ? 'OW' : 'OB', bytes: px }));
  }
  return concat([new Uint8Array(128), enc.encode('DICM'), groupLength, metaBody, ...ds]);
}

/** Little-endian bytes of 16-bit samples (negative numbers as two's complement). */
export function u16le(values: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(values.map((v) => v & 0xffff)).buffer);
}
