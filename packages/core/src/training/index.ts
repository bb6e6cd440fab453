export * from './checkpoint.js';
export * from './data.js';
export * from './wasm-kernels.js';
