/**
 * Drawing masks and the perturbation heat map over a viewport: each layer is rasterised once at its own
 * resolution into an offscreen canvas (fill, or outline = foreground pixels with a background neighbour)
 * and drawn through the viewport's image → canvas transform, so overlays follow zoom and pan exactly and
 * a mask at the model's resolution covers the same image area as the image itself. No Cornerstone here.
 */
import { divergingColour } from './colour';

export interface ImageTransform {
  /** Canvas (CSS pixel) position of image coordinate (0,0) (top-left corner of the first pixel). */
  originX: number;
  originY: number;
  /** Canvas pixels per image pixel along x and y. */
  scaleX: number;
  scaleY: number;
}

export interface MaskLayer {
  key: string;
  width: number;
  height: number;
  /** 0/1 per pixel, row-major. */
  mask: Uint8Array;
  colour: [number, number, number];
  opacity: number;
  style: 'fill' | 'outline';
}

export interface HeatLayer {
  key: string;
  width: number;
  height: number;
  /** Signed values; ±scale map to full blue / red, 0 to white. */
  values: Float32Array;
  scale: number;
}

const cache = new Map<string, HTMLCanvasElement>();

function offscreen(key: string, w: number, h: number, paint: (d: Uint8ClampedArray) => void): HTMLCanvasElement {
  const hit = cache.get(key);
  if (hit) return hit;
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  paint(img.data);
  ctx.putImageData(img, 0, 0);
  if (cache.size > 64) cache.delete(cache.keys().next().value as string);
  cache.set(key, c);
  return c;
}

function maskCanvas(l: MaskLayer): HTMLCanvasElement {
  return offscreen(`${l.key}|${l.style}|${l.colour.join(',')}`, l.width, l.height, (d) => {
    const { width: w, height: h, mask } = l;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!mask[i]) continue;
        if (l.style === 'outline') {
          const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - w] || !mask[i + w];
          if (!edge) continue;
        }
        d[4 * i] = l.colour[0];
        d[4 * i + 1] = l.colour[1];
        d[4 * i + 2] = l.colour[2];
        d[4 * i + 3] = 255;
      }
  });
}

function heatCanvas(l: HeatLayer): HTMLCanvasElement {
  return offscreen(`${l.key}|heat|${l.scale}`, l.width, l.height, (d) => {
    for (let i = 0; i < l.values.length; i++) {
      const [r, g, b] = divergingColour(l.scale > 0 ? l.values[i] / l.scale : 0);
      d[4 * i] = r;
      d[4 * i + 1] = g;
      d[4 * i + 2] = b;
      d[4 * i + 3] = 255;
    }
  });
}

/** Clears `canvas` (sized to its element × devicePixelRatio) and draws the layers through `t`. */
export function drawOverlays(canvas: HTMLCanvasElement, t: ImageTransform | null, image: { width: number; height: number } | null, masks: readonly MaskLayer[], heat: HeatLayer | null): string[] {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(canvas.clientWidth * dpr);
  const h = Math.round(canvas.clientHeight * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  if (!t || !image) return [];
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.imageSmoothingEnabled = false;
  const dx = t.originX;
  const dy = t.originY;
  const dw = t.scaleX * image.width;
  const dh = t.scaleY * image.height;
  const drawn: string[] = [];
  if (heat) {
    ctx.globalAlpha = 1;
    ctx.drawImage(heatCanvas(heat), dx, dy, dw, dh);
    drawn.push(heat.key);
  }
  for (const l of masks) {
    if (l.opacity <= 0) continue;
    ctx.globalAlpha = l.opacity;
    ctx.drawImage(maskCanvas(l), dx, dy, dw, dh);
    drawn.push(l.key);
  }
  ctx.globalAlpha = 1;
  return drawn;
}
