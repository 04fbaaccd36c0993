/**
 * The workstation's file work as job-worker tasks (named in src/engine/jobs/tasks.ts): reading pixels
 * for the viewer, scanning a folder (headers of every file, one decode per series for its thumbnail) and
 * DICOM ground truth. They run off the service's event loop, bounded in time and memory like decoding.
 */
import { loadStoredImage } from '../attacks/domain/stored-image.js';
import { ImageDecodeError } from '../imaging/errors.js';
import { encodeMaskPng, encodePng, loadImage } from '../imaging/index.js';
import { loadGroundTruth, type SliceRef } from '../study/ground-truth.js';
import { loadFramePixels, type FramePixels } from '../study/pixels.js';
import { displayChain } from './attack-stored-compute.js';
import { scanFolder, type ScanResult, type ScannedSeries } from '../study/scan.js';

/** Thumbnails for at most this many series per scan (each costs one decode). */
const MAX_THUMBNAILS = 64;
const THUMB = 96;

async function thumbnail(path: string, frame: number): Promise<Uint8Array | null> {
  try {
    const img = await loadImage(path, { frame });
    const scale = Math.min(1, THUMB / Math.max(img.width, img.height));
    const w = Math.max(1, Math.round(img.width * scale));
    const h = Math.max(1, Math.round(img.height * scale));
    const data = new Float32Array(w * h * img.channels);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const sx = Math.min(img.width - 1, Math.floor(x / scale));
        const sy = Math.min(img.height - 1, Math.floor(y / scale));
        for (let c = 0; c < img.channels; c++) data[(y * w + x) * img.channels + c] = img.data[(sy * img.width + sx) * img.channels + c];
      }
    return encodePng({ ...img, width: w, height: h, data });
  } catch {
    return null;
  }
}

export type ScanWithThumbnails = Omit<ScanResult, 'patients'> & {
  patients: (Omit<ScanResult['patients'][number], 'studies'> & {
    studies: (Omit<ScanResult['patients'][number]['studies'][number], 'series'> & { series: (ScannedSeries & { thumbnail: Uint8Array | null })[] })[];
  })[];
};

/** What these tasks use of the job context (not imported from jobs/tasks.ts, which names these tasks). */
interface ProgressContext {
  progress(stage: string, message: string, fraction?: number | null): void;
}

export async function scanTask(args: { path: string }, ctx: ProgressContext): Promise<ScanWithThumbnails> {
  const scan = await scanFolder(args.path, (done, total) => ctx.progress('scanning', `Reading ${done}/${total} files`, total ? done / total : null));
  let made = 0;
  const patients = [];
  for (const p of scan.patients) {
    const studies = [];
    for (const s of p.studies) {
      const series = [];
      for (const se of s.series) {
        let thumb: Uint8Array | null = null;
        if (made < MAX_THUMBNAILS) {
          made++;
          // The middle image of the stack: the first slice is often outside the anatomy.
          let k = Math.floor(se.images / 2);
          const inst = se.instances.find((i) => (k -= i.frames) < 0) ?? se.instances[0];
          ctx.progress('thumbnails', `Preview of series ${se.number ?? ''} ${se.description ?? ''}`.trim(), null);
          thumb = await thumbnail(inst.path, inst.frames > 1 ? Math.floor(inst.frames / 2) : 0);
        }
        series.push({ ...se, thumbnail: thumb });
      }
      studies.push({ ...s, series });
    }
    patients.push({ ...p, studies });
  }
  return { ...scan, patients };
}

/** How a stored-domain budget converts for this image, or why the stored domain does not apply (image:units). */
export async function unitsTask(args: { path: string; frame: number }): Promise<{ chain: ReturnType<typeof displayChain> | null; problem: string | null }> {
  try {
    return { chain: displayChain(await loadStoredImage(args.path, args.frame)), problem: null };
  } catch (e) {
    if (e instanceof ImageDecodeError) return { chain: null, problem: e.message };
    throw e;
  }
}

export async function pixelsTask(args: { path: string; frame: number }): Promise<FramePixels> {
  return loadFramePixels(args.path, args.frame);
}

export async function groundTruthTask(args: { path: string; slices: SliceRef[] }) {
  const gt = await loadGroundTruth(args.path, args.slices);
  return {
    ...gt,
    segments: gt.segments.map((seg) => ({
      ...seg,
      slices: seg.slices.map((sl) => ({ index: sl.index, width: sl.width, height: sl.height, area: sl.mask.reduce((a, v) => a + (v ? 1 : 0), 0), png: encodeMaskPng({ width: sl.width, height: sl.height, data: sl.mask }) })),
    })),
  };
}
