export * from './catalogue.js';
export * from './policy.js';
export * from './resolve.js';
