export * from './errors.js';
export * from './types.js';
export * from './metrics.js';
export * from './image.js';
export * from './model-files.js';
export * from './registry.js';
export * from './verify.js';
export * from './pipeline.js';
