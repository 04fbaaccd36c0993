/**
 * Ground truth for the workstation: a mask file or a mask drawn from DICOM ground truth, refused unless it
 * is a mask by the one rule of src/engine/imaging/mask.ts (colour photographs and grey pictures are not
 * masks, however they would threshold), and refused when it has another image's size, since it cannot
 * score this one.
 */
import { ImageDecodeError, loadMask, type BinaryMask } from '../imaging/index.js';
import { binariseMask } from '../imaging/mask.js';
import { decodePng } from '../imaging/png.js';

function checkSize(label: string, mask: BinaryMask, expect: { width: number; height: number } | undefined): BinaryMask {
  if (expect && (mask.width !== expect.width || mask.height !== expect.height)) {
    throw new ImageDecodeError(`${label}: the mask is ${mask.width}×${mask.height} but the image is ${expect.width}×${expect.height}; choose the mask that belongs to this image`);
  }
  return mask;
}

export async function loadCheckedMask(path: string, expect?: { width: number; height: number }): Promise<BinaryMask> {
  return checkSize(path, await loadMask(path), expect);
}

/** A mask sent as a PNG data URL (drawn from DICOM ground truth in the viewer). */
export function maskFromDataUrl(url: string, label: string, expect: { width: number; height: number }): BinaryMask {
  const bytes = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  return checkSize(label, binariseMask(decodePng(bytes, label), label), expect);
}
