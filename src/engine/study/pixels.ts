/**
 * One image frame for the viewer as real values, not a pre-windowed picture: grey DICOM in modality units
 * (HU for CT, after rescale slope/intercept), colour as 8-bit RGB, PNG/JPEG as their 0–255 samples. The
 * viewer windows them itself, so window/level and the pixel readout work on what the file stores.
 */
import { readFile } from 'node:fs/promises';
import { decodeDicom, ImageDecodeError, loadImage } from '../imaging/index.js';
import { parseDicomBytes } from '../imaging/dicom-parse.js';
import { sniffFormat } from '../imaging/sniff.js';
import { minMaxWindow } from '../imaging/voi.js';
import { readDescriptor, type DicomDescriptor } from './dicom-meta.js';
import { SEG_SOP_CLASSES } from './scan.js';

export interface FramePixels {
  path: string;
  format: 'png' | 'jpeg' | 'dicom';
  width: number;
  height: number;
  /** 1: grey values in `pixels` (Float32); 3: interleaved RGB 0–255 (Uint8). */
  channels: 1 | 3;
  frame: number;
  frames: number;
  /** Little-endian bytes of a Float32Array (grey) or Uint8Array (RGB). */
  pixels: Uint8Array;
  /** Smallest and largest value of this frame. */
  min: number;
  max: number;
  /** Units of the grey values: HU for CT with rescale, else the stored/modality value. */
  units: string;
  /** Windows the file states (modality units), first is the default; empty when it has none. */
  windows: { center: number; width: number; explanation: string | null }[];
  /** The window that maps min..max onto the display range ("auto" when the file has none). */
  autoWindow: { center: number; width: number };
  invert: boolean;
  /** Row then column spacing, mm. */
  pixelSpacingMm: [number, number] | null;
  transferSyntax: string | null;
  descriptor: DicomDescriptor | null;
}

function bytesOf(a: Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function range(values: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? [min, max] : [0, 0];
}

export async function loadFramePixels(path: string, frame = 0): Promise<FramePixels> {
  const bytes = await readFile(path);
  const format = sniffFormat(bytes);
  if (format !== 'dicom') {
    const img = await loadImage(path); // PNG/JPEG: the loader gives [0,1] samples
    const scale = img.levels > 255 ? img.levels : 255;
    if (img.channels === 3) {
      const rgb = Uint8Array.from(img.data, (v) => Math.round(v * 255));
      return base(img.width, img.height, 3, bytesOf(rgb), 0, 255, 'RGB');
    }
    const grey = Float32Array.from(img.data, (v) => Math.round(v * scale));
    const [min, max] = range(grey);
    return base(img.width, img.height, 1, bytesOf(grey), min, max, 'value');

    function base(width: number, height: number, channels: 1 | 3, pixels: Uint8Array, min: number, max: number, units: string): FramePixels {
      return {
        path,
        format: format === 'png' ? 'png' : 'jpeg',
        width,
        height,
        channels,
        frame: 0,
        frames: 1,
        pixels,
        min,
        max,
        units,
        windows: [],
        autoWindow: { center: (scale + 1) / 2, width: scale + 1 },
        invert: false,
        pixelSpacingMm: null,
        transferSyntax: null,
        descriptor: null,
      };
    }
  }
  // A segmentation is ground truth, not a picture to attack: say where it belongs instead of showing bits.
  const sop = parseDicomBytes(bytes, path).dataSet.string('x00080016')?.replace(/\0/g, '').trim();
  if (sop && SEG_SOP_CLASSES.has(sop)) {
    throw new ImageDecodeError(`${path}: is a DICOM Segmentation; open it as ground truth (the DICOM SEG or RTSTRUCT field) on the series it annotates`);
  }
  const study = await decodeDicom(bytes, { path });
  if (!Number.isInteger(frame) || frame < 0 || frame >= study.frames) {
    throw new ImageDecodeError(`${path}: frame ${frame} requested, but the file has ${study.frames} frame(s) (0-based)`);
  }
  const descriptor = readDescriptor(parseDicomBytes(bytes, path).dataSet);
  const values = study.getFrame(frame);
  const common = {
    path,
    format: 'dicom' as const,
    width: study.columns,
    height: study.rows,
    frame,
    frames: study.frames,
    pixelSpacingMm: study.pixelSpacingMm ?? null,
    transferSyntax: `${study.transferSyntaxUID} (${study.transferSyntaxName})`,
    descriptor,
  };
  if (study.samplesPerPixel === 3 || study.photometric === 'PALETTE COLOR') {
    // Colour goes through the engine's own display mapping (YBR, palette) to 8-bit RGB.
    const raster = study.toRaster(frame);
    const rgb = Uint8Array.from(raster.data, (v) => Math.round(v * 255));
    return { ...common, channels: 3, pixels: bytesOf(rgb), min: 0, max: 255, units: 'RGB', windows: [], autoWindow: { center: 128, width: 256 }, invert: false };
  }
  const [min, max] = range(values);
  const rescaled = study.rescaleSlope !== 1 || study.rescaleIntercept !== 0;
  return {
    ...common,
    channels: 1,
    pixels: bytesOf(values),
    min,
    max,
    units: study.modality === 'CT' && rescaled ? 'HU' : 'value',
    windows: study.windows.map((w) => ({ ...w, explanation: null })),
    autoWindow: minMaxWindow(values),
    invert: study.photometric === 'MONOCHROME1',
  };
}
