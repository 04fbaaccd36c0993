/**
 * A ground-truth mask is refused unless it looks like one: a colour photograph or a grey picture with a
 * full range of intensities is not a mask, however it would threshold, and a mask of another image's size
 * cannot score this one. Masks are PNG/JPEG with background 0 and foreground bright (≥ 128 of 255).
 */
import { readFile } from 'node:fs/promises';
import { ImageDecodeError, loadImage, type BinaryMask } from '../imaging/index.js';
import { decodePng } from '../imaging/png.js';
import { sniffFormat } from '../imaging/sniff.js';

/** Share of pixels allowed strictly between dark and bright (anti-aliased edges, JPEG ringing). */
const MAX_MIDTONES = 0.05;

export function checkMaskSamples(label: string, width: number, height: number, channels: number, data: Float32Array): BinaryMask {
  const n = width * height;
  let colour = 0;
  let mid = 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let v = data[i * channels];
    if (channels === 3) {
      const g = data[i * 3 + 1];
      const b = data[i * 3 + 2];
      if (Math.abs(v - g) > 0.12 || Math.abs(v - b) > 0.12) colour++;
      v = Math.max(v, g, b);
    }
    if (v > 24 / 255 && v < 231 / 255) mid++;
    out[i] = v >= 127.5 / 255 ? 1 : 0;
  }
  if (colour > n * 0.01) {
    throw new ImageDecodeError(`${label}: is a colour image (${Math.round((100 * colour) / n)} % coloured pixels), not a mask; a mask is black background with white foreground`);
  }
  if (mid > n * MAX_MIDTONES) {
    throw new ImageDecodeError(`${label}: has grey levels in ${Math.round((100 * mid) / n)} % of its pixels, so it is a picture, not a mask; a mask is black background with white foreground`);
  }
  return { width, height, data: out };
}

export async function loadCheckedMask(path: string, expect?: { width: number; height: number }): Promise<BinaryMask> {
  const bytes = await readFile(path);
  const fmt = sniffFormat(bytes);
  if (fmt !== 'png' && fmt !== 'jpeg') throw new ImageDecodeError(`${path}: a mask must be a PNG or JPEG image`);
  const img = fmt === 'png' ? decodePng(bytes, path, path) : await loadImage(path);
  const mask = checkMaskSamples(path, img.width, img.height, img.channels, img.data);
  if (expect && (mask.width !== expect.width || mask.height !== expect.height)) {
    throw new ImageDecodeError(`${path}: the mask is ${mask.width}×${mask.height} but the image is ${expect.width}×${expect.height}; choose the mask that belongs to this image`);
  }
  return mask;
}

/** A mask sent as a PNG data URL (drawn from DICOM ground truth in the viewer). */
export function maskFromDataUrl(url: string, label: string, expect: { width: number; height: number }): BinaryMask {
  const bytes = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const img = decodePng(bytes, label);
  const mask = checkMaskSamples(label, img.width, img.height, img.channels, img.data);
  if (mask.width !== expect.width || mask.height !== expect.height) {
    throw new ImageDecodeError(`${label}: the mask is ${mask.width}×${mask.height} but the image is ${expect.width}×${expect.height}`);
  }
  return mask;
}
