/**
 * RasterImage → BinaryMask, refusing images that are not masks (issue 14: a colour photo given as
 * --mask was silently thresholded into a "ground truth"). A mask is a two-level image: black background,
 * white foreground. The rule, in units of the [0,1] intensity range:
 *  - colour: a pixel whose channels differ by more than 1/4 is a colour pixel; more than 1% of them and
 *    the image is a colour image, not a mask;
 *  - grey levels: a pixel whose grey value (mean of its channels) lies in the middle half [1/4, 3/4] is
 *    neither background nor foreground; more than 5% of them and the image is a picture, not a mask.
 * The margins come from measurement: the masks of ../shared/data re-saved as JPEG at quality 30 have no
 * colour pixels and at most 0.12% mid-grey ones (compression ringing at edges), while every image of the
 * four datasets has at least 14% mid-grey pixels. Pixels are then foreground when any channel ≥ 128/255.
 *
 * Label maps: many datasets store masks as class indices (0 background, 1 foreground, in 8 or 16 bits),
 * which display as black and would threshold to an empty mask — a silent wrong ground truth. An image
 * with no pixel at or above the threshold and exactly one non-zero level is read as such a 0/k label map
 * (foreground = non-zero); one with several small non-zero levels is a multi-class label map and is
 * refused with its labels named, since which class is the reference cannot be guessed.
 */
import { ImageDecodeError } from './errors.js';
import type { BinaryMask, RasterImage } from './types.js';

const COLOUR_SPREAD = 0.25;
const MAX_COLOUR_FRACTION = 0.01;
const MID_LOW = 0.25;
const MID_HIGH = 0.75;
const MAX_MID_FRACTION = 0.05;
const THRESHOLD = 127.5 / 255; // ≥ 128 on the 0–255 scale

/** Distinct non-zero levels below the threshold kept while scanning (more: not a label map). */
const MAX_LABELS = 16;

const percent = (f: number): string => `${(f * 100).toFixed(f < 0.1 ? 1 : 0)}%`;

export function binariseMask(img: RasterImage, label: string): BinaryMask {
  const n = img.width * img.height;
  const C = img.channels;
  const data = new Uint8Array(n);
  let colour = 0;
  let mid = 0;
  let bright = false;
  const levels = new Set<number>();
  for (let i = 0; i < n; i++) {
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const v = img.data[i * C + c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      sum += v;
    }
    if (hi - lo > COLOUR_SPREAD) colour++;
    const grey = sum / C;
    if (grey >= MID_LOW && grey <= MID_HIGH) mid++;
    data[i] = hi >= THRESHOLD ? 1 : 0;
    if (hi >= THRESHOLD) bright = true;
    else if (hi > 0 && levels.size <= MAX_LABELS) levels.add(hi);
  }
  if (colour > MAX_COLOUR_FRACTION * n) {
    throw new ImageDecodeError(`${label}: is a colour image (${percent(colour / n)} of its pixels are coloured), not a mask; a mask is black (background) and white (foreground)`);
  }
  if (mid > MAX_MID_FRACTION * n) {
    throw new ImageDecodeError(`${label}: has many grey levels (${percent(mid / n)} of its pixels are mid-grey), so it is a picture, not a mask; a mask is black (background) and white (foreground)`);
  }
  if (!bright && levels.size === 1) {
    // a 0/k label map: every non-zero pixel is foreground
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < C; c++) {
        if (img.data[i * C + c] > 0) {
          data[i] = 1;
          break;
        }
      }
    }
  } else if (!bright && levels.size > 1 && levels.size <= MAX_LABELS && [...levels].every((v) => isLabelIndex(v))) {
    const labels = [...levels].sort((a, b) => a - b).map(labelIndex);
    throw new ImageDecodeError(`${label}: is a label map with ${labels.length} classes (values ${labels.join(', ')}), not a binary mask; save the class you want as the reference with 0 for background and 255 (or 1) for foreground`);
  }
  return { width: img.width, height: img.height, data };
}

/** The integer a level stands for in an 8-bit or 16-bit label map (levels are value / (2^bits − 1)). */
function labelIndex(v: number): number {
  const k8 = v * 255;
  return Math.abs(k8 - Math.round(k8)) < 1e-3 ? Math.round(k8) : Math.round(v * 65535);
}

/** True when the level is a small class index (≤ 64) of an 8- or 16-bit label map. */
function isLabelIndex(v: number): boolean {
  const k = labelIndex(v);
  return k >= 1 && k <= 64 && (Math.abs(v * 255 - k) < 1e-3 || Math.abs(v * 65535 - k) < 1e-2);
}
