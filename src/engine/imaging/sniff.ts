/** Which decoder a byte string needs, from its magic bytes (never from a file extension). */
import { hasDicmPrefix, looksLikeBareDataset } from './dicom-parse.js';

export type SniffedFormat = 'png' | 'jpeg' | 'dicom' | 'unknown';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  if (PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (hasDicmPrefix(bytes) || looksLikeBareDataset(bytes)) return 'dicom';
  return 'unknown';
}

/**
 * What kind of file the bytes are, for "not an image" messages — never the bytes themselves: the API
 * reports these messages to its caller, and quoting a file's first bytes would disclose any readable
 * file (e.g. /etc/shadow) to whoever may name a path.
 */
export function describeFileKind(bytes: Uint8Array): string {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  const ascii = (s: string, at = 0): boolean => [...s].every((ch, i) => bytes[at + i] === ch.charCodeAt(0));
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'a TIFF image';
  if (ascii('GIF8')) return 'a GIF image';
  if (ascii('BM')) return 'a BMP image';
  if (ascii('RIFF') && ascii('WEBP', 8)) return 'a WebP image';
  if (starts(0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50)) return 'a JPEG 2000 image (not inside DICOM)';
  if (ascii('%PDF')) return 'a PDF document';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a ZIP archive';
  if (starts(0x1f, 0x8b)) return 'a gzip archive';
  if (starts(0x7f, 0x45, 0x4c, 0x46)) return 'an executable';
  const head = bytes.subarray(0, 512);
  const text = head.length > 0 && head.every((b) => b === 9 || b === 10 || b === 13 || b >= 32);
  return text ? 'a text file' : 'binary data of an unknown format';
}
