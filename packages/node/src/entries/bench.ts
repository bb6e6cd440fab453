// '@facekit/node/bench': the benchmarks behind `facekit bench …` that run as library calls — gallery search,
// clustering (images and synthetic faces), incremental clustering, PostgreSQL — and the synthetic face model.
// With core's evaluation layer: the LFW protocol (parseLfwPairs, crossValidate, rocCurve, …) and BCubed.
export * from '@facekit/core/eval';
export * from '../gallery/bench.js';
export * from '../gallery/bench-cluster.js';
export * from '../gallery/bench-cluster-synthetic.js';
export * from '../gallery/bench-incremental.js';
export * from '../gallery/bench-pg.js';
export * from '../gallery/synthetic-faces.js';
