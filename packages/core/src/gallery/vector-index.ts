/**
 * One neighbour found by an index: the entry id and its cosine distance (1 − cos) to the query.
 *
 * @example
 * const hits: IndexHit[] = index.search(query, 5); // [{ id, distance }], nearest first
 */
export interface IndexHit {
  id: number;
  /** 1 − cosine similarity between the unit vectors. */
  distance: number;
}

/**
 * A nearest-neighbour index over unit vectors under cosine distance. The gallery keeps the exact vectors itself;
 * an index only has to find candidate ids quickly (the gallery re-ranks them with exact distances), so an
 * approximate index (HNSW in `@facekit/node`) and the exact one are interchangeable.
 *
 * @example
 * const g = new Gallery({ ann: (dim) => new MyHnswIndex(dim), index: 'auto' });
 */
export interface VectorIndex {
  /** Short name for reports ('exact', 'usearch-hnsw', …). */
  readonly kind: string;
  readonly dim: number;
  readonly size: number;
  /** Adds n unit vectors (flat n × dim) under the given ids (ids are new: never already in the index). */
  add(ids: ArrayLike<number>, unitVectors: Float32Array): void;
  /** Removes an id; false when it was not there. */
  remove(id: number): boolean;
  /** The k nearest ids to a unit query, nearest first (fewer when the index holds fewer). */
  search(unitQuery: Float32Array, k: number): IndexHit[];
  /**
   * Candidates this index wants re-ranked exactly per query, when the gallery is not told (`annCandidates`);
   * an index with noisy distances asks for more. Default 10.
   */
  readonly candidates?: number;
  /** Frees native memory, if any. The index is unusable afterwards. */
  dispose(): void;
}

/**
 * Makes an (empty) approximate index for vectors of a dimension.
 *
 * @example
 * const factory: VectorIndexFactory = usearchIndexFactory(); // from @facekit/node
 * const gallery = new Gallery({ ann: factory, index: 'auto' });
 */
export type VectorIndexFactory = (dim: number) => VectorIndex;
