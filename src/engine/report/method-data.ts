/**
 * The method as data, read from what the store recorded for each cell (params_json: budget, loss, target,
 * domain) and from the plan: one row per attack label, with the parameters it actually ran with.
 */
import { CONTROL_ATTACKS } from '../audit/analysis.js';
import type { CellRecord } from '../audit/store.js';
import { epsLabel } from './format.js';
import type { AttackMethod, ReportData } from './report-data.js';
import { storedBudgets } from './stored-data.js';

interface CellParams {
  budget?: { norm?: string; eps?: number; alpha?: number; steps?: number; restarts?: number; randomStart?: boolean; units?: string; schedule?: string; earlyStop?: boolean };
  loss?: { kind?: string; lambdaDice?: number; lambdaCe?: number };
  target?: string;
  domain?: string;
}

const LOSS_NAMES: Record<string, string> = { dicece: 'DiceCE', bce: 'BCE', dice: 'Dice' };

function lossText(l: CellParams['loss']): string {
  if (!l?.kind) return '–';
  const name = LOSS_NAMES[l.kind] ?? l.kind;
  return l.kind === 'dicece' ? `${name} (λ Dice ${l.lambdaDice ?? 1}, CE ${l.lambdaCe ?? 1})` : name;
}

const amountText = (v: number | undefined, units: string): string => (v === undefined ? '–' : units === 'pixel' ? epsLabel(v, 'pixel') : String(Number(v.toPrecision(4))));

export function describeMethod(plan: unknown, cells: readonly CellRecord[]): ReportData['method'] {
  const byLabel = new Map<string, CellRecord[]>();
  for (const c of cells) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c]);
  const attacks: AttackMethod[] = [...byLabel.values()].map((g) => {
    const c = g[0];
    const pr = c.params as CellParams;
    const b = pr.budget ?? {};
    const eps = [...new Set(g.map((x) => x.eps))].sort((x, y) => x - y);
    const alphas = [...new Set(g.map((x) => (x.params as CellParams).budget?.alpha).filter((a): a is number => a !== undefined))];
    const control = CONTROL_ATTACKS.includes(c.attack);
    // FGSM is one step of size ε whatever the budget's step count says; controls take no steps at all.
    const steps = control ? null : c.attack === 'fgsm' ? 1 : (b.steps ?? null);
    const alpha = control ? '–' : c.attack === 'fgsm' ? '= ε' : alphas.length ? alphas.map((a) => amountText(a, c.units)).join(', ') : '–';
    return {
      label: c.label,
      name: c.attack,
      norm: b.norm ?? 'linf',
      units: c.units,
      domain: c.domain,
      eps: eps.map((e) => amountText(e, c.units)),
      alpha,
      steps,
      restarts: b.restarts ?? 1,
      randomStart: b.randomStart ?? false,
      earlyStop: b.earlyStop ?? false,
      loss: control ? '–' : lossText(pr.loss),
      target: CONTROL_ATTACKS.includes(c.attack) ? 'control' : (pr.target ?? 'none'),
      schedule: b.schedule ?? 'constant',
    };
  });
  const p = (plan ?? {}) as { seeds?: number[]; execution?: { levels?: number; batch?: number; channels?: unknown }; prompts?: Array<{ mode: string; key?: string; text?: string }> };
  const levels = p.execution?.levels ?? 255;
  const promptModes = (p.prompts ?? [{ mode: 'default' }]).map((x) =>
    x.mode === 'default' ? 'the dataset\'s p1 prompt, or the model\'s default prompt for the dataset' : x.mode === 'fixed' ? `the fixed prompt "${x.text}"` : x.mode === 'key' ? `prompt ${x.key} of splits.json` : `every phrasing stored under ${x.key}`,
  );
  const stored = storedBudgets(cells);
  return {
    ...(stored.length ? { stored } : {}),
    attacks,
    seeds: [...new Set(cells.map((c) => c.seed))].sort((a, b) => a - b),
    quantisation:
      levels > 0
        ? `The adversarial image is clipped to [0, 1] and rounded to ${levels + 1} levels (${levels === 255 ? '8-bit, what a PNG or JPEG-derived file would store' : 'the stored lattice'}) before it is scored; every Dice in this report is measured after that rounding. The Dice before rounding is kept in the store beside it.`
        : 'The adversarial image is not quantised (execution.levels = 0): the figures are for a perturbation no stored file could carry exactly.',
    success:
      'per attack cell, the attack\'s own criterion: untargeted — adversarial Dice at most half the clean Dice (an image with clean Dice 0 cannot be broken); targeted "erase" — predicted area shrunk to at most 10 % of the clean one',
    promptModes,
    execution: { ...(p.execution ?? {}) },
  };
}
