/**
 * Shared access to the real DICOM corpus (../shared/data/dicom): file list, index.json facts and a
 * memoised decode of every frame, so the enumeration and the pairing tests decode each file once.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { decodeDicom, type DicomStudyImage } from '../../../src/engine/imaging/index.js';
import { dataPath } from '../../helpers/data.js';

export const dicomRoot = dataPath('dicom');

export interface IndexEntry {
  path: string | null;
  ts: string | null;
  modality: string | null;
  sop_class: string | null;
  rows: number | null;
  cols: number | null;
  frames: number | string | null;
  samples: number | null;
  photometric: string | null;
  has_pixel_data: boolean;
  note: string;
}

export function readIndex(): Map<string, IndexEntry> {
  const index = JSON.parse(readFileSync(join(dicomRoot, 'index.json'), 'utf8')) as { files: IndexEntry[] };
  return new Map(index.files.filter((f) => f.path).map((f) => [f.path as string, f]));
}

/** Every file under the DICOM folder except the READMEs and index.json, as paths relative to it. */
export function listDicomFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((name) => {
        const p = join(dir, name);
        return statSync(p).isDirectory() ? walk(p) : [p];
      });
  return walk(dicomRoot)
    .map((p) => relative(dicomRoot, p))
    .filter((p) => !p.endsWith('README.md') && p !== 'index.json');
}

export interface Decoded {
  study: DicomStudyImage;
  frames: Float32Array[];
}

const cache = new Map<string, Promise<Decoded>>();

/** Decodes every frame of `rel` once per test file; rejects with whatever decodeDicom/getFrame throws. */
export function decodeAll(rel: string): Promise<Decoded> {
  let p = cache.get(rel);
  if (!p) {
    p = (async () => {
      const study = await decodeDicom(readFileSync(join(dicomRoot, rel)), { path: rel });
      const frames = Array.from({ length: study.frames }, (_, i) => study.getFrame(i));
      return { study, frames };
    })();
    cache.set(rel, p);
  }
  return p;
}

export interface Diff {
  maxAbs: number;
  meanAbs: number;
  /** Value range of the reference, to state tolerances relative to it. */
  range: number;
  correlation: number;
}

export function compareFrames(a: Float32Array, b: Float32Array): Diff {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let maxAbs = 0;
  let sumAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > maxAbs) maxAbs = d;
    sumAbs += d;
    if (a[i] < min) min = a[i];
    if (a[i] > max) max = a[i];
    ma += a[i];
    mb += b[i];
  }
  ma /= a.length;
  mb /= b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return { maxAbs, meanAbs: sumAbs / a.length, range: max - min, correlation: sab / Math.sqrt(saa * sbb || 1) };
}
