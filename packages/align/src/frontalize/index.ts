export * from './frontal-model.js';
export * from './frontalizer.js';
export * from './generic-face.js';
