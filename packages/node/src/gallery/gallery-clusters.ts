import {
  assignFace,
  type BridgePolicy,
  ClusterAssignments,
  type ClusterMethod,
  decideCluster,
  type Embedding,
  FaceKitError,
  type IncrementalClusterStats,
  type MetricName,
  resolveIncrementalOptions,
  throwIfAborted,
} from '@facekit/core';
import { clusterEmbeddingsOnCores } from './cluster-on-cores.js';

/**
 * Where a persistent gallery keeps its cluster ids (a table beside the faces: `facekit_clusters` in SQLite,
 * `<table>_clusters` in PostgreSQL), and the nearest-face search the incremental assignment needs.
 *
 * @example
 * const store: GalleryClusterStore = sqliteGallery.clusterStore();
 */
export interface GalleryClusterStore {
  readonly metric: MetricName;
  /** Faces in the gallery now. */
  size(): Promise<number>;
  /** Stored (face id, cluster id) of the faces still in the gallery. */
  load(): Promise<Array<[number, number]>>;
  /** Faces without a cluster, by id, after `afterId`, at most `limit`. */
  unclustered(afterId: number, limit: number): Promise<Array<{ id: number; embedding: Embedding }>>;
  /** Every face, by id, after `afterId`, at most `limit` (for a full re-cluster). */
  faces(afterId: number, limit: number): Promise<Array<{ id: number; embedding: Embedding }>>;
  /** The k nearest faces of the gallery (clustered or not), nearest first, in the gallery's metric. */
  nearest(embedding: Embedding, k: number): Promise<Array<{ id: number; distance: number }>>;
  /** One transaction: relabels `merges` ([from, into], in order), then stores `assign`. */
  save(
    assign: ReadonlyArray<readonly [number, number]>,
    merges: ReadonlyArray<readonly [number, number]>,
  ): Promise<void>;
  /** One transaction: drops every stored cluster id and stores `assign`. */
  replaceAll(assign: ReadonlyArray<readonly [number, number]>): Promise<void>;
}

/**
 * A persistent gallery that keeps cluster ids.
 *
 * @example
 * if (hasClusterStore(gallery)) await updateGalleryClusters(gallery.clusterStore(), { threshold });
 */
export interface ClusteredGallery {
  clusterStore(): GalleryClusterStore;
}

/**
 * True when the gallery keeps cluster ids (SQLite and PostgreSQL galleries do).
 *
 * @example
 * hasClusterStore(await openGallery('faces.db')); // true
 */
export function hasClusterStore(g: unknown): g is ClusteredGallery {
  return typeof (g as Partial<ClusteredGallery>)?.clusterStore === 'function';
}

/**
 * Options of `updateGalleryClusters`.
 *
 * @example
 * await updateGalleryClusters(store, { threshold: 0.12, full: false } satisfies UpdateClustersOptions);
 */
export interface UpdateClustersOptions {
  /** Link distance in the gallery's metric (the CLI uses core's `defaultClusterThreshold`). */
  threshold: number;
  /** Incremental: nearest clustered faces that decide (default 5). */
  links?: number;
  /** Incremental: what a face linking several clusters does (default 'join'). */
  bridge?: BridgePolicy;
  /** Re-cluster every face with a batch method (forgetting the stored ids) instead of assigning the new ones. */
  full?: boolean;
  /** Batch method of a full re-cluster (default 'agglomerative'). */
  method?: Exclude<ClusterMethod, 'kmeans'>;
  /** Faces written per transaction (default 1,000): a crash loses at most this much work, never consistency. */
  chunk?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * What `updateGalleryClusters` did.
 *
 * @example
 * const { mode, assigned, clusters }: UpdateClustersResult = await updateGalleryClusters(store, { threshold });
 */
export interface UpdateClustersResult extends IncrementalClusterStats {
  mode: 'incremental' | 'full';
  /** Faces given a cluster in this run. */
  assigned: number;
  /** Faces in the gallery and clusters after the run. */
  size: number;
  clusters: number;
  /** The largest clusters: id and number of faces. */
  largest: Array<{ cluster: number; size: number }>;
  seconds: number;
  /** Wall time per assigned face, ms (search, decision and write). */
  msPerFace: number;
}

const PAGE = 10_000;

/** Neighbours already clustered, fetching more while unclustered faces crowd the nearest ones out. */
async function clusteredNeighbours(
  store: GalleryClusterStore,
  face: { id: number; embedding: Embedding },
  assigned: ClusterAssignments,
  links: number,
  threshold: number,
  size: number,
): Promise<Array<{ id: number; distance: number; cluster: number }>> {
  for (let fetch = links + 1; ; fetch = Math.min(size, fetch * 4)) {
    const hits = await store.nearest(face.embedding, fetch);
    const found = hits.flatMap((h) => {
      const cluster = h.id === face.id ? undefined : assigned.clusterOf(h.id);
      return cluster === undefined ? [] : [{ id: h.id, distance: h.distance, cluster }];
    });
    const exhausted = hits.length < fetch || fetch >= size;
    const beyond = hits.length > 0 && hits[hits.length - 1].distance > threshold;
    if (found.length >= links || exhausted || beyond) return found.slice(0, links);
  }
}

function largest(assigned: ClusterAssignments, n = 10): Array<{ cluster: number; size: number }> {
  const sizes = new Map<number, number>();
  for (const [, c] of assigned.entries()) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  return [...sizes]
    .map(([cluster, size]) => ({ cluster, size }))
    .sort((a, b) => b.size - a.size || a.cluster - b.cluster)
    .slice(0, n);
}

/**
 * Gives every face of a persistent gallery a cluster id. Incremental (default): the faces without one join the
 * cluster of their nearest clustered faces within the threshold or start a new cluster (core's `decideCluster`),
 * one nearest-face query each; stored ids never change except by a merge (policy 'merge'). Full: all faces are
 * clustered again by a batch method (O(n²) memory: core's pairwise limit applies) and the stored ids replaced.
 * Written in transactions of `chunk` faces; one run at a time per gallery.
 *
 * @example
 * const g = await SqliteGallery.open('faces.db');
 * const r = await updateGalleryClusters(g.clusterStore(), { threshold: 0.12 }); // r.assigned, r.clusters
 */
export async function updateGalleryClusters(
  store: GalleryClusterStore,
  options: UpdateClustersOptions,
): Promise<UpdateClustersResult> {
  const t0 = performance.now();
  const { threshold, links, bridge } = resolveIncrementalOptions(options);
  const chunk = options.chunk ?? 1000;
  if (!Number.isInteger(chunk) || chunk < 1) throw new FaceKitError('E_CONFIG', `chunk must be ≥ 1, got ${chunk}`);
  const progress = options.onProgress ?? (() => undefined);
  const size = await store.size();
  const stats: IncrementalClusterStats = { joined: 0, created: 0, merged: 0 };
  let assigned: ClusterAssignments;
  let done = 0;
  if (options.full) {
    const faces: Array<{ id: number; embedding: Embedding }> = [];
    for (let page = await store.faces(-1, PAGE); page.length > 0; page = await store.faces(page.at(-1)!.id, PAGE)) {
      throwIfAborted(options.signal);
      faces.push(...page);
      progress(faces.length, size);
    }
    // The kNN graph of a large gallery on every core.
    const r = await clusterEmbeddingsOnCores(
      faces.map((f) => f.embedding),
      { method: options.method ?? 'agglomerative', metric: store.metric, threshold, signal: options.signal },
    );
    assigned = new ClusterAssignments(faces.map((f, i) => [f.id, r.labels[i]] as const));
    await store.replaceAll([...assigned.entries()]);
    done = faces.length;
    stats.created = r.clusters.length;
  } else {
    assigned = new ClusterAssignments(await store.load());
    const total = size - assigned.size;
    let pending: number[] = [];
    let merges: Array<[number, number]> = [];
    const flush = async () => {
      await store.save(
        pending.map((id) => [id, assigned.clusterOf(id)!] as const),
        merges,
      );
      pending = [];
      merges = [];
    };
    let page = await store.unclustered(-1, PAGE);
    while (page.length > 0) {
      for (const face of page) {
        throwIfAborted(options.signal);
        const neighbours = await clusteredNeighbours(store, face, assigned, links, threshold, size);
        const d = decideCluster(neighbours, threshold, bridge);
        const cluster = assignFace(assigned, face.id, d, stats);
        for (const from of d.merge) merges.push([from, cluster]);
        pending.push(face.id);
        done++;
        if (pending.length >= chunk) {
          await flush();
          progress(done, total);
        }
      }
      page = await store.unclustered(page.at(-1)!.id, PAGE);
    }
    if (pending.length > 0 || merges.length > 0) await flush();
    progress(done, total);
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    mode: options.full ? 'full' : 'incremental',
    assigned: done,
    ...stats,
    size,
    clusters: assigned.clusters,
    largest: largest(assigned),
    seconds,
    msPerFace: done > 0 ? (seconds * 1000) / done : 0,
  };
}
