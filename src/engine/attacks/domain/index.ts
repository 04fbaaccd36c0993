/**
 * Attacks in the image's own domain (docs/attacks.md "Domains"): the seam the app API (`attack:run` with
 * a domain and budget units), audits (ε sweeps in su / HU) and reports (units of every figure) call.
 *   attackStored(pkg, { image: await loadStoredImage(path), prompt, norm, eps: parseEps('20su'), … })
 *   → StoredAttackResult { domain: 'stored', eps: { su, HU, modality, w255 }, adversarial (stored), masks … }
 */
export { attackStored, type AttackFn, type StoredAttackRequest, type StoredAttackResult, type StoredPerturbation } from './attack-stored.js';
export { loadStoredImage, storedToRaster, unitScale, type StoredImage } from './stored-image.js';
export { createStoredAttackModel, type StoredAttackModel } from './stored-model.js';
export { chainOf, composeStoredModel, NATIVE_LOGITS, STORED_INPUT, type PreprocessChain } from './stored-graph.js';
export { allUnits, BudgetUnitError, describeUnits, parseEps, toStoredUnits, windowSpan, type Domain, type EpsAllUnits, type EpsSpec, type EpsUnit, type UnitScale } from './units.js';
