/**
 * Segmentation data: what a mask is and where it came from — never how it is shown (see display.ts),
 * as Cornerstone3D keeps segmentations apart from viewport representations.
 */
import { loadImageElement } from './image';

export type SegmentationId = 'prediction' | 'ground-truth';

export interface Segmentation {
  id: SegmentationId;
  label: string;
  width: number;
  height: number;
  /** 0/1 per pixel, row-major. */
  data: Uint8Array;
  area: number;
  /** Where the mask came from, for people reading the screen: model + prompt, or the mask file. */
  provenance: string;
}

/** Decode a 0/255 greyscale PNG data URL into a Segmentation. */
export async function createSegmentationFromPng(
  id: SegmentationId,
  label: string,
  png: string,
  provenance: string,
): Promise<Segmentation> {
  const img = await loadImageElement(png);
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('This browser cannot create a 2D canvas.');
  ctx.drawImage(img, 0, 0);
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const data = new Uint8Array(canvas.width * canvas.height);
  let area = 0;
  for (let i = 0; i < data.length; i++) {
    if (rgba[i * 4] > 127) {
      data[i] = 1;
      area++;
    }
  }
  return { id, label, width: canvas.width, height: canvas.height, data, area, provenance };
}
