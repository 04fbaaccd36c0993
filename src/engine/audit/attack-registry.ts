/**
 * Attack kinds by name for audit plans: every kind of the engine's one registry
 * (src/engine/attacks/registry.ts — the table the CLI and the app's attack:run use too), plus the two
 * controls an audit reports beside them, `clean` (noise of radius 0: one forward pass through the same
 * evaluation path) and `noise` (uniform noise in the ε-ball), and `uap`, which applies a universal δ
 * trained once per setting before the tasks run (universal.ts). A kind added to the engine's registry is
 * available to plans with no change here or to the plan schema.
 */
import { applyUniversal, ATTACK_KINDS, ENSEMBLE_STEPS, kindNorm, runAttackKind, uniformNoise, type AttackKind } from '../attacks/index.js';
import type { AttackBatch, AttackModel, AttackOptions, AttackResult, NormKind } from '../attacks/index.js';

export type AttackFn = (model: AttackModel, batch: AttackBatch, opts: AttackOptions) => Promise<AttackResult>;

export interface ResolvedAttack {
  name: string;
  fn: AttackFn;
  norm: NormKind;
  defaultSteps: number;
}

const CONTROLS: Record<string, AttackFn> = { clean: uniformNoise, noise: uniformNoise };

/** `uap`: adds the setting's universal δ, trained beforehand on other images (audit/universal.ts). */
const applyTaskUniversal: AttackFn = (model, batch, opts) => {
  const delta = (opts as AttackOptions & { universalDelta?: Float32Array }).universalDelta;
  if (!delta) return Promise.reject(new Error('uap needs the trained universal perturbation of its setting (the audit runner attaches it).'));
  return applyUniversal(model, batch, delta, opts);
};

export function resolveAttack(name: string): ResolvedAttack | null {
  if (Object.prototype.hasOwnProperty.call(CONTROLS, name)) return { name, fn: CONTROLS[name], norm: 'linf', defaultSteps: 40 };
  // steps of uap are epochs over its training images (5, as the `uap` command)
  if (name === 'uap') return { name, fn: applyTaskUniversal, norm: 'linf', defaultSteps: 5 };
  if (!(ATTACK_KINDS as readonly string[]).includes(name)) return null;
  const kind = name as AttackKind;
  const defaultSteps = kind === 'square' ? 1000 : kind.startsWith('ensemble') ? ENSEMBLE_STEPS : 40;
  return { name, fn: (m, b, o) => runAttackKind(kind, m, b, o), norm: kindNorm(kind), defaultSteps };
}

/** The attack kinds a plan may name with this engine. */
export function knownAttacks(): string[] {
  return [...ATTACK_KINDS, ...Object.keys(CONTROLS), 'uap'].sort();
}
