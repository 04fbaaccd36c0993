/**
 * Every decode ends here: a sample that is NaN or ±∞ means the decoder read outside the data (e.g. odd
 * Columns in YBR_FULL_422) or a header value overflowed (a huge RescaleSlope); such an image must never
 * reach a model or a metric, so it is refused with the first bad position.
 */
import { ImageDecodeError } from './errors.js';

export function assertFinite(label: string, data: ArrayLike<number>, channels = 1): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new ImageDecodeError(
        `${label}: decoding produced a non-finite value (${data[i]}) at pixel ${Math.floor(i / channels)}; the file is corrupt or its rescale values are out of range`,
      );
    }
  }
}
