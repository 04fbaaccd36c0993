/**
 * Canvas rendering of an image with segmentation overlays. Each overlay is a colour layer drawn with
 * the display's opacity: pixel = (1-α)·image + α·colour where the mask is 1.
 */
import type { SegmentationDisplay } from './display';
import type { Segmentation } from './segmentation';

const cache = new WeakMap<Segmentation, { key: string; canvas: HTMLCanvasElement }>();

/** An offscreen canvas with the mask in the display's colour (opaque) and transparent elsewhere. */
export function getOverlay(seg: Segmentation, display: SegmentationDisplay): HTMLCanvasElement {
  const key = display.color.join(',');
  const hit = cache.get(seg);
  if (hit && hit.key === key) return hit.canvas;
  const canvas = document.createElement('canvas');
  canvas.width = seg.width;
  canvas.height = seg.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot create a 2D canvas.');
  const img = ctx.createImageData(seg.width, seg.height);
  const [r, g, b] = display.color;
  for (let i = 0; i < seg.data.length; i++) {
    if (seg.data[i] === 0) continue;
    img.data[i * 4] = r;
    img.data[i * 4 + 1] = g;
    img.data[i * 4 + 2] = b;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  cache.set(seg, { key, canvas });
  return canvas;
}

/** Draw the image and every visible overlay; returns the ids actually drawn. */
export function drawViewport(
  canvas: HTMLCanvasElement,
  image: HTMLImageElement,
  segmentations: readonly Segmentation[],
  displays: Readonly<Record<string, SegmentationDisplay>>,
): string[] {
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const ctx = canvas.getContext('2d');
  if (!ctx) return [];
  ctx.globalAlpha = 1;
  ctx.drawImage(image, 0, 0);
  const drawn: string[] = [];
  for (const seg of segmentations) {
    const d = displays[seg.id];
    if (!d || !d.visible || d.opacity === 0) continue;
    if (seg.width !== canvas.width || seg.height !== canvas.height) continue;
    ctx.globalAlpha = d.opacity;
    ctx.drawImage(getOverlay(seg, d), 0, 0);
    drawn.push(seg.id);
  }
  ctx.globalAlpha = 1;
  return drawn;
}
