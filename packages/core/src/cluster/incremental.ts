import { FaceKitError } from '../errors.js';
import { assertMetric, type MetricName } from '../metrics.js';
import type { Embedding } from '../types.js';
import { Gallery } from '../gallery/gallery.js';

/**
 * What a new face that links to faces of several clusters does: `'join'` joins the winning cluster and leaves the
 * others apart; `'merge'` also merges every other linked cluster into the winner (single linkage: one face can chain
 * two people together).
 *
 * @example
 * const policy: BridgePolicy = 'join';
 */
export type BridgePolicy = 'join' | 'merge';

/**
 * A face already in a cluster, near a new face.
 *
 * @example
 * const n: ClusterNeighbour = { id: 7, distance: 0.31, cluster: 2 };
 */
export interface ClusterNeighbour {
  id: number;
  distance: number;
  cluster: number;
}

/**
 * Where one new face goes: `cluster` undefined starts a new cluster; `merge` lists clusters to fold into `cluster`.
 *
 * @example
 * const d: ClusterDecision = decideCluster(neighbours, 0.12);
 */
export interface ClusterDecision {
  cluster?: number;
  merge: number[];
}

/**
 * Options of incremental cluster assignment.
 *
 * @example
 * const o: IncrementalClusterOptions = { threshold: 0.12, links: 10, bridge: 'join' };
 */
export interface IncrementalClusterOptions {
  /** Link distance: a new face links to clustered faces at most this far (`defaultClusterThreshold`). */
  threshold: number;
  /** Nearest clustered faces that decide (default 5). */
  links?: number;
  /** What a face linking several clusters does (default 'join', chosen by BCubed F1 on LFW: see the scaling guide). */
  bridge?: BridgePolicy;
}

/**
 * Nearest clustered faces that decide, unless told otherwise: 5 scored best among 5, 10 and 20 on half of the LFW
 * people with ≥ 20 images (the other half and the larger sets are the reported results).
 *
 * @example
 * decideCluster(gallery.nearest(e, DEFAULT_CLUSTER_LINKS), threshold);
 */
export const DEFAULT_CLUSTER_LINKS = 5;

/**
 * Decides the cluster of a new face from its nearest clustered faces (any order): each cluster among them scores the
 * mean distance from the new face to its faces there (average linkage over the neighbourhood, the rule of the
 * batch agglomerative default, so the same threshold applies); the lowest mean wins if it is within the
 * threshold, else the face starts a new cluster. A single close face of another person does not pull a face over,
 * which a nearest-face rule does (measured on LFW: see the scaling guide).
 *
 * @example
 * decideCluster([{ id: 1, distance: 0.05, cluster: 3 }, { id: 2, distance: 0.3, cluster: 4 }], 0.12); // { cluster: 3, merge: [] }
 */
export function decideCluster(
  neighbours: readonly ClusterNeighbour[],
  threshold: number,
  bridge: BridgePolicy = 'join',
): ClusterDecision {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const nb of neighbours) {
    const v = sums.get(nb.cluster);
    if (v) {
      v.sum += nb.distance;
      v.n++;
    } else sums.set(nb.cluster, { sum: nb.distance, n: 1 });
  }
  const linked = [...sums]
    .map(([cluster, v]) => ({ cluster, mean: v.sum / v.n }))
    .filter((c) => c.mean <= threshold)
    .sort((a, b) => a.mean - b.mean || a.cluster - b.cluster);
  if (linked.length === 0) return { merge: [] };
  return { cluster: linked[0].cluster, merge: bridge === 'merge' ? linked.slice(1).map((c) => c.cluster) : [] };
}

/**
 * Checks incremental-clustering options; returns them with defaults filled in.
 *
 * @example
 * const { threshold, links, bridge } = resolveIncrementalOptions({ threshold: 0.12 });
 */
export function resolveIncrementalOptions(options: IncrementalClusterOptions): Required<IncrementalClusterOptions> {
  const { threshold, links = DEFAULT_CLUSTER_LINKS, bridge = 'join' } = options;
  if (!(typeof threshold === 'number' && threshold >= 0)) {
    throw new FaceKitError('E_CONFIG', `the link threshold must be a number ≥ 0, got ${threshold}`);
  }
  if (!Number.isInteger(links) || links < 1) {
    throw new FaceKitError('E_CONFIG', `links must be an integer ≥ 1, got ${links}`);
  }
  if (bridge !== 'join' && bridge !== 'merge') {
    throw new FaceKitError('E_CONFIG', `bridge must be 'join' or 'merge', got '${bridge}'`);
  }
  return { threshold, links, bridge };
}

/**
 * Cluster ids of faces and the members of each cluster, updated as faces are assigned and clusters merged.
 *
 * @example
 * const a = new ClusterAssignments(); a.assign(1, 0); a.assign(2, 1); a.merge(1, 0); a.clusterOf(2); // 0
 */
export class ClusterAssignments {
  private readonly of = new Map<number, number>();
  private readonly members = new Map<number, number[]>();
  private next = 0;

  /** Assignments as stored (face id → cluster id). */
  constructor(initial: Iterable<readonly [number, number]> = []) {
    for (const [id, c] of initial) this.assign(id, c);
  }

  get size(): number {
    return this.of.size;
  }

  /** Number of clusters. */
  get clusters(): number {
    return this.members.size;
  }

  clusterOf(id: number): number | undefined {
    return this.of.get(id);
  }

  /** A cluster id never used so far. */
  newCluster(): number {
    return this.next++;
  }

  assign(id: number, cluster: number): void {
    const old = this.of.get(id);
    if (old !== undefined) throw new FaceKitError('E_INPUT', `face ${id} is already in cluster ${old}`);
    this.of.set(id, cluster);
    const m = this.members.get(cluster);
    if (m) m.push(id);
    else this.members.set(cluster, [id]);
    this.next = Math.max(this.next, cluster + 1);
  }

  /** Moves every face of `from` into `into`; returns how many moved. */
  merge(from: number, into: number): number {
    if (from === into) return 0;
    const moved = this.members.get(from) ?? [];
    const target = this.members.get(into);
    if (!target) throw new FaceKitError('E_INPUT', `no cluster ${into}`);
    for (const id of moved) {
      this.of.set(id, into);
      target.push(id);
    }
    this.members.delete(from);
    return moved.length;
  }

  /** Every (face id, cluster id). */
  entries(): IterableIterator<[number, number]> {
    return this.of.entries();
  }
}

/**
 * Puts face `id` where `decision` says: into its cluster, or a new one when it has none, after folding the
 * clusters of `decision.merge` into that cluster; counts each step in `stats`. Returns the face's cluster.
 *
 * @example
 * const cluster = assignFace(assigned, 7, decideCluster(neighbours, 0.12), stats);
 */
export function assignFace(
  assigned: ClusterAssignments,
  id: number,
  decision: ClusterDecision,
  stats: IncrementalClusterStats,
): number {
  let cluster = decision.cluster;
  if (cluster === undefined) {
    cluster = assigned.newCluster();
    stats.created++;
  } else stats.joined++;
  for (const m of decision.merge) {
    assigned.merge(m, cluster);
    stats.merged++;
  }
  assigned.assign(id, cluster);
  return cluster;
}

/**
 * Counts of one incremental run.
 *
 * @example
 * const { joined, created, merged }: IncrementalClusterStats = clusterIncrementally(es, { threshold }).stats;
 */
export interface IncrementalClusterStats {
  /** Faces that joined an existing cluster. */
  joined: number;
  /** Faces that started a new cluster. */
  created: number;
  /** Clusters folded into another (policy 'merge'). */
  merged: number;
}

/**
 * Assigns faces one at a time, in order: each joins the cluster of its nearest clustered faces within the
 * threshold (`decideCluster`) or starts a new one; nothing already clustered is revisited. The in-memory form of
 * what `facekit cluster --db` does on a gallery, and the reference the batch methods are compared with. Time: one
 * nearest-neighbour search per face (exact here: O(n) each, O(n²) for n faces from scratch); memory O(n).
 *
 * @example
 * const { labels } = clusterIncrementally(embeddings, { threshold: defaultClusterThreshold(spec, 'agglomerative', 'cosine')! });
 */
export function clusterIncrementally(
  embeddings: readonly Embedding[],
  options: IncrementalClusterOptions & {
    metric?: MetricName;
    /** Labels of the first faces, already clustered (e.g. by a batch method); the rest are added one by one. */
    initial?: ArrayLike<number>;
  },
): { labels: Int32Array; stats: IncrementalClusterStats } {
  const { threshold, links, bridge } = resolveIncrementalOptions(options);
  const metric = options.metric ?? 'cosine';
  assertMetric(metric);
  const labels = new Int32Array(embeddings.length);
  const stats: IncrementalClusterStats = { joined: 0, created: 0, merged: 0 };
  if (embeddings.length === 0) return { labels, stats };
  const gallery = new Gallery({ metric, index: 'exact' });
  const assigned = new ClusterAssignments();
  const initial = options.initial ?? [];
  try {
    const start = initial.length;
    gallery.enrollMany(embeddings.slice(0, start).map((embedding, i) => ({ label: 'c', embedding, id: i })));
    for (let i = 0; i < start; i++) assigned.assign(i, initial[i]);
    for (let i = start; i < embeddings.length; i++) {
      const neighbours = gallery
        .nearest(embeddings[i], links, metric, true)
        .map((m) => ({ id: m.id, distance: m.distance, cluster: assigned.clusterOf(m.id)! }));
      assignFace(assigned, i, decideCluster(neighbours, threshold, bridge), stats);
      gallery.enroll('c', embeddings[i], { id: i });
    }
  } finally {
    gallery.dispose();
  }
  for (const [id, c] of assigned.entries()) labels[id] = c;
  return { labels, stats };
}
