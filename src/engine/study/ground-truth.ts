/**
 * Ground truth from a DICOM SEG or RTSTRUCT, matched onto the slices of the series being viewed: each
 * segment / ROI becomes a list of (slice index, mask at the slice's own size). Matching uses the SOP
 * Instance UID the object references, and for SEG frames without one the plane position. A mask whose
 * size differs from its slice is refused, never stretched.
 */
import { readFile } from 'node:fs/promises';
import { parseDicomBytes } from '../imaging/dicom-parse.js';
import { ImageDecodeError } from '../imaging/errors.js';
import { fillPolygons, readRtStruct, toPixels, type SlicePlane } from '../imaging/rtstruct.js';
import { readSeg } from '../imaging/seg.js';
import { readDescriptor } from './dicom-meta.js';
import { RTSTRUCT_SOP_CLASS, SEG_SOP_CLASSES } from './scan.js';

export interface SliceRef {
  path: string;
  /** Frame inside the file (multi-frame series), 0-based. */
  frame: number;
}

export interface GroundTruthSegment {
  number: number;
  label: string;
  colour: [number, number, number] | null;
  /** Slices of the series with a (possibly empty) mask of this segment. */
  slices: { index: number; width: number; height: number; mask: Uint8Array }[];
}

export interface GroundTruthResult {
  kind: 'seg' | 'rtstruct';
  description: string | null;
  segments: GroundTruthSegment[];
  /** Frames/contours that matched no slice of the series (e.g. the series is incomplete). */
  unmatched: number;
}

interface SliceInfo {
  uid: string | null;
  rows: number;
  columns: number;
  plane: SlicePlane | null;
}

async function sliceInfos(slices: readonly SliceRef[]): Promise<SliceInfo[]> {
  const cache = new Map<string, SliceInfo>();
  const out: SliceInfo[] = [];
  for (const s of slices) {
    let info = cache.get(s.path);
    if (!info) {
      const { dataSet } = parseDicomBytes(await readFile(s.path), s.path);
      const d = readDescriptor(dataSet);
      const sp = dataSet.string('x00280030')?.split('\\').map(Number);
      const rows = dataSet.uint16('x00280010') ?? 0;
      const columns = dataSet.uint16('x00280011') ?? 0;
      const plane =
        d.position && d.orientation && sp && sp.length >= 2 && sp[0] > 0 && sp[1] > 0
          ? { rows, columns, position: d.position, orientation: d.orientation, spacing: [sp[0], sp[1]] as [number, number] }
          : null;
      info = { uid: d.sopInstanceUID, rows, columns, plane };
      cache.set(s.path, info);
    }
    out.push(info);
  }
  return out;
}

export async function loadGroundTruth(path: string, slices: readonly SliceRef[]): Promise<GroundTruthResult> {
  const bytes = await readFile(path);
  const { dataSet } = parseDicomBytes(bytes, path);
  const sop = dataSet.string('x00080016')?.replace(/\0/g, '').trim();
  const infos = await sliceInfos(slices);
  const sizeOf = (i: number): [number, number] => [infos[i].columns, infos[i].rows];

  if (sop && SEG_SOP_CLASSES.has(sop)) {
    const seg = readSeg(bytes, path);
    const byNumber = new Map(seg.segments.map((s) => [s.number, { ...s, slices: [] as GroundTruthSegment['slices'] }]));
    let unmatched = 0;
    for (const f of seg.frames) {
      let index = f.referencedSopInstanceUID ? infos.findIndex((inf, i) => inf.uid === f.referencedSopInstanceUID && (f.referencedFrame === null || slices[i].frame === f.referencedFrame)) : -1;
      if (index < 0 && f.position) {
        index = infos.findIndex((inf) => inf.plane !== null && Math.hypot(...inf.plane.position.map((v, k) => v - f.position![k])) < 0.01);
      }
      const target = byNumber.get(f.segment);
      if (index < 0 || !target) {
        unmatched++;
        continue;
      }
      const [w, h] = sizeOf(index);
      if (w !== seg.columns || h !== seg.rows) {
        throw new ImageDecodeError(`${path}: the segmentation is ${seg.columns}×${seg.rows} but the slice it references is ${w}×${h}; it does not belong to this series`);
      }
      const existing = target.slices.find((s) => s.index === index);
      if (existing) for (let k = 0; k < f.mask.length; k++) existing.mask[k] |= f.mask[k];
      else target.slices.push({ index, width: w, height: h, mask: f.mask });
    }
    if (seg.frames.length > 0 && unmatched === seg.frames.length) {
      throw new ImageDecodeError(`${path}: none of its frames references a slice of the open series; open the series it was drawn on`);
    }
    return { kind: 'seg', description: seg.seriesDescription, segments: [...byNumber.values()].map((s) => ({ ...s, slices: s.slices.sort((a, b) => a.index - b.index) })), unmatched };
  }

  if (sop === RTSTRUCT_SOP_CLASS) {
    const rois = readRtStruct(bytes, path);
    let unmatched = 0;
    let matched = 0;
    const segments: GroundTruthSegment[] = rois.map((roi) => {
      const polys = new Map<number, Float64Array[]>();
      for (const c of roi.contours) {
        const index = c.referencedSopInstanceUID ? infos.findIndex((inf) => inf.uid === c.referencedSopInstanceUID) : -1;
        const plane = index >= 0 ? infos[index].plane : null;
        if (index < 0 || !plane) {
          unmatched++;
          continue;
        }
        matched++;
        const list = polys.get(index) ?? [];
        list.push(toPixels(c.points, plane));
        polys.set(index, list);
      }
      return {
        number: roi.number,
        label: roi.name,
        colour: roi.colour,
        slices: [...polys.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([index, p]) => {
            const plane = infos[index].plane!;
            return { index, width: plane.columns, height: plane.rows, mask: fillPolygons(p, plane.rows, plane.columns) };
          }),
      };
    });
    if (matched === 0) throw new ImageDecodeError(`${path}: none of its contours lies on a slice of the open series; open the series it was drawn on`);
    return { kind: 'rtstruct', description: dataSet.string('x30060002')?.trim() ?? null, segments, unmatched };
  }
  throw new ImageDecodeError(`${path}: is neither a DICOM SEG nor an RTSTRUCT, so it cannot be used as ground truth`);
}
