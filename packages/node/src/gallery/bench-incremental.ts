import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BridgePolicy,
  clusterEmbeddings,
  clusterIncrementally,
  defaultClusterThreshold,
  type Embedding,
  FaceKitError,
  type MetricName,
  models,
  seededRandom,
  shuffle,
} from '@facekit/core';
import { bcubed } from '@facekit/core/eval';
import { updateGalleryClusters } from './gallery-clusters.js';
import { SqliteGallery } from './sqlite-gallery.js';

/**
 * Options of `benchIncrementalClustering`.
 *
 * @example
 * const r = await benchIncrementalClustering({ db: 'lfw.db', minImages: 20 } satisfies BenchIncrementalOptions);
 */
export interface BenchIncrementalOptions {
  /** A SQLite gallery whose labels are the true identities (e.g. `facekit enroll --dir <lfw>/images`). */
  db: string;
  /** Labels with at least this many faces (default 20: the 62 LFW people with ≥ 20 images). */
  minImages?: number;
  /** Seed of the arrival order (default 1). */
  seed?: number;
  /** Faces added at the end to a SQLite gallery to time `cluster --db` per added face (default 10 % of them). */
  added?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/**
 * One clustering of the bench: how it was made and its BCubed scores.
 *
 * @example
 * for (const row of r.rows as BenchIncrementalRow[]) console.log(row.name, row.f1);
 */
export interface BenchIncrementalRow {
  name: string;
  clusters: number;
  precision: number;
  recall: number;
  f1: number;
  seconds: number;
}

/**
 * What `benchIncrementalClustering` measures.
 *
 * @example
 * const { rows, perAddedFace }: BenchIncrementalResult = await benchIncrementalClustering({ db: 'lfw.db' });
 */
export interface BenchIncrementalResult {
  size: number;
  people: number;
  embedder: string;
  metric: string;
  threshold: number;
  rows: BenchIncrementalRow[];
  /** `updateGalleryClusters` on a SQLite copy: faces added after the rest were clustered, and ms per added face. */
  perAddedFace: { existing: number; added: number; msPerFace: number };
}

/**
 * `facekit bench cluster-gallery`: how far incremental assignment (faces arriving one at a time in a seeded random
 * order, each joining its nearest cluster or starting one) falls from batch clustering of the same faces, by BCubed
 * F1 against the gallery's labels; for both bridge policies, from scratch and after a batch-clustered first half;
 * and the cost per added face of `updateGalleryClusters` on a SQLite gallery.
 *
 * @example
 * const r = await benchIncrementalClustering({ db: 'lfw.db', minImages: 20 });
 */
export async function benchIncrementalClustering(options: BenchIncrementalOptions): Promise<BenchIncrementalResult> {
  const minImages = options.minImages ?? 20;
  const progress = options.onProgress ?? (() => undefined);
  const source = await SqliteGallery.open(options.db, { readonly: true });
  let faces: Array<{ label: string; embedding: Embedding }>;
  let metric: MetricName;
  let embedder: string | undefined;
  try {
    const counts = await source.labels();
    faces = [...source.memory.entries()]
      .filter((e) => (counts.get(e.label) ?? 0) >= minImages)
      .map((e) => ({ label: e.label, embedding: e.embedding }));
    metric = source.memory.metric;
    embedder = source.memory.embedder;
  } finally {
    await source.close();
  }
  if (faces.length === 0) throw new FaceKitError('E_INPUT', `no label in ${options.db} has ${minImages} faces`);
  if (embedder === undefined || !models.embedders.has(embedder)) {
    throw new FaceKitError('E_CONFIG', `the gallery's embedder '${embedder}' has no default link threshold`);
  }
  const spec = models.embedders.get(embedder);
  const threshold = defaultClusterThreshold(spec, 'agglomerative', metric);
  if (threshold === undefined) throw new FaceKitError('E_CONFIG', `${embedder} has no ${metric} threshold`);
  // Arrival order: photos come in over time, not sorted by person.
  shuffle(faces, seededRandom(options.seed ?? 1));
  const truth = faces.map((f) => f.label);
  const embeddings = faces.map((f) => f.embedding);
  const rows: BenchIncrementalRow[] = [];
  const score = (name: string, labels: ArrayLike<number>, t0: number) => {
    const clusters = new Set(Array.from(labels)).size;
    rows.push({ name, clusters, ...bcubed(labels, truth), seconds: (performance.now() - t0) / 1000 });
    progress('clusterings', rows.length, 7);
  };
  let t0 = performance.now();
  const batch = clusterEmbeddings(embeddings, { method: 'agglomerative', metric, threshold });
  score('batch agglomerative', batch.labels, t0);
  t0 = performance.now();
  const cw = clusterEmbeddings(embeddings, {
    method: 'chinese-whispers',
    metric,
    threshold: defaultClusterThreshold(spec, 'chinese-whispers', metric),
    seed: 1,
  });
  score('batch chinese-whispers', cw.labels, t0);
  for (const bridge of ['join', 'merge'] as BridgePolicy[]) {
    t0 = performance.now();
    score(
      `incremental ${bridge}, from scratch`,
      clusterIncrementally(embeddings, { threshold, metric, bridge }).labels,
      t0,
    );
  }
  // The first half clustered in one batch, then the second half added face by face.
  const half = Math.floor(faces.length / 2);
  const first = clusterEmbeddings(embeddings.slice(0, half), { method: 'agglomerative', metric, threshold }).labels;
  for (const bridge of ['join', 'merge'] as BridgePolicy[]) {
    t0 = performance.now();
    const r = clusterIncrementally(embeddings, { threshold, metric, bridge, initial: first });
    score(`batch half + incremental ${bridge}`, r.labels, t0);
  }
  t0 = performance.now();
  const links1 = clusterIncrementally(embeddings, { threshold, metric, links: 1 }).labels;
  score('incremental join, 1 link (nearest face)', links1, t0);

  // Cost per added face through the persistent path: cluster all but `added`, then add those and time the run.
  const added = Math.max(1, Math.min(faces.length - 1, options.added ?? Math.round(faces.length / 10)));
  const dir = mkdtempSync(join(tmpdir(), 'facekit-bench-'));
  try {
    const g = await SqliteGallery.open(join(dir, 'g.db'), { embedder, dim: spec.dim, metric, synchronous: 'NORMAL' });
    try {
      const existing = faces.length - added;
      await g.enrollMany(faces.slice(0, existing).map((f) => ({ label: f.label, embedding: f.embedding })));
      await updateGalleryClusters(g.clusterStore(), { threshold });
      await g.enrollMany(faces.slice(existing).map((f) => ({ label: f.label, embedding: f.embedding })));
      const r = await updateGalleryClusters(g.clusterStore(), { threshold });
      progress('clusterings', 7, 7);
      return {
        size: faces.length,
        people: new Set(truth).size,
        embedder,
        metric,
        threshold,
        rows,
        perAddedFace: { existing, added: r.assigned, msPerFace: r.msPerFace },
      };
    } finally {
      await g.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
