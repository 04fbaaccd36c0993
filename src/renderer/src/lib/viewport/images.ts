/**
 * The app's images as Cornerstone sees them: pixel arrays the engine sent (real values, not windowed
 * pictures) registered under `vlsm:` image ids, served by one image loader and one metadata provider.
 * Only lib/viewport imports Cornerstone; the rest of the renderer hands plain arrays to this module.
 */
import { cache, Enums, imageLoader, metaData, utilities, type Types } from '@cornerstonejs/core';
import type { ViewImage } from './view-image';

export type { ViewImage };

const images = new Map<string, ViewImage>();
const pending = new Map<string, () => Promise<ViewImage>>();
let counter = 0;
let registered = false;

const newId = (hint: string) => `vlsm:${hint.replace(/[^\w-]/g, '')}-${++counter}`;

/** Registers an image and returns its id; ids are never reused, so cached renders cannot be stale. */
export function addImage(img: ViewImage, hint = 'img'): string {
  const id = newId(hint);
  images.set(id, img);
  return id;
}

/** An image fetched only when the viewer first shows it (slices of a long series). */
export function addLazyImage(load: () => Promise<ViewImage>, hint = 'slice'): string {
  const id = newId(hint);
  pending.set(id, load);
  return id;
}

/** The image behind an id, fetching it if needed. */
export async function ensureImage(id: string): Promise<ViewImage> {
  const have = images.get(id);
  if (have) return have;
  const load = pending.get(id);
  if (!load) throw new Error(`image ${id} is no longer held`);
  const img = await load();
  images.set(id, img);
  pending.delete(id);
  return img;
}

export function getImage(id: string): ViewImage | undefined {
  return images.get(id);
}

/** Forget images (and Cornerstone's cached copies) no longer shown. */
export function removeImages(ids: readonly string[]): void {
  for (const id of ids) {
    images.delete(id);
    pending.delete(id);
    try {
      if (cache.getImageLoadObject(id)) cache.removeImageLoadObject(id, { force: true });
    } catch {
      // not cached: nothing to drop
    }
  }
}

function makeImage(imageId: string, img: ViewImage): Types.IImage {
  const voxelManager = utilities.VoxelManager.createImageVoxelManager({
    width: img.width,
    height: img.height,
    numberOfComponents: img.channels,
    scalarData: img.data as Types.PixelDataTypedArray,
    id: imageId,
  });
  return {
    imageId,
    minPixelValue: img.min,
    maxPixelValue: img.max,
    slope: 1,
    intercept: 0,
    windowCenter: img.window.center,
    windowWidth: img.window.width,
    voiLUTFunction: Enums.VOILUTFunctionType.LINEAR,
    getPixelData: () => img.data as Types.PixelDataTypedArray,
    getCanvas: undefined as unknown as () => HTMLCanvasElement,
    rows: img.height,
    columns: img.width,
    height: img.height,
    width: img.width,
    color: img.channels === 3,
    rgba: false,
    numberOfComponents: img.channels,
    columnPixelSpacing: img.spacing[1],
    rowPixelSpacing: img.spacing[0],
    invert: img.invert,
    photometricInterpretation: img.channels === 3 ? 'RGB' : 'MONOCHROME2',
    sizeInBytes: img.data.byteLength,
    dataType: img.data instanceof Float32Array ? 'Float32Array' : 'Uint8Array',
    voxelManager: voxelManager as Types.IImage['voxelManager'],
  } as Types.IImage;
}

function provider(type: string, imageId: string): unknown {
  const img = images.get(imageId);
  if (!img) return undefined;
  switch (type) {
    case 'imagePixelModule':
      return {
        samplesPerPixel: img.channels,
        photometricInterpretation: img.channels === 3 ? 'RGB' : 'MONOCHROME2',
        rows: img.height,
        columns: img.width,
        bitsAllocated: img.data instanceof Float32Array ? 32 : 8,
        bitsStored: img.data instanceof Float32Array ? 32 : 8,
        highBit: img.data instanceof Float32Array ? 31 : 7,
        pixelRepresentation: 1,
      };
    case 'imagePlaneModule':
      return {
        rows: img.height,
        columns: img.width,
        rowCosines: [1, 0, 0],
        columnCosines: [0, 1, 0],
        imageOrientationPatient: [1, 0, 0, 0, 1, 0],
        imagePositionPatient: [0, 0, img.slice],
        pixelSpacing: img.spacing,
        rowPixelSpacing: img.spacing[0],
        columnPixelSpacing: img.spacing[1],
        frameOfReferenceUID: 'vlsm-frame',
        sliceThickness: 1,
      };
    case 'generalSeriesModule':
      return { modality: img.modality, seriesInstanceUID: 'vlsm-series' };
    case 'voiLutModule':
      return { windowCenter: [img.window.center], windowWidth: [img.window.width], voiLUTFunction: 'LINEAR' };
    case 'modalityLutModule':
      return { rescaleSlope: 1, rescaleIntercept: 0, rescaleType: img.units };
    case 'generalImageModule':
      return { instanceNumber: img.slice + 1 };
    default:
      return undefined;
  }
}

/** Once per page: the `vlsm:` loader and metadata provider. */
export function registerLoader(): void {
  if (registered) return;
  registered = true;
  imageLoader.registerImageLoader('vlsm', (imageId: string) => ({
    promise: ensureImage(imageId).then((img) => makeImage(imageId, img)),
  }) as unknown as Types.IImageLoadObject);
  metaData.addProvider(provider, 10_000);
}
