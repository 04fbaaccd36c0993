/**
 * What a compressed codestream says about its frame, read from its headers before any codec runs, so a
 * frame can be refused when it disagrees with the DICOM header or passes the decode budget:
 *   JPEG (ITU T.81 B.2.2) and JPEG-LS (T.87, SOF55 = FFF7): the first SOFn segment, P Y X Nf;
 *   JPEG 2000 / HTJ2K (T.800 A.5.1): the SIZ segment after SOC, also inside a JP2 wrapper.
 */
export interface CodestreamFrame {
  width: number;
  height: number;
  components: number;
  /** Bits per sample (JPEG P; JPEG 2000: the largest component's Ssiz + 1). */
  precision: number;
  /** The SOF marker's second byte (0xC0 baseline, 0xC1 extended, 0xC2 progressive, 0xC3 lossless, 0xF7 JPEG-LS). */
  sof?: number;
  /** JPEG 2000 tiles in the image. */
  tiles?: number;
}

const isSof = (m: number): boolean => (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;

/** The first SOFn of a JPEG / JPEG-LS stream, walking marker segments from SOI; undefined if absent. */
export function jpegFrameHeader(b: Uint8Array): CodestreamFrame | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame header
    const len = (b[i + 2] << 8) | b[i + 3];
    if (len < 2) return undefined;
    if (isSof(marker)) {
      if (i + 9 >= b.length || len < 8) return undefined;
      return {
        precision: b[i + 4],
        height: (b[i + 5] << 8) | b[i + 6],
        width: (b[i + 7] << 8) | b[i + 8],
        components: b[i + 9],
        sof: marker,
      };
    }
    i += 2 + len;
  }
  return undefined;
}

const u16 = (b: Uint8Array, p: number): number => (b[p] << 8) | b[p + 1];
const u32 = (b: Uint8Array, p: number): number => ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;

/** The SIZ segment of a JPEG 2000 codestream (raw, or in the first 64 KB of a JP2 file); undefined if absent. */
export function j2kFrameHeader(b: Uint8Array): CodestreamFrame | undefined {
  let p = -1;
  const end = Math.min(b.length - 4, 65536);
  for (let i = 0; i < end; i++) {
    if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) {
      p = i + 2;
      break;
    }
  }
  if (p < 0 || p + 41 > b.length) return undefined;
  const xsiz = u32(b, p + 6);
  const ysiz = u32(b, p + 10);
  const x0 = u32(b, p + 14);
  const y0 = u32(b, p + 18);
  const xt = u32(b, p + 22);
  const yt = u32(b, p + 26);
  const xt0 = u32(b, p + 30);
  const yt0 = u32(b, p + 34);
  const components = u16(b, p + 38);
  let precision = 0;
  for (let c = 0; c < components && p + 42 + 3 * c < b.length; c++) precision = Math.max(precision, (b[p + 40 + 3 * c] & 0x7f) + 1);
  const tiles = xt > 0 && yt > 0 && xsiz > xt0 && ysiz > yt0 ? Math.ceil((xsiz - xt0) / xt) * Math.ceil((ysiz - yt0) / yt) : Infinity;
  return { width: xsiz - x0, height: ysiz - y0, components, precision, tiles };
}
