/** The dataset-level commands: uap, prompts and reproduce, on the generated test VLSM with a few real images. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestVlsm } from '../fixtures/test-vlsm.js';
import { dataPath, skipWithoutData } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const model = writeTestVlsm(join(tmp.path, 'model'));

describe.skipIf(skipWithoutData)('vlsm-audit uap, prompts and reproduce', () => {
  it('uap trains on train images and evaluates on disjoint test images beside noise', () => {
    const out = join(tmp.path, 'uap');
    const r = runCli(['uap', '--model', model, '--data', dataPath('kvasir-seg'), '--train-limit', '6', '--limit', '4', '--steps', '2', '--batch', '3', '--prompt', 'polyp', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.train.images).toBe(6);
    expect(j.eval.images).toBe(4);
    expect(j.linf255).toBeLessThanOrEqual(8);
    expect(typeof j.noise.dice).toBe('number');
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(m.perImage).toHaveLength(4);
    expect(readFileSync(join(out, 'uap-delta.f32')).byteLength).toBe(3 * 64 * 64 * 4);
  });

  it('uap refuses attack flags it would ignore (--attack other than pgd/pgd-l2, --restarts) in one sentence', () => {
    for (const [flags, named] of [[['--attack', 'fgsm'], '--attack'], [['--restarts', '3'], '--restarts']] as const) {
      const r = runCli(['uap', '--model', model, '--data', dataPath('kvasir-seg'), '--train-limit', '2', '--limit', '1', ...flags]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(named);
    }
  });

  it('prompts scores every key, the worst prompt per image, and worst prompt × attack', () => {
    const r = runCli(['prompts', '--model', model, '--data', dataPath('kvasir-seg'), '--limit', '2', '--keys', 'p1,p2,p7', '--attack', 'fgsm', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j.perKey)).toEqual(expect.arrayContaining(['p1', 'p2', 'p7.0', 'p7.4']));
    expect(j.worstPromptDice).toBeLessThanOrEqual(j.bestPromptDice);
    expect(j.worstPromptAttack.attack).toBe('fgsm');
  });

  it('reproduce writes the document, and a re-run writes the same file', () => {
    const a = join(tmp.path, 'a.md');
    const b = join(tmp.path, 'b.md');
    const args = ['reproduce', '--models', model, '--datasets', 'kvasir-seg', '--limit', '2', '--steps', '2', '--data', dataPath()];
    expect(runCli([...args, '--out', a]).status).toBe(0);
    expect(runCli([...args, '--out', b]).status).toBe(0);
    const doc = readFileSync(a, 'utf8');
    expect(doc).toContain('| pgd | 0.03 norm. (');
    expect(doc).toContain('| fgsm | 8/255 |');
    expect(doc).toContain('88.83');
    expect(readFileSync(b, 'utf8')).toBe(doc);
  });

  it('reproduce without bundled models says what to do', () => {
    const r = runCli(['reproduce', '--models', join(tmp.path, 'nothing-here')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
