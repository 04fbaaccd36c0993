/**
 * Attack settings from text (CLI flags, the app's `attack:run`): kind, budget, loss, seed, ensemble members
 * and best/last iterate, each checked with one sentence naming the setting; plus the defaults and the
 * amplified perturbation image every front end writes. Engine code, so the API does not depend on the CLI.
 */
import { UserError } from '../errors.js';
import { makeBudget, parseFraction } from './budget.js';
import { DEFAULT_ENSEMBLE, ENSEMBLE_STEPS, memberName, parseMembers, type EnsembleMember, type EnsembleOptions } from './ensemble.js';
import type { AttackModel } from './model.js';
import { ATTACK_KINDS, isAttackKind, kindNorm, runAttackKind, type AttackKind } from './registry.js';
import { LOSS_KINDS, type AttackBatch, type AttackResult, type Budget, type LossSpec } from './types.js';

export { DEFAULT_ENSEMBLE, ENSEMBLE_STEPS, memberName };

/** A bad attack setting (a user mistake: code bad-args). */
export class AttackSettingsError extends UserError {
  override name = 'AttackSettingsError';
  constructor(message: string) {
    super('bad-args', message);
  }
}

export const ATTACKS = ATTACK_KINDS;
export type AttackName = AttackKind;

/**
 * The loss of a single attack when none is named. Soft Dice (MONAI semantics) attacks the audited metric
 * itself; DiceCE stays available (and is the paper protocol's loss): on the first Kvasir-SEG test image
 * PGD-40 at 8/255 with DiceCE stalls at Dice 0.473 (area 0.28 → 0.75) where soft Dice reaches 0.
 */
export const DEFAULT_ATTACK_LOSS = 'dice';

export interface BudgetFlags {
  attack: string;
  eps?: string;
  alpha?: string;
  steps?: number;
  restarts?: number;
  randomStart?: boolean;
  units: string;
  loss: string;
  lambdaDice: string;
  lambdaCe: string;
  seed: string;
  /** Ensemble members, e.g. "apgd-masked-bce,apgd-js-prr" (default DEFAULT_ENSEMBLE). */
  members?: string;
  /** Keep the last iterate instead of the best (PGD family). */
  lastIterate?: boolean;
}

/**
 * A radius or weight given as k/255 or a decimal, ≥ 0. With `atMostOne` (L∞ radii in pixel units, where
 * the image spans [0,1]) a value above 1 is refused: it cannot mean anything, and "8" surely meant 8/255.
 */
export function parseRadius(flag: string, text: string, atMostOne: boolean): number {
  const t = text.trim();
  if (t.startsWith('-') && parseFraction(t.slice(1)) > 0) {
    throw new AttackSettingsError(`${flag} is negative (${t}); give a value ≥ 0, e.g. 8/255.`);
  }
  const v = parseFraction(t);
  if (!(v >= 0)) throw new AttackSettingsError(`${flag} must be a number or a fraction like 8/255, got "${text}".`);
  if (atMostOne && v > 1) {
    const advice = t.includes('/') ? `it is ${+v.toFixed(4)}; give at most 255/255, e.g. 8/255` : `did you mean ${t}/255?`;
    throw new AttackSettingsError(`${flag} ${t} is more than 1, the whole [0,1] intensity range the radius is measured in; ${advice}`.replace(/([^?])$/, '$1.'));
  }
  return v;
}

/** k/255 or a decimal ≥ 0; `atMostOne` for L∞ radii in pixel units (src/cli/validate.ts). */
function positiveNumber(name: string, v: string, atMostOne = false): number {
  return parseRadius(`--${name}`, v, atMostOne);
}

export function budgetFromFlags(f: BudgetFlags): { attack: AttackName; budget: Budget; loss: LossSpec; seed: number; members?: EnsembleMember[]; bestIterate: boolean } {
  if (!isAttackKind(f.attack)) throw new AttackSettingsError(`--attack must be one of ${ATTACKS.join(', ')}, got "${f.attack}".`);
  const attack = f.attack;
  if (!['pixel', 'normalised'].includes(f.units)) throw new AttackSettingsError(`--units must be pixel or normalised, got "${f.units}".`);
  if (!(LOSS_KINDS as readonly string[]).includes(f.loss)) throw new AttackSettingsError(`--loss must be one of ${LOSS_KINDS.join(', ')}, got "${f.loss}".`);
  const seed = Number(f.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new AttackSettingsError(`--seed must be an integer from 0 to 4294967295, got "${f.seed}".`);
  const l2 = kindNorm(attack) === 'l2';
  const isEnsemble = attack === 'ensemble' || attack === 'ensemble-l2';
  if (f.members !== undefined && !isEnsemble) throw new AttackSettingsError('--members is for --attack ensemble (or ensemble-l2) only.');
  if (f.lastIterate && (isEnsemble || attack.startsWith('apgd') || attack === 'square')) throw new AttackSettingsError(`--last-iterate is for the PGD family; ${attack} always keeps its best candidate.`);
  let members: EnsembleMember[] | undefined;
  try {
    members = f.members !== undefined ? parseMembers(f.members, LOSS_KINDS) : undefined;
  } catch (e) {
    throw new AttackSettingsError(`--members: ${(e as Error).message}`);
  }
  if (l2 && f.units === 'normalised') throw new AttackSettingsError('--units normalised exists for L∞ attacks only (the paper’s convention).');
  const linfPixel = !l2 && f.units === 'pixel';
  const eps = f.eps !== undefined ? positiveNumber('eps', f.eps, linfPixel) : l2 ? 0.5 : 8 / 255;
  const alpha = f.alpha !== undefined ? positiveNumber('alpha', f.alpha, linfPixel) : l2 ? eps / 5 : 2 / 255;
  if (!(alpha > 0)) throw new AttackSettingsError('--alpha must be greater than 0.');
  const steps = f.steps ?? (attack === 'square' ? 1000 : isEnsemble ? ENSEMBLE_STEPS : 40);
  const budget = makeBudget({ norm: l2 ? 'l2' : 'linf', eps, alpha, steps, restarts: f.restarts ?? 1, randomStart: !!f.randomStart, units: f.units as Budget['units'] });
  const loss: LossSpec = { kind: f.loss as LossSpec['kind'], lambdaDice: positiveNumber('lambda-dice', f.lambdaDice), lambdaCe: positiveNumber('lambda-ce', f.lambdaCe) };
  return { attack, budget, loss, seed, ...(members ? { members } : {}), bestIterate: !f.lastIterate };
}

export function runNamedAttack(name: AttackName, model: AttackModel, batch: AttackBatch, opts: EnsembleOptions): Promise<AttackResult> {
  if ((name === 'segpgd') && opts.target) throw new AttackSettingsError('segpgd is untargeted; use --attack pgd (or cospgd) with --target.');
  return runAttackKind(name, model, batch, opts);
}

/** Grey 0.5 + δ·A with A = 0.5 / max|δ| (so the largest change is black or white); A is returned. */
export function perturbationImage(clean: Float32Array, adv: Float32Array): { data: Float32Array; amplification: number } {
  let max = 0;
  for (let i = 0; i < clean.length; i++) max = Math.max(max, Math.abs(adv[i] - clean[i]));
  const amplification = max > 0 ? 0.5 / max : 1;
  return { data: Float32Array.from(clean, (c, i) => 0.5 + (adv[i] - c) * amplification), amplification };
}

