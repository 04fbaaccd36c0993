/**
 * The attack kinds by name — the one table the CLI, the app API and the audit engine use to run an
 * attack: runAttackKind(kind, model, batch, options) → AttackResult (the one signature, types.ts).
 * A `-l2` kind runs in the L2 threat model: its budget must say norm 'l2' (kindNorm tells which).
 */
import { apgd } from './apgd.js';
import { cosPgd } from './cospgd.js';
import { ensemble, type EnsembleOptions } from './ensemble.js';
import { fgsm } from './fgsm.js';
import type { AttackModel } from './model.js';
import { pgd } from './pgd.js';
import { segPgd } from './segpgd.js';
import { squareAttack } from './square.js';
import type { AttackBatch, AttackResult, NormKind } from './types.js';

export const ATTACK_KINDS = ['fgsm', 'pgd', 'pgd-l2', 'segpgd', 'cospgd', 'square', 'apgd', 'apgd-l2', 'ensemble', 'ensemble-l2'] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export const isAttackKind = (name: string): name is AttackKind => (ATTACK_KINDS as readonly string[]).includes(name);

/** The threat model a kind runs in. */
export const kindNorm = (kind: AttackKind): NormKind => (kind.endsWith('-l2') ? 'l2' : 'linf');

/** Kinds that need the model's gradients (the others query logits only). */
export const needsGradients = (kind: AttackKind): boolean => kind !== 'square';

export function runAttackKind(kind: AttackKind, model: AttackModel, batch: AttackBatch, opts: EnsembleOptions): Promise<AttackResult> {
  if (opts.budget.norm !== kindNorm(kind)) throw new RangeError(`Attack ${kind} runs in the ${kindNorm(kind)} threat model but the budget says ${opts.budget.norm}.`);
  switch (kind) {
    case 'fgsm':
      return fgsm(model, batch, opts);
    case 'pgd':
    case 'pgd-l2':
      return pgd(model, batch, opts);
    case 'segpgd':
      return segPgd(model, batch, opts);
    case 'cospgd':
      return cosPgd(model, batch, opts);
    case 'square':
      return squareAttack(model, batch, opts);
    case 'apgd':
    case 'apgd-l2':
      return apgd(model, batch, opts);
    case 'ensemble':
    case 'ensemble-l2':
      return ensemble(model, batch, opts);
  }
}
