export * from './manifest.js';
export * from './package.js';
export * from './tokenizer.js';
export * from './preprocess.js';
export * from './segmenter.js';
