import { FaceKitError } from '../errors.js';
import { dotAt, type MetricName, unitDistanceFromCosine } from '../metrics.js';
import type { IndexHit, VectorIndex } from './vector-index.js';

/**
 * A neighbour with its distance under the metric that was asked for.
 *
 * @example
 * const nearest: MetricHit = { id: 3, distance: 0.42 };
 */
export interface MetricHit {
  id: number;
  distance: number;
}

/** Rows compared with every query of a batch while they sit in cache (256 × 128 floats = 128 KiB). */
const BLOCK_ROWS = 256;

/** Distance from the score the scan maximises (see `scoreOf`). */
function distanceFromScore(metric: MetricName, score: number, queryNorm: number): number {
  // score = 2·|q|·|x|·cos − |x|², so |q − x|² = |q|² − score.
  if (metric === 'euclidean') return Math.sqrt(Math.max(0, queryNorm * queryNorm - score));
  return unitDistanceFromCosine(metric, score);
}

/**
 * The exact index: every vector kept unit-normalised in one contiguous Float32Array (plus its original norm), and
 * searched by a blocked matrix product (a block of rows is compared with all queries of a batch before moving on).
 * Holds the gallery's vectors, so it also answers exact distances for re-ranking an approximate index's candidates.
 * Removal moves the last row into the hole, so ids are not row numbers.
 *
 * @example
 * const ix = new ExactIndex(128);
 * ix.add([7], unitVector);
 * ix.searchMetric(query, 5, 'cosine'); // [{ id: 7, distance: 0.12 }]
 */
export class ExactIndex implements VectorIndex {
  readonly kind = 'exact';
  private data: Float32Array;
  private norms: Float64Array;
  private ids: Float64Array;
  private readonly rowOf = new Map<number, number>();
  private n = 0;

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new FaceKitError('E_CONFIG', `dimension must be ≥ 1, got ${dim}`);
    const c = Math.max(1, capacity);
    this.data = new Float32Array(c * dim);
    this.norms = new Float64Array(c);
    this.ids = new Float64Array(c);
  }

  get size(): number {
    return this.n;
  }

  /** Grows the storage to hold at least `capacity` vectors (avoids repeated doubling when the count is known). */
  reserve(capacity: number): void {
    if (capacity * this.dim <= this.data.length) return;
    const data = new Float32Array(capacity * this.dim);
    data.set(this.data.subarray(0, this.n * this.dim));
    const norms = new Float64Array(capacity);
    norms.set(this.norms.subarray(0, this.n));
    const ids = new Float64Array(capacity);
    ids.set(this.ids.subarray(0, this.n));
    this.data = data;
    this.norms = norms;
    this.ids = ids;
  }

  /** Adds unit vectors (flat n × dim); `norms` are the original lengths (default 1), needed by 'euclidean'. */
  add(ids: ArrayLike<number>, unitVectors: Float32Array, norms?: ArrayLike<number>): void {
    const d = this.dim;
    if (unitVectors.length !== ids.length * d) {
      throw new FaceKitError('E_INPUT', `expected ${ids.length} × ${d} values, got ${unitVectors.length}`);
    }
    for (let i = 0; i < ids.length; i++) {
      if (this.rowOf.has(ids[i])) throw new FaceKitError('E_INPUT', `id ${ids[i]} is already in the index`);
    }
    if (this.n + ids.length > this.ids.length) this.reserve(Math.max(this.n + ids.length, 2 * this.ids.length));
    this.data.set(unitVectors, this.n * d);
    for (let i = 0; i < ids.length; i++) {
      this.ids[this.n] = ids[i];
      this.norms[this.n] = norms ? norms[i] : 1;
      this.rowOf.set(ids[i], this.n);
      this.n++;
    }
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  remove(id: number): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.n - 1;
    if (row !== last) {
      const d = this.dim;
      this.data.copyWithin(row * d, last * d, last * d + d);
      this.norms[row] = this.norms[last];
      this.ids[row] = this.ids[last];
      this.rowOf.set(this.ids[row], row);
    }
    this.rowOf.delete(id);
    this.n = last;
    return true;
  }

  /** The stored unit vector of an id (a view: copy it before the index changes). */
  unitVector(id: number): Float32Array | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.data.subarray(row * this.dim, (row + 1) * this.dim);
  }

  /** The original length of an id's vector. */
  norm(id: number): number | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.norms[row];
  }

  /** Ids in storage order. */
  *keys(): IterableIterator<number> {
    for (let r = 0; r < this.n; r++) yield this.ids[r];
  }

  /** Exact distance between a stored id and a query (unit vector + its norm). */
  distanceTo(id: number, unitQuery: Float32Array, queryNorm: number, metric: MetricName): number {
    const row = this.rowOf.get(id);
    if (row === undefined) return Number.NaN;
    const d = this.dim;
    const o = row * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += this.data[o + j] * unitQuery[j];
    const score = metric === 'euclidean' ? 2 * queryNorm * this.norms[row] * s - this.norms[row] ** 2 : s;
    return distanceFromScore(metric, score, queryNorm);
  }

  /** VectorIndex: the k nearest ids by cosine distance. */
  search(unitQuery: Float32Array, k: number): IndexHit[] {
    return this.searchBatch(unitQuery, [1], k, 'cosine')[0];
  }

  /** The k nearest ids to one query under a metric. */
  searchMetric(unitQuery: Float32Array, queryNorm: number, k: number, metric: MetricName): MetricHit[] {
    return this.searchBatch(unitQuery, [queryNorm], k, metric)[0];
  }

  /**
   * The k nearest ids for each of a batch of queries (flat nq × dim unit vectors, with their norms), nearest first.
   * One pass over the stored rows in cache-sized blocks, each block compared with every query.
   */
  searchBatch(unitQueries: Float32Array, queryNorms: ArrayLike<number>, k: number, metric: MetricName): MetricHit[][] {
    const d = this.dim;
    const nq = queryNorms.length;
    if (unitQueries.length !== nq * d) {
      throw new FaceKitError('E_INPUT', `expected ${nq} × ${d} query values, got ${unitQueries.length}`);
    }
    const kk = Math.min(Math.max(0, Math.floor(k)), this.n);
    const out: MetricHit[][] = [];
    if (kk === 0) {
      for (let q = 0; q < nq; q++) out.push([]);
      return out;
    }
    const topS = new Float64Array(nq * kk).fill(-Infinity);
    const topR = new Int32Array(nq * kk).fill(-1);
    const data = this.data;
    const norms = this.norms;
    const euclid = metric === 'euclidean';
    for (let start = 0; start < this.n; start += BLOCK_ROWS) {
      const end = Math.min(this.n, start + BLOCK_ROWS);
      for (let q = 0; q < nq; q++) {
        const qo = q * d;
        const base = q * kk;
        const twoQn = 2 * queryNorms[q];
        let worst = topS[base + kk - 1];
        for (let r = start; r < end; r++) {
          let s = dotAt(data, r * d, unitQueries, qo, d);
          if (euclid) s = twoQn * norms[r] * s - norms[r] * norms[r];
          if (s <= worst) continue;
          // Insertion into the sorted (descending) top-k of this query.
          let p = base + kk - 1;
          while (p > base && topS[p - 1] < s) {
            topS[p] = topS[p - 1];
            topR[p] = topR[p - 1];
            p--;
          }
          topS[p] = s;
          topR[p] = r;
          worst = topS[base + kk - 1];
        }
      }
    }
    for (let q = 0; q < nq; q++) {
      const hits: MetricHit[] = [];
      for (let i = 0; i < kk; i++) {
        const r = topR[q * kk + i];
        if (r < 0) break;
        hits.push({ id: this.ids[r], distance: distanceFromScore(metric, topS[q * kk + i], queryNorms[q]) });
      }
      out.push(hits);
    }
    return out;
  }

  dispose(): void {
    this.data = new Float32Array(0);
    this.norms = new Float64Array(0);
    this.ids = new Float64Array(0);
    this.rowOf.clear();
    this.n = 0;
  }
}
