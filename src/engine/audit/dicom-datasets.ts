/**
 * `{ kind: 'dicom', path, groundTruth: 'seg' | 'rtstruct' }` datasets: a DICOM folder whose ground truth is
 * a DICOM SEG or RTSTRUCT. The folder is opened the way the workstation opens it (study/scan.ts: recursive
 * walk, series grouped and sorted), each ground-truth object is matched onto the series it annotates
 * (study/ground-truth.ts), and every (slice or frame × segment/ROI) whose mask is non-empty becomes one
 * audit image (with `emptySlices`, every slice of that series). The reference travels with the task as a
 * mask PNG at the slice's own size and is read back through study/mask-check.ts — the one mask rule of
 * imaging/mask.ts — then resized by prepareBatch like every other dataset mask, so a DICOM reference is
 * scored exactly as a dataset mask file would be.
 *
 * Keys: imageSha256 is the sha256 of the image file; maskSha256 is the sha256 of the reference's identity
 * — the ground-truth file's sha256, the segment number, the frame and the mask bytes — so a changed SEG,
 * another segment or another frame of one multi-frame file is another cell, and resume stays exact.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { encodeMaskPng, ImageDecodeError, loadMask, type BinaryMask } from '../imaging/index.js';
import type { ModelPackage } from '../model/index.js';
import { PromptError } from '../model/tokenizer.js';
import { loadGroundTruth, type GroundTruthResult, type SliceRef } from '../study/ground-truth.js';
import { maskFromDataUrl } from '../study/mask-check.js';
import { scanFolder, type ScannedSeries } from '../study/scan.js';
import { canonical, sha256, type ResolvedDataset, type TaskImage } from './cells.js';
import { PlanError, type DatasetSpec } from './plan.js';

type DicomSpec = Extract<DatasetSpec, { kind: 'dicom' }>;

/** What a DICOM ground-truth image adds to a task image (see TaskImage). */
export interface DicomImageInputs {
  /** Frame of a multi-frame file, 0-based. */
  frame: number;
  /** The reference at the slice's own size, as a 0/255 grey PNG data URL. */
  maskDataUrl: string;
  /** The segment / ROI label: the default prompt when the model knows its words. */
  label: string;
}

const NAMES = { seg: 'DICOM SEG', rtstruct: 'RTSTRUCT' } as const;

function sliceRefs(series: ScannedSeries): SliceRef[] {
  return series.instances.flatMap((i) => Array.from({ length: Math.max(1, i.frames) }, (_, frame) => ({ path: i.path, frame })));
}

const dataUrl = (mask: BinaryMask) => `data:image/png;base64,${Buffer.from(encodeMaskPng(mask)).toString('base64')}`;

/** Does a selector (label, case-insensitive, or number) name this segment? */
const selects = (sel: string | number, s: { number: number; label: string }) => (typeof sel === 'number' ? s.number === sel : s.label.trim().toLowerCase() === sel.trim().toLowerCase());

/** Matches one ground-truth object onto the folder's series; every failure is a PlanError naming the folder. */
async function matchObject(spec: DicomSpec, gt: { path: string; referencedSeriesUID: string | null }, series: ScannedSeries[], rel: string, problems: readonly { reason: string }[]): Promise<{ series: ScannedSeries; slices: SliceRef[]; result: GroundTruthResult }> {
  const where = `DICOM folder ${spec.path}: ${rel}`;
  // The slices may be there but unreadable (scan.ts lists why); say so rather than only "no slice".
  const unread = problems.length ? `; ${problems.length} file${problems.length > 1 ? 's' : ''} of the folder could not be read, e.g. ${problems[0].reason}` : '';
  // A stated referenced series must be in the folder; without one, the first series the object lands on.
  const candidates = gt.referencedSeriesUID ? series.filter((s) => s.seriesInstanceUID === gt.referencedSeriesUID) : series;
  if (candidates.length === 0) {
    throw new PlanError(`${where} references no slice in the folder (it annotates series ${gt.referencedSeriesUID ?? '(none stated)'}, which the folder does not hold${unread}); put the images it was drawn on in the folder.`);
  }
  let last: ImageDecodeError | undefined;
  for (const s of candidates) {
    const slices = sliceRefs(s);
    try {
      return { series: s, slices, result: await loadGroundTruth(gt.path, slices) };
    } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      last = e;
    }
  }
  const why = last!.message.replace(`${gt.path}: `, '');
  throw new PlanError(/none of its/.test(why) ? `${where} references no slice in the folder (${why}${unread}).` : `${where}: ${why}.`, { cause: last });
}

/** Scans the folder, matches its SEG / RTSTRUCT objects and lists one audit image per slice × segment. */
export async function resolveDicomDataset(spec: DicomSpec): Promise<ResolvedDataset> {
  if (spec.groundTruth === 'none') throw new Error('resolveDicomDataset is for DICOM folders with ground truth.');
  const dir = resolve(spec.path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new PlanError(`DICOM folder ${spec.path} does not exist.`);
  const kind = spec.groundTruth;
  const scan = await scanFolder(dir);
  const objects = scan.groundTruth.filter((g) => g.kind === kind).sort((a, b) => a.path.localeCompare(b.path));
  if (objects.length === 0) {
    const other = scan.groundTruth.find((g) => g.kind !== kind)?.kind;
    throw new PlanError(`DICOM folder ${spec.path} holds no ${NAMES[kind]} object${other ? ` (it has a ${NAMES[other]}: use groundTruth "${other}")` : ''}; add the ${NAMES[kind]} file or use groundTruth "none" (reference-free).`);
  }
  const series = scan.patients.flatMap((p) => p.studies.flatMap((s) => s.series));
  const fileSha = new Map<string, string>();
  const hashOf = (path: string) => fileSha.get(path) ?? fileSha.set(path, sha256(readFileSync(path))).get(path)!;
  const used = new Set<string | number>();
  const seen = new Set<string>();
  const images: Array<{ id: string; path: string; imageSha256: string; maskSha256: string; inputs: DicomImageInputs }> = [];
  const provenance: Array<{ path: string; sha256: string; series: string }> = [];
  for (const gt of objects) {
    const rel = relative(dir, gt.path);
    const { series: s, slices, result } = await matchObject(spec, gt, series, rel, scan.problems);
    const gtSha = hashOf(gt.path);
    provenance.push({ path: rel, sha256: gtSha, series: s.seriesInstanceUID });
    const frames = new Map(s.instances.map((i) => [i.path, i.frames]));
    for (const seg of result.segments) {
      seen.add(`${seg.number} "${seg.label}"`);
      if (spec.segments) {
        const hits = spec.segments.filter((sel) => selects(sel, seg));
        if (hits.length === 0) continue;
        hits.forEach((sel) => used.add(sel));
      }
      const byIndex = new Map(seg.slices.map((sl) => [sl.index, sl]));
      const indices = spec.emptySlices ? slices.map((_, i) => i) : seg.slices.filter((sl) => sl.mask.some((v) => v !== 0)).map((sl) => sl.index);
      for (const index of indices) {
        const ref = slices[index];
        const width = byIndex.get(index)?.width ?? s.columns;
        const height = byIndex.get(index)?.height ?? s.rows;
        const mask = byIndex.get(index)?.mask ?? new Uint8Array(width * height);
        const slicePath = relative(dir, ref.path);
        const sliceId = (frames.get(ref.path) ?? 1) > 1 ? `${slicePath}#${ref.frame}` : slicePath;
        const segmentName = `${objects.length > 1 ? `${rel} ` : ''}${seg.number} ${seg.label}`;
        images.push({
          id: `${sliceId} [${segmentName}]`,
          path: slicePath,
          imageSha256: hashOf(ref.path),
          maskSha256: sha256(canonical({ groundTruth: gtSha, segment: seg.number, frame: ref.frame, width, height, mask: sha256(mask) })),
          inputs: { frame: ref.frame, maskDataUrl: dataUrl({ width, height, data: mask }), label: seg.label },
        });
      }
    }
  }
  const unused = spec.segments?.find((sel) => !used.has(sel));
  if (unused !== undefined) {
    throw new PlanError(`DICOM folder ${spec.path}: no ${NAMES[kind]} has a segment ${typeof unused === 'number' ? `numbered ${unused}` : `labelled "${unused}"`}; choose among ${[...seen].join(', ')} (by label or number).`);
  }
  if (images.length === 0) throw new PlanError(`DICOM folder ${spec.path}: the ${NAMES[kind]} masks are empty on every slice; set emptySlices to audit them anyway.`);
  const listed = images.slice(0, spec.limit);
  const record = {
    key: sha256(canonical({ kind: 'dicom', dir, groundTruth: kind, objects: provenance, segments: spec.segments ?? null, emptySlices: spec.emptySlices ?? false, images: listed.map((i) => [i.id, i.imageSha256, i.maskSha256]) })),
    name: basename(dir),
    kind: 'dicom' as const,
    dir,
    split: null,
    splitsSha256: null,
    images: listed.map(({ id, path, imageSha256, maskSha256 }) => ({ id, path, imageSha256, maskSha256 })),
    groundTruth: true,
  };
  return { ds: null, name: record.name, record, dicom: new Map(listed.map((i) => [i.id, i.inputs])) };
}

/**
 * The default prompt of a DICOM ground-truth image: its segment / ROI label in lower case when the model's
 * tokenizer knows every word of it ("Liver" → "liver"), else the model's default prompt for the dataset
 * name, else a PlanError asking for a fixed prompt. Known means no word maps to the unknown token (a
 * byte-level BPE tokenizer such as CLIP's knows every word).
 */
export function segmentPrompt(label: string, pkg: ModelPackage, dataset: string): string {
  const text = label.trim().toLowerCase();
  let unknown: string[];
  try {
    unknown = text ? pkg.tokenizer.encode([text]).unknownWords[0] : [text];
  } catch (e) {
    if (!(e instanceof PromptError)) throw e;
    unknown = [text];
  }
  if (unknown.length === 0) return text;
  const fallback = pkg.manifest.prompts[dataset]?.default;
  if (fallback) return fallback;
  throw new PlanError(`DICOM dataset ${dataset}: model ${pkg.manifest.name} does not know the segment label "${label}" (unknown: ${unknown.join(', ')}) and names no default prompt for ${dataset}; give a fixed prompt in the plan.`);
}

/** The reference mask of a task image: a dataset mask file, a DICOM ground-truth mask, or none. */
export async function loadTaskMask(im: Pick<TaskImage, 'id' | 'maskPath' | 'maskDataUrl'>, image: { width: number; height: number }): Promise<BinaryMask | undefined> {
  if (im.maskPath) return loadMask(im.maskPath);
  if (im.maskDataUrl) return maskFromDataUrl(im.maskDataUrl, im.id, image);
  return undefined;
}
