import { ImageDecodeError } from './errors.js';

/** Largest side we decode; beyond this no medical 2D image is plausible and the allocation is the risk. */
export const MAX_SIDE = 16384;
/** Largest total pixel count over all frames we allocate for (2^28 ≈ 268 M pixels). */
export const MAX_PIXELS = 2 ** 28;

/** Throws before anything is allocated when an image claims a size we refuse to decode. */
export function checkImageSize(label: string, width: number, height: number, frames = 1): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ImageDecodeError(`${label}: invalid image size ${width}x${height}`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE || width * height * Math.max(1, frames) > MAX_PIXELS) {
    throw new ImageDecodeError(
      `${label}: image of ${width}x${height}${frames > 1 ? `x${frames} frames` : ''} is too large to decode ` +
        `(limit ${MAX_SIDE} px per side and 2^28 pixels in all)`,
    );
  }
}
