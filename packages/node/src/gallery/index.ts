// Persistent galleries, HNSW, image enrol / identify / cluster. Their native packages (better-sqlite3, usearch, pg)
// are optional peers, loaded on first use: importing this module never needs them. (The gallery and clustering
// benchmarks are in ./bench*.ts, exported by '@facekit/node/bench'.)
export * from './backend.js';
export * from './cluster-on-cores.js';
export * from './gallery-clusters.js';
export * from './images.js';
export * from './ingest.js';
export * from './open.js';
export * from './peer-types.js';
export * from './pg-gallery.js';
export * from './sqlite-gallery.js';
export * from './usearch-index.js';
