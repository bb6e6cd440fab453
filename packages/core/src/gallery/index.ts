export * from './vector-index.js';
export * from './exact-index.js';
export * from './vote.js';
export * from './gallery.js';
export * from './pq-index.js';
export { pqScanSupported } from './pq-kernel.js';
