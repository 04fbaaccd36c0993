/**
 * Prompt → token ids with a Hugging Face `tokenizer.json`, loaded by @huggingface/tokenizers (so a real
 * CLIPSeg export folder loads unchanged). Batches are padded with the manifest's pad id and a zero
 * attention mask, as the Hugging Face processors do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer, type Encoding } from '@huggingface/tokenizers';
import type { Manifest } from './manifest.js';
import { UserError } from '../errors.js';
import { describeJsonError } from '../json-error.js';

export class PromptError extends UserError {
  override name = 'PromptError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad-args', message, options);
  }
}

export interface EncodedPrompts {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  dims: [number, number];
  /** Words the tokenizer maps to its unknown token, per prompt (empty for byte-level BPE tokenizers). */
  unknownWords: string[][];
}

export interface PromptTokenizer {
  encode(prompts: readonly string[]): EncodedPrompts;
}

export function loadTokenizer(dir: string, text: Manifest['text']): PromptTokenizer {
  const file = join(dir, 'tokenizer.json');
  if (!existsSync(file)) throw new PromptError(`${dir} has no tokenizer.json; a model package needs one (Hugging Face format).`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new PromptError(`${file} is not valid JSON (${describeJsonError(e)}).`);
  }
  const configFile = join(dir, 'tokenizer_config.json');
  let config: object = {};
  try {
    if (existsSync(configFile)) config = JSON.parse(readFileSync(configFile, 'utf8')) as object;
  } catch (e) {
    throw new PromptError(`${configFile} is not valid JSON (${describeJsonError(e)}).`);
  }
  const unk = unknownToken(json);
  let tok: Tokenizer;
  try {
    // tokenizers.js takes a WordLevel model's unknown token from tokenizer_config.json only; without that
    // file an unknown word got no id at all (undefined), so default it to the model's own unk_token.
    tok = new Tokenizer(json, { ...(unk !== undefined ? { unk_token: unk } : {}), ...config });
  } catch (e) {
    throw new PromptError(`${file} is not a usable Hugging Face tokenizer (${(e as Error).message}).`);
  }
  const unkId = unk === undefined ? undefined : vocabId(json, unk);
  return {
    encode(prompts) {
      const seqs = prompts.map((p) => {
        const text = p.trim();
        if (text.length === 0) throw new PromptError('The prompt is empty; type what to segment, e.g. "polyp" or "left lung".');
        const enc: Encoding = tok.encode(text);
        const ids = enc.ids;
        // Compare ids, not token strings: tokenizers.js reports a WordLevel unknown word as the word itself.
        const unknown = unkId === undefined ? [] : enc.tokens.filter((_: string, i: number) => enc.ids[i] === unkId);
        const wordIds = enc.ids.filter((_: number, i: number) => !isSpecial(json, enc.tokens[i]) || enc.ids[i] === unkId);
        if (unkId !== undefined && wordIds.length > 0 && wordIds.every((id: number) => id === unkId)) {
          throw new PromptError(`The model's vocabulary knows none of the words in "${text}"; try the prompts listed for this model.`);
        }
        if (ids.length === 0) throw new PromptError(`The prompt "${text}" produced no tokens.`);
        const missing = enc.tokens.filter((_: string, i: number) => !Number.isInteger(ids[i]));
        if (missing.length) throw new PromptError(`The model's tokenizer has no id for "${missing[0]}" in "${text}" and no unknown token to fall back on; rephrase the prompt.`);
        return { ids, unknown };
      });
      const longest = Math.max(...seqs.map((s) => Math.min(s.ids.length, text.maxTokens)));
      const T = text.padToMax ? text.maxTokens : longest;
      const B = seqs.length;
      const inputIds = new BigInt64Array(B * T).fill(BigInt(text.padTokenId));
      const attentionMask = new BigInt64Array(B * T);
      seqs.forEach((s, b) => {
        const n = Math.min(s.ids.length, T);
        for (let t = 0; t < n; t++) {
          inputIds[b * T + t] = BigInt(s.ids[t]);
          attentionMask[b * T + t] = 1n;
        }
      });
      return { inputIds, attentionMask, dims: [B, T], unknownWords: seqs.map((s) => s.unknown) };
    },
  };
}

function unknownToken(json: Record<string, unknown>): string | undefined {
  const model = json.model as { unk_token?: unknown } | undefined;
  return typeof model?.unk_token === 'string' ? model.unk_token : undefined;
}

function vocabId(json: Record<string, unknown>, token: string): number | undefined {
  const vocab = (json.model as { vocab?: unknown } | undefined)?.vocab;
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) {
    const id = (vocab as Record<string, unknown>)[token];
    if (typeof id === 'number') return id;
  }
  const added = (json.added_tokens as { id: number; content: string }[] | undefined) ?? [];
  return added.find((a) => a.content === token)?.id;
}

function isSpecial(json: Record<string, unknown>, token: string): boolean {
  const added = (json.added_tokens as { content: string; special?: boolean }[] | undefined) ?? [];
  return added.some((a) => a.special === true && a.content === token && !(unknownToken(json) === token));
}
