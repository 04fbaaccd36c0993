/**
 * Model packages: a folder with model.onnx, tokenizer.json and vlsm.json (docs/model-package.md).
 * A Hugging Face export folder without vlsm.json is accepted when preprocessor_config.json says how to
 * preprocess; the manifest is then derived from it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { formatManifestIssues, manifestSchema, type Manifest } from './manifest.js';
import { loadTokenizer, type PromptTokenizer } from './tokenizer.js';
import { UserError } from '../errors.js';
import { describeJsonError } from '../json-error.js';
import { PIL_RESAMPLE } from './pil-resize.js';

export class ModelPackageError extends UserError {
  override name = 'ModelPackageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('model-invalid', message, options);
  }
}

export interface ModelPackage {
  dir: string;
  manifest: Manifest;
  /** Where the manifest came from: the package's vlsm.json or derived from Hugging Face configs. */
  manifestSource: 'vlsm.json' | 'preprocessor_config.json';
  modelPath: string;
  modelBytes: Uint8Array;
  /** sha256 of model.onnx, hex. */
  sha256: string;
  tokenizer: PromptTokenizer;
}

export async function loadModelPackage(dirArg: string): Promise<ModelPackage> {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelPackageError(`Model folder ${dirArg} does not exist.`);
  const modelPath = join(dir, 'model.onnx');
  if (!existsSync(modelPath)) throw new ModelPackageError(`Model folder ${dirArg} has no model.onnx.`);
  const modelBytes = new Uint8Array(readFileSync(modelPath));
  const sha256 = createHash('sha256').update(modelBytes).digest('hex');
  const { manifest, source } = readManifest(dir);
  if (manifest.sha256 && manifest.sha256 !== sha256) {
    throw new ModelPackageError(
      `${dirArg}/model.onnx does not match the sha256 recorded in vlsm.json (file ${sha256.slice(0, 12)}…, manifest ${manifest.sha256.slice(0, 12)}…); the model was modified or replaced.`,
    );
  }
  const tokenizer = loadTokenizer(dir, manifest.text);
  return { dir, manifest, manifestSource: source, modelPath, modelBytes, sha256, tokenizer };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelPackageError(`${file} is not valid JSON (${describeJsonError(e)}).`);
  }
}

function readManifest(dir: string): { manifest: Manifest; source: ModelPackage['manifestSource'] } {
  const file = join(dir, 'vlsm.json');
  if (existsSync(file)) {
    const parsed = manifestSchema.safeParse(readJson(file));
    if (!parsed.success) throw new ModelPackageError(formatManifestIssues(parsed.error, file));
    return { manifest: parsed.data, source: 'vlsm.json' };
  }
  const pre = join(dir, 'preprocessor_config.json');
  if (!existsSync(pre)) {
    throw new ModelPackageError(`Model folder ${dir} has neither vlsm.json nor preprocessor_config.json; see docs/model-package.md.`);
  }
  return { manifest: deriveManifest(dir, readJson(pre) as HfPreprocessor), source: 'preprocessor_config.json' };
}

interface HfPreprocessor {
  image_mean?: number[];
  image_std?: number[];
  size?: number | { height?: number; width?: number; shortest_edge?: number };
  crop_size?: number | { height?: number; width?: number };
  resample?: number;
}

/** Hugging Face CLIPSeg processor semantics: resize to size×size, rescale 1/255, normalise. */
export function deriveManifest(dir: string, pre: HfPreprocessor): Manifest {
  const size = pre.size ?? 352;
  const height = typeof size === 'number' ? size : (size.height ?? size.shortest_edge ?? 352);
  const width = typeof size === 'number' ? size : (size.width ?? size.shortest_edge ?? 352);
  const configFile = join(dir, 'config.json');
  const config = existsSync(configFile) ? (readJson(configFile) as { text_config?: { max_position_embeddings?: number; pad_token_id?: number } }) : {};
  const raw = {
    schemaVersion: 1,
    name: basename(dir),
    version: '0',
    architecture: 'clipseg',
    description: 'Derived from the Hugging Face preprocessor_config.json',
    input: {
      width,
      height,
      mean: pre.image_mean ?? [0.48145466, 0.4578275, 0.40821073],
      std: pre.image_std ?? [0.26862954, 0.26130258, 0.27577711],
      // transformers resizes with PIL.Image.resize(resample) — BILINEAR (2) unless the config says otherwise
      resample: PIL_RESAMPLE[pre.resample ?? 2] ?? 'pil-bilinear',
    },
    text: { maxTokens: config.text_config?.max_position_embeddings ?? 77, padTokenId: padTokenId(dir, config.text_config?.pad_token_id) },
  };
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new ModelPackageError(formatManifestIssues(parsed.error, join(dir, 'preprocessor_config.json')));
  return parsed.data;
}

/**
 * The id the tokenizer pads with, as transformers does: the tokenizer's pad_token (tokenizer_config.json
 * or special_tokens_map.json; CLIP's is <|endoftext|> = 49407), looked up in tokenizer.json. The model
 * config's text_config.pad_token_id (1 in CLIPSeg's config) is not what CLIPTokenizer pads with: without
 * a named pad token, CLIPTokenizer's default <|endoftext|> is used if the vocabulary has it, then that id.
 */
function padTokenId(dir: string, configPad: number | undefined): number {
  const read = (f: string): Record<string, unknown> => (existsSync(join(dir, f)) ? (readJson(join(dir, f)) as Record<string, unknown>) : {});
  const tokenText = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v && 'content' in v ? String((v as { content: unknown }).content) : undefined);
  const name = tokenText(read('tokenizer_config.json').pad_token) ?? tokenText(read('special_tokens_map.json').pad_token);
  const tok = read('tokenizer.json') as { added_tokens?: { id: number; content: string }[]; model?: { vocab?: Record<string, number> | unknown[] } };
  const idOf = (t: string) => tok.added_tokens?.find((a) => a.content === t)?.id ?? (tok.model?.vocab && !Array.isArray(tok.model.vocab) ? tok.model.vocab[t] : undefined);
  if (name !== undefined && idOf(name) !== undefined) return idOf(name)!;
  return idOf('<|endoftext|>') ?? configPad ?? 49407;
}
