/**
 * Imaging tasks run inside a job worker (see tasks.ts): decoding, and for display the PNG encoding too,
 * so neither a slow decode nor a large PNG ever runs on the caller's event loop.
 */
import { encodeMaskPng, encodePng, loadImage, loadMask, type BinaryMask, type RasterImage, type VoiWindow } from '../imaging/index.js';
import type { TaskContext } from './tasks.js';

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
  const img = await loadImage(args.path, args.frame === undefined ? undefined : { frame: args.frame });
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

export async function loadImageTask(args: { path: string; frame?: number; window?: VoiWindow }): Promise<RasterImage> {
  const opts = args.frame === undefined && args.window === undefined ? undefined : { frame: args.frame, window: args.window };
  return loadImage(args.path, opts);
}

export async function openMaskTask(args: { path: string }): Promise<OpenedMask> {
  const mask = await loadMask(args.path);
  let area = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) area++;
  return { width: mask.width, height: mask.height, area, png: encodeMaskPng(mask) };
}

export async function loadMaskTask(args: { path: string }): Promise<BinaryMask> {
  return loadMask(args.path);
}
