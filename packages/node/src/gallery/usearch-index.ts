import { FaceKitError, type IndexHit, type VectorIndex, type VectorIndexFactory } from '@facekit/core';
import usearch from 'usearch';

export interface UsearchOptions {
  /** HNSW graph degree M (default 32: recall@1 ≥ 0.99 on random 128-D unit vectors needs a dense graph). */
  connectivity?: number;
  /** Beam width while inserting (default 128). */
  expansionAdd?: number;
  /** Beam width while searching (default 256); the recall / speed dial. */
  expansionSearch?: number;
  /** Threads for bulk insertion (default 0 = all cores). Searches of one query run on one thread. */
  threads?: number;
}

export const USEARCH_DEFAULTS: Required<UsearchOptions> = {
  connectivity: 32,
  expansionAdd: 128,
  expansionSearch: 256,
  threads: 0,
};

/**
 * An approximate index: usearch's HNSW graph over unit vectors with inner-product distance (= cosine distance).
 * The gallery re-ranks its candidates with exact distances.
 *
 * @example
 * const g = new Gallery({ ann: usearchIndexFactory({ expansionSearch: 128 }) });
 */
export class UsearchIndex implements VectorIndex {
  readonly kind = 'usearch-hnsw';
  private index: InstanceType<typeof usearch.Index> | undefined;
  private readonly options: Required<UsearchOptions>;

  constructor(
    readonly dim: number,
    options: UsearchOptions = {},
  ) {
    this.options = { ...USEARCH_DEFAULTS, ...options };
    this.index = new usearch.Index({
      dimensions: dim,
      metric: usearch.MetricKind.IP,
      quantization: usearch.ScalarKind.F32,
      connectivity: this.options.connectivity,
      expansion_add: this.options.expansionAdd,
      expansion_search: this.options.expansionSearch,
      multi: false,
    });
  }

  private live(): InstanceType<typeof usearch.Index> {
    if (!this.index) throw new FaceKitError('E_CONFIG', 'this usearch index has been disposed');
    return this.index;
  }

  get size(): number {
    return this.index ? this.index.size() : 0;
  }

  add(ids: ArrayLike<number>, unitVectors: Float32Array): void {
    if (ids.length === 0) return;
    const keys = BigUint64Array.from(Array.from(ids), (id) => BigInt(id));
    this.live().add(keys, unitVectors, this.options.threads);
  }

  remove(id: number): boolean {
    return (this.live().remove(BigInt(id)) as number) > 0;
  }

  search(unitQuery: Float32Array, k: number): IndexHit[] {
    const index = this.live();
    const n = Math.min(k, index.size());
    if (n <= 0) return [];
    const m = index.search(unitQuery, n, 1);
    const hits: IndexHit[] = [];
    for (let i = 0; i < m.keys.length; i++) {
      // Unfilled slots come back as the maximal key.
      if (m.keys[i] === 0xffffffffffffffffn) break;
      hits.push({ id: Number(m.keys[i]), distance: m.distances[i] });
    }
    return hits;
  }

  dispose(): void {
    // The native index is freed when garbage-collected; drop our reference so it can be.
    this.index = undefined;
  }
}

/** A factory for `GalleryOptions.ann`. */
export function usearchIndexFactory(options: UsearchOptions = {}): VectorIndexFactory {
  return (dim) => new UsearchIndex(dim, options);
}
