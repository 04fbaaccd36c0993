/** Public API of the autodiff pass (see docs/autodiff.md). */
export { buildGradientGraph, type GradientGraph, type GradientOptions, type GraphInput } from './build.js';
export { cachedGradientGraph, cacheKey, AUTODIFF_VERSION, type CachedGradientGraph } from './cache.js';
export { gradcheck, defaultFeed, rng, type GradcheckOptions, type GradcheckReport, type FeedValue, type RunFn, type SessionFactory } from './gradcheck.js';
export { MASK_INPUT, WEIGHTS_INPUT, type LossConfig } from './losses.js';
export { STEP_INPUTS, type PgdStepOptions } from './pgd-step.js';
export { float64Twin } from './twin.js';
export { UnsupportedOpError, GraphError } from './errors.js';
export { RULES } from './rules.js';
