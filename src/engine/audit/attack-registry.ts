/**
 * Attack kinds by name, resolved through src/engine/attacks at run time, so that a plan can name any
 * attack the engine exports (apgd, ensemble … as they are added) without a change to the plan schema.
 * A few names differ from their function (pgd-l2 is PGD under the L2 norm, clean is noise of radius 0);
 * any other name is looked up as its camelCase export (e.g. "apgd" → apgd) and must be an attack-shaped
 * function: attack(model, batch, options) → Promise<AttackResult>.
 */
import * as attacks from '../attacks/index.js';
import type { AttackBatch, AttackModel, AttackOptions, AttackResult, NormKind } from '../attacks/index.js';

export type AttackFn = (model: AttackModel, batch: AttackBatch, opts: AttackOptions) => Promise<AttackResult>;

interface Alias {
  fn: string;
  norm?: NormKind;
  /** Default steps (iterations or queries). */
  steps?: number;
}

const ALIASES: Record<string, Alias> = {
  fgsm: { fn: 'fgsm' },
  pgd: { fn: 'pgd' },
  'pgd-l2': { fn: 'pgd', norm: 'l2' },
  segpgd: { fn: 'segPgd' },
  cospgd: { fn: 'cosPgd' },
  square: { fn: 'squareAttack', steps: 1000 },
  noise: { fn: 'uniformNoise' },
  clean: { fn: 'uniformNoise' },
};

// Helpers the attacks module exports that are not attacks, even though they take three arguments.
const NOT_ATTACKS = new Set(['prepareBatch', 'finishAttack', 'runPgd', 'predict', 'trainUniversal', 'applyUniversal', 'promptRobustness', 'worstPromptAttack', 'createAttackModel', 'makeBudget']);

export interface ResolvedAttack {
  name: string;
  fn: AttackFn;
  norm: NormKind;
  defaultSteps: number;
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function resolveAttack(name: string): ResolvedAttack | null {
  const mod = attacks as unknown as Record<string, unknown>;
  const alias = ALIASES[name];
  const exportName = alias?.fn ?? camel(name);
  const fn = mod[exportName];
  if (typeof fn !== 'function' || (!alias && (NOT_ATTACKS.has(exportName) || fn.length < 3))) return null;
  return { name, fn: fn as AttackFn, norm: alias?.norm ?? 'linf', defaultSteps: alias?.steps ?? 40 };
}

/** The attack names a plan may use today (aliases plus attack-shaped exports). */
export function knownAttacks(): string[] {
  const mod = attacks as unknown as Record<string, unknown>;
  const names = new Set(Object.keys(ALIASES));
  for (const [k, v] of Object.entries(mod)) {
    if (typeof v === 'function' && v.length >= 3 && !NOT_ATTACKS.has(k) && !Object.values(ALIASES).some((a) => a.fn === k)) names.add(k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  }
  return [...names].sort();
}
