/** PNG encoders for rasters and masks (8-bit; what the app saves and what attacks quantise to). */
import { encodePngBytes } from './png.js';
import type { BinaryMask, RasterImage } from './types.js';

/** 8-bit PNG, grey or RGB, each sample round(clip(x,0,1)·255). */
export function encodePng(img: RasterImage): Uint8Array {
  return encodePngBytes(img.width, img.height, img.channels, img.data, 255);
}

/** Grey PNG with 0 for background and 255 for the mask. */
export function encodeMaskPng(mask: BinaryMask): Uint8Array {
  return encodePngBytes(mask.width, mask.height, 1, mask.data, 255);
}
