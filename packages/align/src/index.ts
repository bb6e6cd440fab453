export * from './similarity.js';
export * from './warp.js';
export * from './aligners.js';
