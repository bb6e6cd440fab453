export * from './rng.js';
export * from './distance-matrix.js';
export * from './bcubed.js';
export * from './kmeans.js';
export * from './silhouette.js';
export * from './agglomerative.js';
export * from './chinese-whispers.js';
export * from './cluster-embeddings.js';
