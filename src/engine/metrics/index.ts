export * from './overlap.js';
export * from './summary.js';
