/**
 * Opening a folder the way a workstation does: walk it recursively, read each DICOM header once, group
 * images patient → study → series with slices sorted by position along the slice normal, list DICOM SEG
 * and RTSTRUCT objects as ground truth, keep PNG/JPEG files as loose images, and give every file that
 * cannot be shown its own reason (corrupt, unsupported transfer syntax, not an image) while the rest
 * opens. A folder laid out like ../shared/data/<dataset> (images/, masks/, splits.json) opens as a list of
 * image + mask pairs instead.
 */
import { existsSync } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { loadDataset } from '../data/dataset.js';
import { parseDicomBytes } from '../imaging/dicom-parse.js';
import { describeThrown } from '../imaging/errors.js';
import { describeSopClass } from '../imaging/sop-classes.js';
import { sniffFormat } from '../imaging/sniff.js';
import { getTransferSyntax } from '../imaging/transfer-syntax.js';
import { readDescriptor, slicePosition, type DicomDescriptor } from './dicom-meta.js';

export const SEG_SOP_CLASSES = new Set(['1.2.840.10008.5.1.4.1.1.66.4', '1.2.840.10008.5.1.4.1.1.66.7']);
export const RTSTRUCT_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.481.3';
/** More files than this in one folder is refused rather than scanned for minutes. */
export const MAX_SCAN_FILES = 20_000;

export interface ScannedInstance {
  path: string;
  sopInstanceUID: string | null;
  frames: number;
  instanceNumber: number | null;
  /** Position along the slice normal, mm (null when the file has no plane geometry). */
  position: number | null;
}

export interface ScannedSeries {
  seriesInstanceUID: string;
  modality: string | null;
  description: string | null;
  number: number | null;
  rows: number;
  columns: number;
  /** Sorted for browsing: by position along the normal, else instance number, else file name. */
  instances: ScannedInstance[];
  /** Sum of frames over instances: what the slice slider spans. */
  images: number;
}

export interface ScannedStudy {
  studyInstanceUID: string;
  description: string | null;
  date: string | null;
  series: ScannedSeries[];
}

export interface ScannedPatient {
  name: string | null;
  id: string | null;
  studies: ScannedStudy[];
}

export interface GroundTruthObject {
  path: string;
  kind: 'seg' | 'rtstruct';
  description: string | null;
  /** Series the object annotates (from its referenced series / instances), when stated. */
  referencedSeriesUID: string | null;
}

export interface DatasetListing {
  name: string;
  dir: string;
  items: { id: string; imagePath: string; maskPath: string | null; split: string | null }[];
  /** Dataset prompt per split key (p1 of the first image), offered as a suggestion. */
  suggestedPrompt: string | null;
}

export interface ScanResult {
  root: string;
  kind: 'dicom' | 'dataset' | 'files';
  patients: ScannedPatient[];
  images: string[];
  groundTruth: GroundTruthObject[];
  dataset: DatasetListing | null;
  problems: { path: string; reason: string }[];
  files: number;
}

async function walk(dir: string, out: string[], problems: ScanResult['problems']): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    problems.push({ path: dir, reason: `cannot list the folder (${describeThrown(e)})` });
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out, problems);
    else if (e.isFile()) out.push(p);
    if (out.length > MAX_SCAN_FILES) return;
  }
}

async function head(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(132);
    const { bytesRead } = await fh.read(buf, 0, 132, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function referencedSeries(ds: ReturnType<typeof parseDicomBytes>['dataSet']): string | null {
  // SEG: ReferencedSeriesSequence (0008,1115); RTSTRUCT: ReferencedFrameOfReference → RTReferencedStudy → RTReferencedSeries.
  const seg = ds.elements.x00081115?.items?.[0]?.dataSet?.string('x0020000e');
  if (seg) return seg.trim();
  const rt = ds.elements.x30060010?.items?.[0]?.dataSet?.elements.x30060012?.items?.[0]?.dataSet?.elements.x30060014?.items?.[0]?.dataSet?.string('x0020000e');
  return rt ? rt.trim() : null;
}

function isDatasetFolder(dir: string): boolean {
  return existsSync(join(dir, 'images')) && existsSync(join(dir, 'masks')) && existsSync(join(dir, 'splits.json'));
}

function listDataset(dir: string): DatasetListing {
  const ds = loadDataset(dir);
  const splitOf = new Map<string, string>();
  for (const [k, ids] of Object.entries(ds.splits)) for (const id of ids) splitOf.set(id, k);
  const order = [...(ds.splits.test ?? []), ...(ds.splits.val ?? []), ...(ds.splits.train ?? [])];
  const items = order.map((id) => {
    const maskPath = ds.maskPath(id);
    return { id, imagePath: ds.imagePath(id), maskPath: existsSync(maskPath) ? maskPath : null, split: splitOf.get(id) ?? null };
  });
  let suggestedPrompt: string | null = null;
  if (ds.hasPrompts && order.length) {
    try {
      suggestedPrompt = ds.prompt(order[0], 'p1');
    } catch {
      suggestedPrompt = null;
    }
  }
  return { name: ds.name, dir: ds.dir, items, suggestedPrompt };
}

interface Header {
  path: string;
  d: DicomDescriptor;
  rows: number;
  columns: number;
}

export async function scanFolder(root: string, onProgress?: (done: number, total: number) => void): Promise<ScanResult> {
  const result: ScanResult = { root, kind: 'files', patients: [], images: [], groundTruth: [], dataset: null, problems: [], files: 0 };
  if (isDatasetFolder(root)) {
    result.kind = 'dataset';
    result.dataset = listDataset(root);
    result.files = result.dataset.items.length;
    return result;
  }
  const files: string[] = [];
  await walk(root, files, result.problems);
  if (files.length > MAX_SCAN_FILES) {
    result.problems.push({ path: root, reason: `has more than ${MAX_SCAN_FILES} files; open a sub-folder holding one study` });
    files.length = MAX_SCAN_FILES;
  }
  result.files = files.length;
  const headers: Header[] = [];
  for (let i = 0; i < files.length; i++) {
    const path = files[i];
    if (i % 25 === 0) onProgress?.(i, files.length);
    const rel = relative(root, path) || basename(path);
    try {
      const fmt = sniffFormat(await head(path));
      if (fmt === 'png' || fmt === 'jpeg') {
        result.images.push(path);
        continue;
      }
      if (fmt !== 'dicom') {
        result.problems.push({ path, reason: `${rel}: not a DICOM, PNG or JPEG file` });
        continue;
      }
      const bytes = await readFile(path);
      const { dataSet, transferSyntaxUID } = parseDicomBytes(bytes, rel);
      const d = readDescriptor(dataSet);
      if (d.sopClassUID && SEG_SOP_CLASSES.has(d.sopClassUID)) {
        result.groundTruth.push({ path, kind: 'seg', description: d.seriesDescription, referencedSeriesUID: referencedSeries(dataSet) });
        continue;
      }
      if (d.sopClassUID === RTSTRUCT_SOP_CLASS) {
        result.groundTruth.push({ path, kind: 'rtstruct', description: d.seriesDescription ?? dataSet.string('x30060002')?.trim() ?? null, referencedSeriesUID: referencedSeries(dataSet) });
        continue;
      }
      if (!dataSet.elements.x7fe00010) {
        result.problems.push({ path, reason: `${rel}: has no image pixel data (SOP class ${describeSopClass(d.sopClassUID ?? undefined)})` });
        continue;
      }
      const ts = getTransferSyntax(transferSyntaxUID);
      if (ts.codec === null) {
        result.problems.push({ path, reason: `${rel}: unsupported transfer syntax ${ts.uid} (${ts.name})${ts.reason ? `: ${ts.reason}` : ''}` });
        continue;
      }
      // Syntaxes decoded only at one precision (8-bit JPEG Extended): the header's BitsStored tells early.
      const bitsStored = dataSet.uint16('x00280101');
      if (ts.onlyPrecision !== undefined && bitsStored !== undefined && bitsStored > ts.onlyPrecision) {
        result.problems.push({ path, reason: `${rel}: unsupported transfer syntax ${ts.uid} (${ts.name}) with ${bitsStored}-bit samples: ${ts.reason ?? 'not supported'}` });
        continue;
      }
      headers.push({ path, d, rows: dataSet.uint16('x00280010') ?? 0, columns: dataSet.uint16('x00280011') ?? 0 });
    } catch (e) {
      const msg = describeThrown(e);
      result.problems.push({ path, reason: msg.startsWith(rel) ? msg : `${rel}: ${msg}` });
    }
  }
  onProgress?.(files.length, files.length);
  result.patients = group(headers);
  result.kind = result.patients.length > 0 || result.groundTruth.length > 0 ? 'dicom' : 'files';
  return result;
}

function group(headers: Header[]): ScannedPatient[] {
  const patients = new Map<string, { p: ScannedPatient; studies: Map<string, { s: ScannedStudy; series: Map<string, Header[]> }> }>();
  for (const h of headers) {
    const pk = `${h.d.patientId ?? ''}\u0000${h.d.patientName ?? ''}`;
    let p = patients.get(pk);
    if (!p) patients.set(pk, (p = { p: { name: h.d.patientName, id: h.d.patientId, studies: [] }, studies: new Map() }));
    const sk = h.d.studyInstanceUID ?? `(no study UID) ${h.d.studyDate ?? ''}`;
    let s = p.studies.get(sk);
    if (!s) p.studies.set(sk, (s = { s: { studyInstanceUID: sk, description: h.d.studyDescription, date: h.d.studyDate, series: [] }, series: new Map() }));
    // A file without a series UID is its own series (it cannot be stacked with others safely).
    const ser = h.d.seriesInstanceUID ?? `(no series UID) ${h.path}`;
    const list = s.series.get(ser) ?? [];
    list.push(h);
    s.series.set(ser, list);
  }
  const out: ScannedPatient[] = [];
  for (const { p, studies } of patients.values()) {
    for (const { s, series } of studies.values()) {
      for (const [uid, list] of series) {
        const instances = list.map((h) => ({ path: h.path, sopInstanceUID: h.d.sopInstanceUID, frames: h.d.frames, instanceNumber: h.d.instanceNumber, position: slicePosition(h.d) }));
        instances.sort(
          (a, b) =>
            (a.position !== null && b.position !== null ? a.position - b.position : 0) ||
            (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) ||
            a.path.localeCompare(b.path),
        );
        const first = list[0];
        s.series.push({
          seriesInstanceUID: uid,
          modality: first.d.modality,
          description: first.d.seriesDescription,
          number: first.d.seriesNumber,
          rows: first.rows,
          columns: first.columns,
          instances,
          images: instances.reduce((n, i) => n + i.frames, 0),
        });
      }
      s.series.sort((a, b) => (a.number ?? 0) - (b.number ?? 0) || (a.description ?? '').localeCompare(b.description ?? ''));
      p.studies.push(s);
    }
    out.push(p);
  }
  return out;
}
