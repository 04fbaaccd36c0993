/** Audit plan validation: defaults are filled in, and a bad plan is one sentence naming the field. */
import { describe, expect, it } from 'vitest';
import { PlanError, validatePlan } from '../../../src/engine/audit/plan.js';

const minimal = { version: 1, name: 'q', models: ['film-unet'], datasets: [{ kind: 'dataset', name: 'kvasir-seg', limit: 2 }], attacks: [{ name: 'pgd', eps: ['8/255'] }] };

describe('validatePlan', () => {
  it('fills in the defaults', () => {
    const p = validatePlan(minimal);
    expect(p.seeds).toEqual([0]);
    expect(p.prompts).toEqual([{ mode: 'default' }]);
    expect(p.execution).toEqual({ batch: 1, levels: 255, channels: 'auto' });
    expect(p.attacks[0]).toMatchObject({ units: 'pixel', domain: 'model', restarts: 1, randomStart: false, loss: { kind: 'dicece', lambdaDice: 1, lambdaCe: 1 } });
    expect(p.datasets[0]).toMatchObject({ split: 'test' });
  });

  it.each([
    [{ ...minimal, version: 2 }, /version/],
    [{ ...minimal, attacks: [{ name: 'pgd', eps: ['eight'] }] }, /attacks\.0\.eps\.0 must be a number or a fraction like 8\/255, got "eight"/],
    [{ ...minimal, attacks: [{ name: 'pgd', eps: [0.1], units: 'furlongs' }] }, /attacks\.0\.units must be one of pixel, normalised/],
    [{ ...minimal, datasets: [{ kind: 'dataset', name: 'a', path: 'b' }] }, /either `name`/],
    [{ ...minimal, models: [] }, /models/],
    [{ ...minimal, attacks: [{ name: 'pgd', eps: [0.1], loss: { kind: 'hinge' } }] }, /attacks\.0\.loss\.kind must be one of dicece, bce, dice.*, got "hinge"/],
    [{ ...minimal, extra: 1 }, /Unrecognized key/i],
  ])('rejects a bad plan with a PlanError naming the field (%#)', (plan, message) => {
    expect(() => validatePlan(plan, 'Plan p.json')).toThrow(PlanError);
    expect(() => validatePlan(plan, 'Plan p.json')).toThrow(message);
  });
});
