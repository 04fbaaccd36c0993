/** loadImage / loadMask: any PNG, JPEG or DICOM file (or bytes) → RasterImage / BinaryMask. */
import { readFile, stat } from 'node:fs/promises';
import { decodeDicom } from './dicom.js';
import { describeThrown, ImageDecodeError, sourceLabel } from './errors.js';
import { decodeJpegFile } from './jpeg.js';
import { checkFileSize } from './limits.js';
import { binariseMask } from './mask.js';
import { decodePng } from './png.js';
import { describeFileKind, sniffFormat } from './sniff.js';
import type { BinaryMask, RasterImage, VoiWindow } from './types.js';

export interface LoadImageOptions {
  /** DICOM frame, 0-based (default 0). */
  frame?: number;
  /** DICOM VOI window in modality units, overriding the file's. */
  window?: VoiWindow;
  /**
   * Called once the frame's size is known from its headers and checked against the budget, just before
   * its pixels are decoded (a decode worker uses it to bound the decode time by the frame size).
   */
  beforeFrameDecode?: (samples: number) => void;
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (info.isFile()) checkFileSize(path, info.size); // before reading: a 10 GB file must not be read to refuse it
    return await readFile(path);
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : describeThrown(e);
    throw new ImageDecodeError(`${path}: ${why}`, { cause: e });
  }
}

/**
 * Anything that is not an Error (dicom-parser throws strings and plain objects, Emscripten numbers) is a
 * dependency rejecting the file, never our bug: it becomes an ImageDecodeError naming the file. Errors of
 * other classes pass unchanged and stay visible as bugs.
 */
async function asDecodeError<T>(label: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof Error) throw e;
    throw new ImageDecodeError(`${label}: not a readable image: the decoder rejected it (${describeThrown(e)})`, { cause: e });
  }
}

/** Decodes a PNG, JPEG or DICOM image, chosen by magic bytes. */
export async function loadImage(pathOrBytes: string | Uint8Array, opts: LoadImageOptions = {}): Promise<RasterImage> {
  const path = typeof pathOrBytes === 'string' ? pathOrBytes : undefined;
  return asDecodeError(sourceLabel(path), () => decodeAny(pathOrBytes, path, opts));
}

async function decodeAny(pathOrBytes: string | Uint8Array, path: string | undefined, opts: LoadImageOptions): Promise<RasterImage> {
  const bytes = typeof pathOrBytes === 'string' ? await readBytes(pathOrBytes) : pathOrBytes;
  const label = sourceLabel(path);
  if (bytes.length === 0) throw new ImageDecodeError(`${label}: is empty (0 bytes)`);
  switch (sniffFormat(bytes)) {
    case 'png':
      return decodePng(bytes, label, path, opts.beforeFrameDecode);
    case 'jpeg':
      return decodeJpegFile(bytes, label, path, opts.beforeFrameDecode);
    case 'dicom': {
      const study = await decodeDicom(bytes, { path, beforeFrameDecode: opts.beforeFrameDecode });
      return study.toRaster(opts.frame ?? 0, opts.window);
    }
    default:
      throw new ImageDecodeError(`${label}: not a PNG, JPEG or DICOM image (it is ${describeFileKind(bytes)})`);
  }
}

/** A mask image (PNG or JPEG): a pixel is 1 when any channel is ≥ 128 (of 255), else 0; see mask.ts. */
export async function loadMask(path: string): Promise<BinaryMask> {
  return asDecodeError(path, () => decodeMask(path));
}

async function decodeMask(path: string): Promise<BinaryMask> {
  const bytes = await readBytes(path);
  const format = sniffFormat(bytes);
  if (format !== 'png' && format !== 'jpeg') {
    throw new ImageDecodeError(`${path}: a mask must be a PNG or JPEG image (it is ${format === 'dicom' ? 'a DICOM file' : describeFileKind(bytes)})`);
  }
  const img = format === 'png' ? decodePng(bytes, path, path) : await decodeJpegFile(bytes, path, path);
  return binariseMask(img, path);
}

/** Grey → 3 identical channels; RGB images are returned as they are. */
export function toRgb(img: RasterImage): RasterImage {
  if (img.channels === 3) return img;
  const n = img.width * img.height;
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = img.data[i];
    data[3 * i] = v;
    data[3 * i + 1] = v;
    data[3 * i + 2] = v;
  }
  return { ...img, channels: 3, data };
}
