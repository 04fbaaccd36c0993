import { describe, expect, it } from 'vitest';
import { callNames, calls, isCallName, parseArgs } from '../../../src/engine/api/contract.js';

describe('API contract', () => {
  it('names every call <noun>:<verb> in kebab-case', () => {
    for (const name of callNames) expect(name).toMatch(/^[a-z]+(-[a-z]+)*:[a-z]+(-[a-z]+)*$/);
    expect(isCallName('segment:run')).toBe(true);
    expect(isCallName('toString')).toBe(false);
    expect(isCallName('constructor')).toBe(false);
  });

  it('accepts valid segment:run arguments and trims the prompt', () => {
    const r = parseArgs('segment:run', { modelDir: '/m', imagePath: '/i.png', prompt: '  polyp ', maskPath: '/g.png', frame: 0 });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.prompt).toBe('polyp');
  });

  it('rejects an empty prompt with a message naming the field', () => {
    const r = parseArgs('segment:run', { modelDir: '/m', imagePath: '/i.png', prompt: '   ' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('bad-args');
      expect(r.error.message).toMatch(/^Invalid arguments for segment:run: prompt: prompt is empty/);
      expect(r.error.issues).toEqual([expect.stringMatching(/^prompt: /)]);
    }
  });

  it('rejects missing, mistyped and unknown arguments, one issue each', () => {
    const r = parseArgs('segment:run', { imagePath: 42, prompt: 'x', extra: true });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const issues = r.error.issues ?? [];
      expect(issues.some((i) => i.startsWith('modelDir: '))).toBe(true);
      expect(issues.some((i) => i.startsWith('imagePath: imagePath must be a file path'))).toBe(true);
      expect(issues).toContain('unknown argument "extra"');
    }
  });

  it('rejects a negative or fractional frame and a NUL in a path', () => {
    for (const frame of [-1, 1.5]) {
      const r = parseArgs('study:open', { path: '/a.dcm', frame });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/frame/);
    }
    const nul = parseArgs('study:open', { path: '/a\0b' });
    expect(nul.ok).toBe(false);
    if (!nul.ok) expect(nul.error.message).toMatch(/NUL/);
  });

  it('treats missing arguments of a no-argument call as {} but rejects non-objects', () => {
    expect(parseArgs('app:info', undefined).ok).toBe(true);
    const r = parseArgs('models:list', 'all');
    expect(r.ok).toBe(false);
  });

  it('has a result schema for every call', () => {
    for (const name of callNames) expect(typeof calls[name].result.safeParse).toBe('function');
  });
});
