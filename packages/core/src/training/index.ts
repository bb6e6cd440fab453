export * from './checkpoint.js';
export * from './data.js';
