/**
 * On-disk cache of gradient graphs, keyed by the model's sha256 and the gradient options (loss
 * config, wrt, shapes, PGD step), so an audit builds each graph once per model and configuration.
 * Layout: <dir>/<model sha256>-<options sha256[:16]>.onnx plus a .json with the graph's metadata.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../onnx/proto.js';
import { buildGradientGraph, type GradientGraph, type GradientOptions } from './build.js';

/** Bump when the generated graphs change, so stale cache entries are not reused. */
export const AUTODIFF_VERSION = 1;

/** JSON with sorted keys, so equal options give equal keys. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function cacheKey(modelSha256: string, opts: GradientOptions): string {
  const o = createHash('sha256').update(canonical({ v: AUTODIFF_VERSION, ...opts })).digest('hex').slice(0, 16);
  return `${modelSha256}-${o}`;
}

export interface CachedGradientGraph extends Omit<GradientGraph, 'model'> {
  key: string;
  cacheHit: boolean;
}

/** Returns the gradient graph for (model, opts) from `dir`, building and storing it on a miss. */
export function cachedGradientGraph(modelBytes: Uint8Array, opts: GradientOptions, dir: string): CachedGradientGraph {
  const sha = createHash('sha256').update(modelBytes).digest('hex');
  const key = cacheKey(sha, opts);
  const onnx = join(dir, `${key}.onnx`);
  const meta = join(dir, `${key}.json`);
  if (existsSync(onnx) && existsSync(meta)) {
    const bytes = new Uint8Array(readFileSync(onnx));
    decodeModel(bytes, onnx); // a truncated file is rebuilt below rather than handed to the runtime
    const m = JSON.parse(readFileSync(meta, 'utf8')) as Omit<CachedGradientGraph, 'bytes' | 'cacheHit'>;
    return { ...m, bytes, key, cacheHit: true };
  }
  const g = buildGradientGraph(modelBytes, opts);
  mkdirSync(dir, { recursive: true });
  const { model: _model, bytes, ...rest } = g;
  // Write then rename so a concurrent reader never sees half a file.
  writeFileSync(`${onnx}.${process.pid}.tmp`, bytes); // per-process: parallel reproduce children may build the same graph
  writeFileSync(`${meta}.${process.pid}.tmp`, JSON.stringify({ ...rest, key }));
  renameSync(`${onnx}.${process.pid}.tmp`, onnx);
  renameSync(`${meta}.${process.pid}.tmp`, meta);
  return { ...rest, bytes, key, cacheHit: false };
}
