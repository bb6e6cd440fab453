export * from './similarity.js';
export * from './warp.js';
export * from './aligners.js';
export * from './affine-camera.js';
export * from './piecewise-affine.js';
export * from './triangulation.js';
export * from './bilinear.js';
export * from './frontalize/index.js';
export { GENERIC_FACE_IMAGES } from './generic-face-3d.js';
