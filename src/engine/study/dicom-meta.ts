/**
 * The descriptive DICOM attributes a workstation shows and groups by (PS3.3 C.7.1 Patient, C.7.2 Study,
 * C.7.3 Series, C.7.6.2 Image Plane), read from a parsed dataset into a plain object. Pixel attributes
 * live in imaging/dicom-header.ts; this file is only about who/what/where.
 */
import type { DataSet } from 'dicom-parser';

export interface DicomDescriptor {
  sopClassUID: string | null;
  sopInstanceUID: string | null;
  studyInstanceUID: string | null;
  seriesInstanceUID: string | null;
  frameOfReferenceUID: string | null;
  patientName: string | null;
  patientId: string | null;
  patientBirthDate: string | null;
  patientSex: string | null;
  studyDate: string | null;
  studyDescription: string | null;
  accessionNumber: string | null;
  seriesDescription: string | null;
  seriesNumber: number | null;
  instanceNumber: number | null;
  modality: string | null;
  institution: string | null;
  /** Image Position (Patient), mm. */
  position: [number, number, number] | null;
  /** Image Orientation (Patient): row then column direction cosines. */
  orientation: [number, number, number, number, number, number] | null;
  sliceThickness: number | null;
  frames: number;
}

function str(ds: DataSet, tag: string): string | null {
  try {
    const v = ds.string(tag);
    if (v === undefined) return null;
    const t = v.replace(/\0/g, '').trim();
    return t === '' ? null : t;
  } catch {
    return null;
  }
}

function nums(ds: DataSet, tag: string): number[] {
  const s = str(ds, tag);
  if (s === null) return [];
  return s.split('\\').map((x) => Number(x.trim()));
}

function num(ds: DataSet, tag: string): number | null {
  const v = nums(ds, tag)[0];
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/** Enhanced multi-frame objects keep position/orientation in functional groups; fall back to those. */
function fromGroups(ds: DataSet, macro: string, tag: string): number[] {
  for (const group of ['x52009230', 'x52009229']) {
    const item = ds.elements[group]?.items?.[0]?.dataSet;
    const inner = item?.elements[macro]?.items?.[0]?.dataSet;
    if (inner) {
      const v = nums(inner, tag);
      if (v.length) return v;
    }
  }
  return [];
}

/** PN values use ^ between name parts; show them as "Family, Given". */
export function formatPersonName(pn: string | null): string | null {
  if (!pn) return null;
  const [family = '', given = ''] = pn.split('=')[0].split('^');
  return [family.trim(), given.trim()].filter(Boolean).join(', ') || null;
}

export function readDescriptor(ds: DataSet): DicomDescriptor {
  let pos = nums(ds, 'x00200032');
  if (pos.length < 3) pos = fromGroups(ds, 'x00209113', 'x00200032');
  let ori = nums(ds, 'x00200037');
  if (ori.length < 6) ori = fromGroups(ds, 'x00209116', 'x00200037');
  const framesRaw = num(ds, 'x00280008');
  return {
    sopClassUID: str(ds, 'x00080016') ?? str(ds, 'x00020002'),
    sopInstanceUID: str(ds, 'x00080018') ?? str(ds, 'x00020003'),
    studyInstanceUID: str(ds, 'x0020000d'),
    seriesInstanceUID: str(ds, 'x0020000e'),
    frameOfReferenceUID: str(ds, 'x00200052'),
    patientName: formatPersonName(str(ds, 'x00100010')),
    patientId: str(ds, 'x00100020'),
    patientBirthDate: str(ds, 'x00100030'),
    patientSex: str(ds, 'x00100040'),
    studyDate: str(ds, 'x00080020'),
    studyDescription: str(ds, 'x00081030'),
    accessionNumber: str(ds, 'x00080050'),
    seriesDescription: str(ds, 'x0008103e'),
    seriesNumber: num(ds, 'x00200011'),
    instanceNumber: num(ds, 'x00200013'),
    modality: str(ds, 'x00080060'),
    institution: str(ds, 'x00080080'),
    position: pos.length >= 3 && pos.slice(0, 3).every(Number.isFinite) ? [pos[0], pos[1], pos[2]] : null,
    orientation: ori.length >= 6 && ori.slice(0, 6).every(Number.isFinite) ? [ori[0], ori[1], ori[2], ori[3], ori[4], ori[5]] : null,
    sliceThickness: num(ds, 'x00180050'),
    frames: framesRaw !== null && Number.isInteger(framesRaw) && framesRaw > 0 ? framesRaw : 1,
  };
}

/**
 * Distance of a slice along the normal of its orientation (row × column cosines): the order a stack is
 * browsed in. Null when position or orientation is missing (then instance number orders the stack).
 */
export function slicePosition(d: Pick<DicomDescriptor, 'position' | 'orientation'>): number | null {
  if (!d.position || !d.orientation) return null;
  const [a, b, c, e, f, g] = d.orientation;
  const n = [b * g - c * f, c * e - a * g, a * f - b * e];
  return d.position[0] * n[0] + d.position[1] * n[1] + d.position[2] * n[2];
}

/** Letters of the patient direction a unit vector points to (L/R, P/A, H/F), strongest first. */
export function orientationLetters(v: readonly number[]): string {
  const axes: [number, string, string][] = [
    [v[0], 'L', 'R'],
    [v[1], 'P', 'A'],
    [v[2], 'H', 'F'],
  ];
  return axes
    .filter(([x]) => Math.abs(x) > 0.25)
    .sort((p, q) => Math.abs(q[0]) - Math.abs(p[0]))
    .map(([x, pos, neg]) => (x > 0 ? pos : neg))
    .join('');
}
