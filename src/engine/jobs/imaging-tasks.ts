/**
 * Imaging tasks run inside a job worker (see tasks.ts): decoding, and for display the PNG encoding too,
 * so neither a slow decode nor a large PNG ever runs on the caller's event loop.
 */
import { encodeMaskPng, encodePng, loadImage, type BinaryMask, type RasterImage, type VoiWindow } from '../imaging/index.js';
import { loadCheckedMask } from '../study/mask-check.js';
import type { TaskContext } from './tasks.js';

/**
 * Time bound of the rest of a job once its frame's size is known (decode, display conversion, PNG
 * encoding): 3 s plus 1 s per million samples. A 4096×4096×3 16-bit frame gets 53 s (its whole job took
 * 37 s and 850 MB on 2 cores at load average 24; docs/reliability.md); a corrupt 100×100 JPEG-LS frame that makes CharLS grind for
 * 3–35 s is stopped after 3 s. The pool's overall bound (VLSM_DECODE_TIMEOUT_S) still applies.
 */
export function frameDecodeMs(samples: number): number {
  return 3000 + Math.ceil(samples / 1000);
}

const bounded = (ctx: TaskContext) => (samples: number) => ctx.limitTime(frameDecodeMs(samples));

export interface OpenedStudy {
  width: number;
  height: number;
  channels: 1 | 3;
  format: 'png' | 'jpeg' | 'dicom';
  frame: number;
  frames: number;
  modality: string | null;
  transferSyntaxUID: string | null;
  /** The image as displayed, 8-bit PNG bytes. */
  png: Uint8Array;
}

export interface OpenedMask {
  width: number;
  height: number;
  /** Foreground pixels. */
  area: number;
  png: Uint8Array;
}

export async function openStudyTask(args: { path: string; frame?: number }, ctx: TaskContext): Promise<OpenedStudy> {
  ctx.progress('decoding', `Decoding ${args.path}`);
  const img = await loadImage(args.path, { frame: args.frame, beforeFrameDecode: bounded(ctx) });
  ctx.progress('encoding', 'Preparing the image for display');
  return {
    width: img.width,
    height: img.height,
    channels: img.channels,
    format: img.source.format,
    frame: img.source.frame ?? args.frame ?? 0,
    frames: img.source.frames ?? 1,
    modality: img.source.modality ?? null,
    transferSyntaxUID: img.source.transferSyntaxUID ?? null,
    png: encodePng(img),
  };
}

export async function loadImageTask(args: { path: string; frame?: number; window?: VoiWindow }, ctx: TaskContext): Promise<RasterImage> {
  return loadImage(args.path, { frame: args.frame, window: args.window, beforeFrameDecode: bounded(ctx) });
}

/** Masks go through the same check as everywhere in the app (a colour photo is not a mask). */
export async function openMaskTask(args: { path: string }): Promise<OpenedMask> {
  const mask = await loadCheckedMask(args.path);
  let area = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) area++;
  return { width: mask.width, height: mask.height, area, png: encodeMaskPng(mask) };
}

export async function loadMaskTask(args: { path: string; expect?: { width: number; height: number } }): Promise<BinaryMask> {
  return loadCheckedMask(args.path, args.expect);
}
