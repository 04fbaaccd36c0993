/**
 * RT Structure Sets (PS3.3 A.19, C.8.8.5–6) → binary masks on the referenced slices. Each ROI's planar
 * contours are polygons in patient coordinates (mm); a contour is mapped into the pixel grid of the slice
 * it names (ContourImageSequence) through that slice's Image Plane (position, orientation, spacing) and
 * filled with the even–odd rule, so holes drawn as inner contours stay holes.
 */
import type { DataSet } from 'dicom-parser';
import { parseDicomBytes } from './dicom-parse.js';
import { ImageDecodeError } from './errors.js';

export interface RtRoi {
  number: number;
  name: string;
  colour: [number, number, number] | null;
  contours: { referencedSopInstanceUID: string | null; points: Float64Array }[];
}

export interface SlicePlane {
  rows: number;
  columns: number;
  position: [number, number, number];
  orientation: [number, number, number, number, number, number];
  /** Row spacing then column spacing, mm. */
  spacing: [number, number];
}

const text = (ds: DataSet | undefined, tag: string): string | null => ds?.string(tag)?.replace(/\0/g, '').trim() || null;

export function readRtStruct(bytes: Uint8Array, label: string): RtRoi[] {
  const { dataSet: ds } = parseDicomBytes(bytes, label);
  if (text(ds, 'x00080016') !== '1.2.840.10008.5.1.4.1.1.481.3') throw new ImageDecodeError(`${label}: is not an RT Structure Set`);
  const names = new Map<number, string>();
  for (const it of ds.elements.x30060020?.items ?? []) {
    const s = it.dataSet!;
    names.set(Number(text(s, 'x30060022')), text(s, 'x30060026') ?? `ROI ${text(s, 'x30060022')}`);
  }
  const rois: RtRoi[] = [];
  for (const it of ds.elements.x30060039?.items ?? []) {
    const s = it.dataSet!;
    const number = Number(text(s, 'x30060084'));
    const col = text(s, 'x3006002a')?.split('\\').map(Number);
    const contours: RtRoi['contours'] = [];
    for (const c of s.elements.x30060040?.items ?? []) {
      const cs = c.dataSet!;
      const type = text(cs, 'x30060042');
      if (type && type !== 'CLOSED_PLANAR') continue; // points and open polylines enclose nothing
      const data = text(cs, 'x30060050')?.split('\\').map(Number) ?? [];
      if (data.length < 9 || data.some((v) => !Number.isFinite(v))) continue;
      const ref = text(cs.elements.x30060016?.items?.[0]?.dataSet, 'x00081155');
      contours.push({ referencedSopInstanceUID: ref, points: Float64Array.from(data) });
    }
    rois.push({ number, name: names.get(number) ?? `ROI ${number}`, colour: col && col.length === 3 && col.every(Number.isFinite) ? [col[0], col[1], col[2]] : null, contours });
  }
  return rois;
}

/** Patient-space points (x,y,z triplets) → pixel (column, row) coordinates on a slice. */
export function toPixels(points: Float64Array, plane: SlicePlane): Float64Array {
  const [rx, ry, rz, cx, cy, cz] = plane.orientation;
  const out = new Float64Array((points.length / 3) * 2);
  for (let i = 0, j = 0; i < points.length; i += 3, j += 2) {
    const dx = points[i] - plane.position[0];
    const dy = points[i + 1] - plane.position[1];
    const dz = points[i + 2] - plane.position[2];
    out[j] = (dx * rx + dy * ry + dz * rz) / plane.spacing[1];
    out[j + 1] = (dx * cx + dy * cy + dz * cz) / plane.spacing[0];
  }
  return out;
}

/** Even–odd fill of polygons (pixel coordinates) into a rows × columns mask; a pixel is in when its centre is. */
export function fillPolygons(polygons: readonly Float64Array[], rows: number, columns: number): Uint8Array {
  const mask = new Uint8Array(rows * columns);
  const xs: number[] = [];
  for (let y = 0; y < rows; y++) {
    xs.length = 0;
    for (const p of polygons) {
      const n = p.length / 2;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const yi = p[2 * i + 1];
        const yj = p[2 * j + 1];
        if (yi > y !== yj > y) xs.push(p[2 * i] + ((y - yi) * (p[2 * j] - p[2 * i])) / (yj - yi));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]));
      const to = Math.min(columns - 1, Math.floor(xs[k + 1]));
      for (let x = from; x <= to; x++) mask[y * columns + x] ^= 1;
    }
  }
  return mask;
}
