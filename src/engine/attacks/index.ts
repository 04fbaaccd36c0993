/**
 * Attack engine: one signature for every attack — attack(model, batch, options) → AttackResult —
 * (types.ts), threat models with projection/quantisation (budget.ts), success criteria (criteria.ts),
 * one base PGD loop (pgd.ts), best-iterate bookkeeping (best-iterate.ts), one attack per file, and the
 * kinds by name (registry.ts: runAttackKind). See docs/attacks.md.
 */
export * from './types.js';
export * from './budget.js';
export * from './criteria.js';
export * from './losses.js';
export * from './model.js';
export * from './prepare.js';
export * from './evaluate.js';
export { pgd, runPgd, stepSize, PLAIN, type PgdVariant, type WeightContext } from './pgd.js';
export { fgsm } from './fgsm.js';
export { segPgd } from './segpgd.js';
export { cosPgd } from './cospgd.js';
export { eraseAttack, injectAttack } from './targeted.js';
export { squareAttack, squareFraction, type SquareOptions } from './square.js';
export { uniformNoise } from './noise.js';
export { BestIterate, type KeptIterate, type BestIterateConfig } from './best-iterate.js';
export { modelGradientSource, type GradientSource, type GradientAt } from './gradient-source.js';
export { apgd, apgdRun, apgdCheckpoints, stageSteps, type ApgdOptions, type ApgdRun } from './apgd.js';
export { ensemble, DEFAULT_ENSEMBLE, ENSEMBLE_STEPS, PRR_RADII, memberName, parseMembers, largeEps, pickBatch, type EnsembleMember, type EnsembleOptions } from './ensemble.js';
export { ATTACK_KINDS, isAttackKind, kindNorm, needsGradients, runAttackKind, type AttackKind } from './registry.js';
export { promptRobustness, worstPromptAttack, type ImageAttack, type PromptRobustness, type PromptScore } from './prompts.js';
export { trainUniversal, applyUniversal, type UniversalResult } from './uap.js';
