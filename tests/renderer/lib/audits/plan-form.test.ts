import { describe, expect, it } from 'vitest';
import { validatePlan } from '../../../../src/engine/audit/plan.js';
import { buildPlan, defaultPlanForm, type PlanForm } from '../../../../src/renderer/src/lib/audits/plan-form.js';

const form = (over: Partial<PlanForm> = {}): PlanForm => ({ ...defaultPlanForm(), models: ['/models/film-unet'], ...over });

describe('plan form → plan', () => {
  it('builds a plan the engine schema accepts, ε kept as fractions', () => {
    const r = buildPlan(form({ prompts: 'p1\nround polyp', datasets: [{ kind: 'dataset', source: 'kvasir-seg', split: 'test', limit: '4' }, { kind: 'dicom', source: '/data/ct', split: '', limit: '' }] }));
    if (!r.ok) throw new Error(r.message);
    const plan = validatePlan(r.plan);
    expect(plan.datasets).toEqual([
      { kind: 'dataset', name: 'kvasir-seg', split: 'test', limit: 4 },
      { kind: 'dicom', path: '/data/ct', groundTruth: 'none' },
    ]);
    expect(plan.prompts).toEqual([{ mode: 'key', key: 'p1' }, { mode: 'fixed', text: 'round polyp' }]);
    expect(plan.attacks.map((a) => [a.name, a.eps, a.steps])).toEqual([
      ['fgsm', ['2/255', '8/255'], undefined],
      ['pgd', ['2/255', '8/255'], 10],
    ]);
  });

  it('a DICOM folder takes its ground truth from a SEG or RTSTRUCT when chosen', () => {
    const r = buildPlan(form({ datasets: [{ kind: 'dicom', source: '/data/ct', split: '', limit: '', groundTruth: 'seg' }, { kind: 'dicom', source: '/data/rt', split: '', limit: '2', groundTruth: 'rtstruct' }] }));
    if (!r.ok) throw new Error(r.message);
    expect(validatePlan(r.plan).datasets).toEqual([
      expect.objectContaining({ kind: 'dicom', path: '/data/ct', groundTruth: 'seg' }),
      expect.objectContaining({ kind: 'dicom', path: '/data/rt', groundTruth: 'rtstruct', limit: 2 }),
    ]);
  });

  it('no prompt lines → the default prompt; a full path → a dataset path', () => {
    const r = buildPlan(form({ datasets: [{ kind: 'dataset', source: '/data/kvasir-seg', split: '', limit: '' }] }));
    expect(r.ok && r.plan.prompts).toEqual([{ mode: 'default' }]);
    expect(r.ok && r.plan.datasets).toEqual([{ kind: 'dataset', path: '/data/kvasir-seg', split: 'test' }]);
  });

  it('names the field that is wrong', () => {
    expect(buildPlan(form({ models: [] }))).toEqual({ ok: false, message: 'Choose at least one model.' });
    expect(buildPlan(form({ attacks: [{ name: 'pgd', eps: '8/255, eight', steps: '' }] }))).toMatchObject({ ok: false, message: expect.stringContaining('"eight"') });
    expect(buildPlan(form({ datasets: [{ kind: 'images', source: 'relative/dir', split: '', limit: '' }] }))).toMatchObject({ ok: false, message: expect.stringContaining('full path') });
    expect(buildPlan(form({ seeds: '-1' }))).toMatchObject({ ok: false, message: expect.stringContaining('Seeds') });
    expect(buildPlan(form({ attacks: [{ name: 'pgd', eps: '8/255', steps: '2.5' }] }))).toMatchObject({ ok: false, message: expect.stringContaining('steps') });
  });
});
