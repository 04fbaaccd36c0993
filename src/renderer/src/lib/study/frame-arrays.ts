/** What `image:pixels` and results send as base64 typed arrays, back into arrays and viewer images (no DOM). */
import type { FramePixelsInfo } from '../../../../engine/api/contract.js';
import type { ViewImage } from '../viewport/view-image.js';

export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function base64Float32(b64: string): Float32Array {
  const bytes = base64Bytes(b64);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Engine frame → viewer image (window: the file's first, else min–max). */
export function toViewImage(p: FramePixelsInfo, slice: number): ViewImage {
  const data = p.channels === 1 ? base64Float32(p.pixels) : base64Bytes(p.pixels);
  return {
    width: p.width,
    height: p.height,
    channels: p.channels,
    data,
    min: p.min,
    max: p.max,
    window: p.windows[0] ? { center: p.windows[0].center, width: p.windows[0].width } : p.autoWindow,
    invert: p.invert,
    spacing: p.pixelSpacingMm ?? [1, 1],
    modality: p.descriptor?.modality ?? (p.format === 'dicom' ? 'OT' : 'XC'),
    units: p.units,
    slice,
  };
}
