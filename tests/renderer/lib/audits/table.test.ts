import { describe, expect, it } from 'vitest';
import { nextSort, sortRows, toCsv, type CellRow } from '../../../../src/renderer/src/lib/audits/table.js';

const row = (key: string, advDice: number | null, prompt = 'polyp'): CellRow => ({
  key, model: 'm', dataset: 'd', imageId: key, prompt, attack: 'pgd', label: 'pgd', units: 'pixel', eps: 8 / 255, epsText: '8/255', seed: 0,
  cleanDice: 0.9, advDice, cleanIou: 0.8, advIou: null, linf255: 8, success: advDice !== null && advDice < 0.45,
});

describe('results table', () => {
  const rows = [row('a', 0.5), row('b', null), row('c', 0.1), row('d', 0.5)];

  it('sorts numbers both ways with missing values last and ties in their original order', () => {
    expect(sortRows(rows, { key: 'advDice', ascending: true }).map((r) => r.key)).toEqual(['c', 'a', 'd', 'b']);
    expect(sortRows(rows, { key: 'advDice', ascending: false }).map((r) => r.key)).toEqual(['a', 'd', 'c', 'b']);
    expect(rows.map((r) => r.key)).toEqual(['a', 'b', 'c', 'd']); // input untouched
  });

  it('the same column twice flips the direction, another column starts ascending', () => {
    expect(nextSort({ key: 'advDice', ascending: true }, 'advDice')).toEqual({ key: 'advDice', ascending: false });
    expect(nextSort({ key: 'advDice', ascending: false }, 'prompt')).toEqual({ key: 'prompt', ascending: true });
  });

  it('CSV quotes what needs quoting and leaves missing values empty', () => {
    const csv = toCsv([row('a', null, 'a "round", pink polyp')]).split('\n');
    expect(csv[0]).toBe('key,model,dataset,imageId,prompt,attack,label,units,eps,epsText,seed,cleanDice,advDice,cleanIou,advIou,linf255,success');
    expect(csv[1]).toContain(',"a ""round"", pink polyp",');
    expect(csv[1]).toContain(',0.9,,0.8,,8,false');
  });
});
