/**
 * Attack kinds by name, resolved through src/engine/attacks at run time: a plan names a kind, this table
 * says which export of the attacks module runs it (and its default norm and steps), and the export is
 * looked up when the plan is validated. A kind whose export the engine does not have (yet) is unknown, so
 * adding an attack to the engine is one line here and no change to the plan schema. Every export named
 * here has the one attack signature: attack(model, batch, options) → Promise<AttackResult>.
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

const KINDS: Record<string, Alias> = {
  fgsm: { fn: 'fgsm' },
  pgd: { fn: 'pgd' },
  'pgd-l2': { fn: 'pgd', norm: 'l2' },
  segpgd: { fn: 'segPgd' },
  cospgd: { fn: 'cosPgd' },
  apgd: { fn: 'apgd' },
  ensemble: { fn: 'ensemble' },
  square: { fn: 'squareAttack', steps: 1000 },
  noise: { fn: 'uniformNoise' },
  /** The clean row: noise of radius 0 (one forward pass through the same evaluation path). */
  clean: { fn: 'uniformNoise' },
};

export interface ResolvedAttack {
  name: string;
  fn: AttackFn;
  norm: NormKind;
  defaultSteps: number;
}

export function resolveAttack(name: string): ResolvedAttack | null {
  const kind = Object.prototype.hasOwnProperty.call(KINDS, name) ? KINDS[name] : undefined;
  const fn = kind ? (attacks as unknown as Record<string, unknown>)[kind.fn] : undefined;
  if (!kind || typeof fn !== 'function') return null;
  return { name, fn: fn as AttackFn, norm: kind.norm ?? 'linf', defaultSteps: kind.steps ?? 40 };
}

/** The attack kinds a plan may name with this engine. */
export function knownAttacks(): string[] {
  return Object.keys(KINDS)
    .filter((k) => resolveAttack(k))
    .sort();
}
