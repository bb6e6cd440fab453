// '@facekit/node/bench': the benchmarks behind `facekit bench …` that run as library calls — gallery search,
// clustering (images and synthetic faces), incremental clustering, PostgreSQL — and the synthetic face model.
// The LFW protocol (rocCurve, crossValidate, …) is core's, in '@facekit/node/advanced'.
export * from '../gallery/bench.js';
export * from '../gallery/bench-cluster.js';
export * from '../gallery/bench-cluster-synthetic.js';
export * from '../gallery/bench-incremental.js';
export * from '../gallery/bench-pg.js';
export * from '../gallery/synthetic-faces.js';
