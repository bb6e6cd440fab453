export * from './crop.js';
export * from './plan.js';
export * from './platform.js';
export * from './stage.js';
export * from './types.js';
