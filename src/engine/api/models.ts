/**
 * Finding model packages for `models:list` / `model:open` and keeping loaded segmenters warm.
 * Listing reads only the small JSON files (hashing model.onnx is left to loading), so a folder of large
 * models lists instantly; a folder that looks like a package but is broken is listed with its problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatManifestIssues, manifestSchema, type Manifest } from '../model/manifest.js';
import { deriveManifest, loadModelPackage } from '../model/package.js';
import { createSegmenter, type Segmenter } from '../model/segmenter.js';
import type { ModelSummary } from './contract.js';
import { describeJsonError } from '../json-error.js';

export interface ModelRoot {
  dir: string;
  origin: ModelSummary['origin'];
}

function looksLikePackage(dir: string): boolean {
  return ['vlsm.json', 'model.onnx', 'preprocessor_config.json'].some((f) => existsSync(join(dir, f)));
}

/** A JSON file of a package; a syntax error is described without quoting the file (it may be a symlink). */
function readJson<T = unknown>(file: string): T {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${describeJsonError(e)}).`);
  }
}

/** Describe one package folder, or null when the folder is not a model package at all. */
export function describeModelDir(dir: string, origin: ModelSummary['origin']): ModelSummary | null {
  if (!looksLikePackage(dir)) return null;
  const base = { dir, name: basename(dir), version: '', architecture: '', description: '', defaultPrompts: {}, origin };
  let manifest: Manifest;
  try {
    const vlsm = join(dir, 'vlsm.json');
    if (existsSync(vlsm)) {
      const parsed = manifestSchema.safeParse(readJson(vlsm));
      if (!parsed.success) return { ...base, problem: formatManifestIssues(parsed.error, vlsm) };
      manifest = parsed.data;
    } else if (existsSync(join(dir, 'preprocessor_config.json'))) {
      manifest = deriveManifest(dir, readJson(join(dir, 'preprocessor_config.json')));
    } else {
      return { ...base, problem: `${dir} has neither vlsm.json nor preprocessor_config.json.` };
    }
  } catch (e) {
    return { ...base, problem: `${dir}: ${(e as Error).message}` };
  }
  const defaultPrompts = Object.fromEntries(Object.entries(manifest.prompts).map(([k, v]) => [k, v.default]));
  return {
    dir,
    name: manifest.name,
    version: manifest.version,
    architecture: manifest.architecture,
    description: manifest.description,
    defaultPrompts,
    origin,
    problem: existsSync(join(dir, 'model.onnx')) ? null : `${dir} has no model.onnx.`,
  };
}

/** Packages in each root: the root itself when it is a package, else its immediate sub-folders. */
export async function listModels(roots: readonly ModelRoot[]): Promise<ModelSummary[]> {
  const out: ModelSummary[] = [];
  for (const root of roots) {
    if (!existsSync(root.dir)) continue;
    const own = describeModelDir(root.dir, root.origin);
    if (own) {
      out.push(own);
      continue;
    }
    const entries = await readdir(root.dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const found = describeModelDir(join(root.dir, e.name), root.origin);
      if (found) out.push(found);
    }
  }
  return out;
}

type ProviderChoice = 'auto' | 'cpu' | 'cuda';

/**
 * Loaded segmenters by (folder, provider), at most `capacity` of them; an entry is reloaded when
 * model.onnx or vlsm.json changed on disk since it was loaded.
 */
export class SegmenterCache {
  private readonly entries = new Map<string, { stamp: string; segmenter: Promise<Segmenter> }>();
  constructor(
    private readonly capacity = 2,
    private readonly threads?: number,
  ) {}

  async get(dir: string, provider: ProviderChoice): Promise<Segmenter> {
    const key = `${dir}\u0000${provider}`;
    const stamp = await fileStamp(dir);
    const hit = this.entries.get(key);
    if (hit && hit.stamp === stamp) {
      this.entries.delete(key);
      this.entries.set(key, hit); // most recently used last
      return hit.segmenter;
    }
    if (hit) this.evict(key);
    const segmenter = loadModelPackage(dir).then((pkg) => createSegmenter(pkg, { provider, threads: this.threads }));
    this.entries.set(key, { stamp, segmenter });
    segmenter.catch(() => {
      if (this.entries.get(key)?.segmenter === segmenter) this.entries.delete(key);
    });
    while (this.entries.size > this.capacity) this.evict(this.entries.keys().next().value as string);
    return segmenter;
  }

  private evict(key: string): void {
    const e = this.entries.get(key);
    this.entries.delete(key);
    e?.segmenter.then((s) => s.dispose()).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.segmenter.then((s) => s.dispose()).catch(() => undefined)));
  }
}

async function fileStamp(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const f of ['model.onnx', 'vlsm.json', 'tokenizer.json']) {
    try {
      const s = await stat(join(dir, f));
      parts.push(`${s.size}:${s.mtimeMs}`);
    } catch {
      parts.push('-');
    }
  }
  return parts.join('|');
}
