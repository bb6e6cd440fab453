export * from './decode.js';
export * from './graph-analyzer.js';
export * from './recipes.js';
export * from './specs.js';
