/**
 * A stack viewport bound to one element: images by id, window/level by left drag, pan by middle drag,
 * zoom by right drag, slices by wheel; plus what the app asks of it directly (presets, fit, slice index,
 * value under the cursor, the image → canvas transform for overlays). The app sees only this interface.
 */
import { Enums, type StackViewport, type Types } from '@cornerstonejs/core';
import { Enums as ToolEnums, PanTool, StackScrollTool, ToolGroupManager, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';
import { getEngine } from './engine';
import { getImage, type ViewImage } from './images';
import type { ImageTransform } from './overlay';

export type { ImageTransform };

export interface Voi {
  center: number;
  width: number;
}


export interface StackViewer {
  readonly id: string;
  setStack(imageIds: string[], index?: number): Promise<void>;
  setIndex(index: number): Promise<void>;
  getIndex(): number;
  count(): number;
  currentImageId(): string | null;
  setVoi(v: Voi): void;
  getVoi(): Voi | null;
  setInvert(on: boolean): void;
  fit(): void;
  zoomBy(factor: number): void;
  /** Image pixel and value under a canvas point (CSS pixels), or null outside the image. */
  pixelAt(x: number, y: number): { x: number; y: number; value: number | [number, number, number] } | null;
  transform(): ImageTransform | null;
  /** Called after every render (camera, window, slice changed). */
  onRender(cb: () => void): () => void;
  resize(): void;
  camera(): Types.ICamera;
  setCamera(c: Types.ICamera): void;
  destroy(): void;
}

let viewports = 0;

/*
 * Image (corner-based pixel) ↔ world coordinates for the planes images.ts declares: origin at the centre of
 * pixel (0,0) on slice z, rows along +x with the column spacing, columns along +y with the row spacing —
 * the geometry Cornerstone renders with. (utilities.imageToWorldCoords scales x by the row spacing, which
 * misplaces overlays on images with non-square pixels, so it is not used.)
 */
function imageToWorld(img: ViewImage, u: number, v: number): Types.Point3 {
  return [(u - 0.5) * img.spacing[1], (v - 0.5) * img.spacing[0], img.slice];
}
function worldToImage(img: ViewImage, w: Types.Point3): [number, number] {
  return [w[0] / img.spacing[1] + 0.5, w[1] / img.spacing[0] + 0.5];
}

export async function createStackViewer(element: HTMLDivElement): Promise<StackViewer> {
  const engine = await getEngine();
  const id = `vp-${++viewports}`;
  engine.enableElement({ viewportId: id, type: Enums.ViewportType.STACK, element, defaultOptions: { background: [0, 0, 0] } });
  const vp = engine.getViewport(id) as StackViewport;
  const group = ToolGroupManager.createToolGroup(`tg-${id}`)!;
  for (const t of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) group.addTool(t.toolName);
  group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }, { mouseButton: ToolEnums.MouseBindings.Primary, modifierKey: ToolEnums.KeyboardBindings.Shift }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }, { mouseButton: ToolEnums.MouseBindings.Primary, modifierKey: ToolEnums.KeyboardBindings.Ctrl }] });
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
  group.addViewport(id, engine.id);
  element.addEventListener('contextmenu', (e) => e.preventDefault());

  const listeners = new Set<() => void>();
  const rendered = () => listeners.forEach((l) => l());
  element.addEventListener(Enums.Events.IMAGE_RENDERED, rendered);

  const voi = (): Voi | null => {
    const r = vp.getProperties().voiRange;
    return r ? { center: (r.lower + r.upper) / 2, width: r.upper - r.lower } : null;
  };

  return {
    id,
    async setStack(imageIds, index = 0) {
      await vp.setStack(imageIds, index);
      const img = getImage(imageIds[index]);
      if (img) vp.setProperties({ voiRange: { lower: img.window.center - img.window.width / 2, upper: img.window.center + img.window.width / 2 }, invert: img.invert });
      vp.resetCamera();
      vp.render();
    },
    async setIndex(index) {
      const n = vp.getImageIds().length;
      if (n === 0) return;
      const keep = vp.getProperties().voiRange;
      await vp.setImageIdIndex(Math.max(0, Math.min(n - 1, index)));
      if (keep) vp.setProperties({ voiRange: keep });
      vp.render();
    },
    getIndex: () => vp.getCurrentImageIdIndex(),
    count: () => vp.getImageIds().length,
    currentImageId: () => (vp.getImageIds().length ? vp.getCurrentImageId() : null),
    setVoi(v) {
      vp.setProperties({ voiRange: { lower: v.center - v.width / 2, upper: v.center + v.width / 2 } });
      vp.render();
    },
    getVoi: voi,
    setInvert(on) {
      vp.setProperties({ invert: on });
      vp.render();
    },
    fit() {
      vp.resetCamera();
      vp.render();
    },
    zoomBy(factor) {
      vp.setZoom(vp.getZoom() * factor);
      vp.render();
    },
    pixelAt(x, y) {
      const imageId = vp.getImageIds().length ? vp.getCurrentImageId() : null;
      const img = imageId ? getImage(imageId) : undefined;
      if (!imageId || !img) return null;
      const [ix, iy] = worldToImage(img, vp.canvasToWorld([x, y]));
      const px = Math.floor(ix);
      const py = Math.floor(iy);
      if (px < 0 || py < 0 || px >= img.width || py >= img.height) return null;
      const k = py * img.width + px;
      const value: number | [number, number, number] = img.channels === 1 ? img.data[k] : [img.data[3 * k], img.data[3 * k + 1], img.data[3 * k + 2]];
      return { x: px, y: py, value };
    },
    transform() {
      const imageId = vp.getImageIds().length ? vp.getCurrentImageId() : null;
      const img = imageId ? getImage(imageId) : undefined;
      if (!imageId || !img) return null;
      const a = vp.worldToCanvas(imageToWorld(img, 0, 0));
      const b = vp.worldToCanvas(imageToWorld(img, img.width, img.height));
      return { originX: a[0], originY: a[1], scaleX: (b[0] - a[0]) / img.width, scaleY: (b[1] - a[1]) / img.height };
    },
    onRender(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    resize() {
      engine.resize(true, true);
    },
    camera: () => vp.getCamera(),
    setCamera(c) {
      vp.setCamera(c);
      vp.render();
    },
    destroy() {
      element.removeEventListener(Enums.Events.IMAGE_RENDERED, rendered);
      ToolGroupManager.destroyToolGroup(`tg-${id}`);
      engine.disableElement(id);
    },
  };
}
