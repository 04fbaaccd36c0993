/**
 * A dataset folder laid out like ../shared/data/<dataset>: images/<id>.<ext>, masks/<id>.png and
 * splits.json ({train, val, test: [ids], prompts?: {id: {p0…p9}}}). Pure Node.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { describeJsonError } from '../json-error.js';

export class DatasetError extends UserError {
  override name = 'DatasetError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad-args', message, options);
  }
}

export type PromptValue = string | string[];

export interface Dataset {
  name: string;
  dir: string;
  splits: Record<string, string[]>;
  hasPrompts: boolean;
  imagePath(id: string): string;
  maskPath(id: string): string;
  /** The prompt stored under `key` (e.g. "p1") for one image; a list of variants gives its first entry. */
  prompt(id: string, key: string): string;
  /** Every non-empty phrasing stored under `key` for one image (lists keep all variants). */
  promptVariants(id: string, key: string): string[];
  promptKeys: string[];
}

export function loadDataset(dirArg: string): Dataset {
  const dir = resolve(dirArg);
  const splitsFile = join(dir, 'splits.json');
  if (!existsSync(dir)) throw new DatasetError(`Dataset folder ${dirArg} does not exist.`);
  if (!existsSync(splitsFile)) throw new DatasetError(`Dataset folder ${dirArg} has no splits.json.`);
  if (!existsSync(join(dir, 'images')) || !existsSync(join(dir, 'masks'))) {
    throw new DatasetError(`Dataset folder ${dirArg} needs images/ and masks/ subfolders.`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(splitsFile, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new DatasetError(`${splitsFile} is not valid JSON (${describeJsonError(e)}).`);
  }
  const splits: Record<string, string[]> = {};
  for (const k of ['train', 'val', 'test']) {
    const v = raw[k];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) splits[k] = v as string[];
  }
  const images = new Map<string, string>();
  for (const f of readdirSync(join(dir, 'images'))) images.set(basename(f, extname(f)), f);
  const prompts = (raw.prompts ?? null) as Record<string, Record<string, PromptValue>> | null;
  const promptKeys = prompts ? Object.keys(Object.values(prompts)[0] ?? {}) : [];

  const variants = (id: string, key: string): string[] => {
    const entry = prompts?.[id];
    if (!entry) throw new DatasetError(`Dataset ${basename(dir)} has no prompts for image ${id}.`);
    if (!(key in entry)) throw new DatasetError(`Dataset ${basename(dir)} has no prompt "${key}" (keys: ${Object.keys(entry).join(', ')}).`);
    const v = entry[key];
    return (Array.isArray(v) ? v : [v]).filter((s) => s.trim().length > 0);
  };

  return {
    name: basename(dir),
    dir,
    splits,
    hasPrompts: prompts !== null && promptKeys.length > 0,
    promptKeys,
    imagePath(id) {
      const f = images.get(id);
      if (!f) throw new DatasetError(`Dataset ${basename(dir)} has no image for id ${id}.`);
      return join(dir, 'images', f);
    },
    maskPath(id) {
      return join(dir, 'masks', `${id}.png`);
    },
    prompt(id, key) {
      const v = variants(id, key);
      if (v.length === 0) throw new DatasetError(`Prompt "${key}" is empty for image ${id}; choose another key.`);
      return v[0];
    },
    promptVariants: variants,
  };
}

export function splitIds(ds: Dataset, split: string): string[] {
  const ids = ds.splits[split];
  if (!ids) throw new DatasetError(`Dataset ${ds.name} has no split "${split}" (splits: ${Object.keys(ds.splits).join(', ')}).`);
  return ids;
}
