// '@facekit/node/gallery': persistent galleries (SQLite, PostgreSQL + pgvector), the usearch HNSW index, image
// enrol / identify / cluster and resumable ingestion. Their native packages (better-sqlite3, usearch, pg) are
// optional peers, loaded on first use. The in-memory Gallery and clusterEmbeddings are at the package root; core's
// indexes and clustering algorithms are in '@facekit/node/advanced'.
export * from '../gallery/index.js';
