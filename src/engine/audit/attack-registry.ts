/**
 * Attack kinds by name for audit plans: every kind of the engine's one registry
 * (src/engine/attacks/registry.ts — the table the CLI and the app's attack:run use too), plus the two
 * controls an audit reports beside them, `clean` (noise of radius 0: one forward pass through the same
 * evaluation path) and `noise` (uniform noise in the ε-ball). A kind added to the engine's registry is
 * available to plans with no change here or to the plan schema.
 */
import { ATTACK_KINDS, ENSEMBLE_STEPS, kindNorm, runAttackKind, uniformNoise, type AttackKind } from '../attacks/index.js';
import type { AttackBatch, AttackModel, AttackOptions, AttackResult, NormKind } from '../attacks/index.js';

export type AttackFn = (model: AttackModel, batch: AttackBatch, opts: AttackOptions) => Promise<AttackResult>;

export interface ResolvedAttack {
  name: string;
  fn: AttackFn;
  norm: NormKind;
  defaultSteps: number;
}

const CONTROLS: Record<string, AttackFn> = { clean: uniformNoise, noise: uniformNoise };

export function resolveAttack(name: string): ResolvedAttack | null {
  if (Object.prototype.hasOwnProperty.call(CONTROLS, name)) return { name, fn: CONTROLS[name], norm: 'linf', defaultSteps: 40 };
  if (!(ATTACK_KINDS as readonly string[]).includes(name)) return null;
  const kind = name as AttackKind;
  const defaultSteps = kind === 'square' ? 1000 : kind.startsWith('ensemble') ? ENSEMBLE_STEPS : 40;
  return { name, fn: (m, b, o) => runAttackKind(kind, m, b, o), norm: kindNorm(kind), defaultSteps };
}

/** The attack kinds a plan may name with this engine. */
export function knownAttacks(): string[] {
  return [...ATTACK_KINDS, ...Object.keys(CONTROLS)].sort();
}
