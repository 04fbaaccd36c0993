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

/** A short printable preview of the first bytes, for "not an image" messages. */
export function previewBytes(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 16));
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (printable && head.length > 0) return `text "${String.fromCharCode(...head).replace(/\s+/g, ' ').trim()}…"`;
  return `bytes ${head.slice(0, 8).map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}
