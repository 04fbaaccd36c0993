/**
 * Tokenizer edge cases from an outside test (issue 14): a package without tokenizer_config.json given an
 * unknown word crashed with "Cannot convert undefined to a BigInt" (tokenizers.js takes a WordLevel
 * model's unknown token from that file only).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenizer, PromptError } from '../../../src/engine/model/tokenizer.js';
import { repoRoot } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const text = { maxTokens: 16, padToMax: false, padTokenId: 0 };
const bundled = join(repoRoot, 'resources', 'models', 'film-unet', 'tokenizer.json');

describe('loadTokenizer without tokenizer_config.json', () => {
  copyFileSync(bundled, join(tmp.path, 'tokenizer.json'));
  const tok = loadTokenizer(tmp.path, text);
  const unkId = JSON.parse(readFileSync(bundled, 'utf8')).model.vocab['[UNK]'] as number;

  it('maps an unknown word to the model’s unk_token and reports it', () => {
    const e = tok.encode(['polyp zzzqqq']);
    expect(e.unknownWords).toEqual([['zzzqqq']]);
    expect([...e.inputIds]).toContain(BigInt(unkId));
    expect([...e.inputIds].every((v) => typeof v === 'bigint')).toBe(true);
  });

  it('only unknown words → PromptError', () => {
    expect(() => tok.encode(['zzzqqq'])).toThrow(PromptError);
  });

  it('a WordLevel tokenizer with no unknown token at all → PromptError naming the word, not a TypeError', () => {
    const dir = join(tmp.path, 'no-unk');
    const json = JSON.parse(readFileSync(bundled, 'utf8'));
    delete json.model.unk_token;
    json.added_tokens = json.added_tokens.filter((a: { content: string }) => a.content !== '[UNK]');
    delete json.model.vocab['[UNK]'];
    mkdirSync(dir);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
    expect(() => loadTokenizer(dir, text).encode(['polyp zzzqqq'])).toThrow(/no id for "zzzqqq"/);
  });

  it('a tokenizer_config.json that is not JSON → PromptError naming it', () => {
    const dir = join(tmp.path, 'bad-config');
    mkdirSync(dir);
    copyFileSync(bundled, join(dir, 'tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer_config.json'), '{ not json');
    expect(() => loadTokenizer(dir, text)).toThrow(/tokenizer_config\.json is not valid JSON/);
  });
});
