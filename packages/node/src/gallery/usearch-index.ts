import { FaceKitError, type IndexHit, type VectorIndex, type VectorIndexFactory } from '@facekit/core';
import type * as Usearch from 'usearch';
import { requireOptional } from './optional-deps.js';

/**
 * Storage of the vectors inside the graph: f32 (exact), f16 or i8 (smaller and faster, approximate distances).
 *
 * @example
 * const quantization: UsearchQuantization = 'f16';
 */
export type UsearchQuantization = 'f32' | 'f16' | 'i8';

/**
 * Options of the usearch HNSW index: graph degree, beam widths, quantisation, threads.
 *
 * @example
 * const factory = usearchIndexFactory({ connectivity: 32, expansionSearch: 256 } satisfies UsearchOptions);
 */
export interface UsearchOptions {
  /** HNSW graph degree M (default 32: recall@1 ≥ 0.99 on random 128-D unit vectors needs a dense graph). */
  connectivity?: number;
  /** Beam width while inserting (default 128). */
  expansionAdd?: number;
  /** Beam width while searching (default 256); the recall / speed dial. */
  expansionSearch?: number;
  /** Threads for bulk insertion (default 0 = all cores). Searches of one query run on one thread. */
  threads?: number;
  /**
   * Vector storage in the graph (default 'f32'). 'f16' halves its memory and speeds up build and search at no
   * measurable recall cost; 'i8' is coarse for unit vectors (128-D components are ≈ ±0.09, a few i8 steps) and
   * loses much recall on large galleries. The gallery re-ranks candidates with exact f32 distances either way.
   */
  quantization?: UsearchQuantization;
}

/**
 * The HNSW parameters used when none are given: degree M, and the beam widths while inserting and searching.
 *
 * @example
 * usearchIndexFactory({ ...USEARCH_DEFAULTS, expansionSearch: 512 }); // closer to exact, slower
 */
export const USEARCH_DEFAULTS: Required<UsearchOptions> = {
  connectivity: 32,
  expansionAdd: 128,
  expansionSearch: 256,
  threads: 0,
  quantization: 'f32',
};

/** The usearch module, loaded on first use (an optional peer dependency). */
function usearchModule(): typeof Usearch {
  return requireOptional<typeof Usearch>('usearch', 'the HNSW index (usearch)');
}

/**
 * An approximate index: usearch's HNSW graph over unit vectors with inner-product distance (= cosine distance).
 * The gallery re-ranks its candidates with exact distances.
 *
 * @example
 * const g = new Gallery({ ann: usearchIndexFactory({ expansionSearch: 128 }) });
 */
export class UsearchIndex implements VectorIndex {
  readonly kind = 'usearch-hnsw';
  private index: Usearch.Index | undefined;
  private readonly options: Required<UsearchOptions>;

  constructor(
    readonly dim: number,
    options: UsearchOptions = {},
  ) {
    this.options = { ...USEARCH_DEFAULTS, ...options };
    const usearch = usearchModule();
    const scalar = { f32: usearch.ScalarKind.F32, f16: usearch.ScalarKind.F16, i8: usearch.ScalarKind.I8 };
    const quantization = scalar[this.options.quantization];
    if (quantization === undefined) {
      throw new FaceKitError('E_CONFIG', `quantization must be f32, f16 or i8, got '${this.options.quantization}'`);
    }
    this.index = new usearch.Index({
      dimensions: dim,
      metric: usearch.MetricKind.IP,
      quantization,
      connectivity: this.options.connectivity,
      expansion_add: this.options.expansionAdd,
      expansion_search: this.options.expansionSearch,
      multi: false,
    });
  }

  private live(): Usearch.Index {
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

/**
 * A factory for `GalleryOptions.ann`.
 *
 * @example
 * const gallery = new Gallery({ ann: usearchIndexFactory({ connectivity: 32 }) }); // HNSW search
 */
export function usearchIndexFactory(options: UsearchOptions = {}): VectorIndexFactory {
  return (dim) => new UsearchIndex(dim, options);
}
