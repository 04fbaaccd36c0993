export * from './overlap.js';
export * from './summary.js';
export * from './hd95.js';
export * from './image-quality.js';
export * from './perturbation.js';
export * from './bootstrap.js';
export * from './robustness.js';
export * from './random.js';
