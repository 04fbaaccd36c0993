/** Turning what the API sends (base64 typed arrays, PNG data URLs) back into arrays in the page. */
import type { ViewImage } from '../viewport/images';

export { base64Bytes, base64Float32, toViewImage } from './frame-arrays';

/** PNG data URL → RGBA pixels (through an <img> and a canvas; CSP allows data: images). */
export async function decodePngUrl(url: string): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(img, 0, 0);
  return { width: c.width, height: c.height, rgba: ctx.getImageData(0, 0, c.width, c.height).data };
}

export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

export async function decodeMask(url: string): Promise<Mask> {
  const { width, height, rgba } = await decodePngUrl(url);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[4 * i] >= 128 ? 1 : 0;
  return { width, height, data };
}

/** An 8-bit PNG (grey or RGB) as a viewer image. */
export async function decodeImageUrl(url: string, channels: 1 | 3, spacing: [number, number], modality: string, slice = 0): Promise<ViewImage> {
  const { width, height, rgba } = await decodePngUrl(url);
  const n = width * height;
  let data: Float32Array | Uint8Array;
  if (channels === 1) {
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rgba[4 * i];
  } else {
    data = new Uint8Array(3 * n);
    for (let i = 0; i < n; i++) {
      data[3 * i] = rgba[4 * i];
      data[3 * i + 1] = rgba[4 * i + 1];
      data[3 * i + 2] = rgba[4 * i + 2];
    }
  }
  return { width, height, channels, data, min: 0, max: 255, window: { center: 128, width: 256 }, invert: false, spacing, modality, units: 'value', slice };
}

/** A mask as a PNG data URL (to send DICOM ground truth back as an attack's reference). */
export function maskToPngUrl(m: Mask): string {
  const c = document.createElement('canvas');
  c.width = m.width;
  c.height = m.height;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(m.width, m.height);
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i] ? 255 : 0;
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c.toDataURL('image/png');
}
