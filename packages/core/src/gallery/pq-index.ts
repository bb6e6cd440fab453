import { kmeans } from '../cluster/kmeans.js';
import { FaceKitError } from '../errors.js';
import { ExactIndex } from './exact-index.js';
import { type ScanKernel, scanKernel } from './pq-kernel.js';
import type { IndexHit, VectorIndex, VectorIndexFactory } from './vector-index.js';

/**
 * Options of the product-quantisation index (`PqScanIndex`).
 *
 * @example
 * const factory = pqIndexFactory({ candidates: 1000 } satisfies PqIndexOptions);
 */
export interface PqIndexOptions {
  /**
   * Dimensions per sub-quantiser (default max(2, ⌈dim / 256⌉): 2 for 128-D, 32 bytes per vector). Each
   * sub-quantiser holds 16 centroids (a 4-bit code); at most 256 sub-quantisers.
   */
  subDim?: number;
  /**
   * Candidates per query handed to the gallery for exact re-ranking (default max(256, ⌈size / 2000⌉)). The
   * approximate scores are noisy, so the exact nearest neighbour is found among more candidates as the index
   * grows: on 1,000,000 random 128-D unit vectors 200 candidates hold it for 99.5 % of random queries, 500 for all.
   */
  candidates?: number;
  /**
   * Vectors the codebooks are trained on (default 8,192): training starts when that many are held, on that many
   * spread evenly over them. Until then, search is exact.
   */
  trainSize?: number;
  /** Lloyd iterations per sub-quantiser (default 25). */
  trainIterations?: number;
  /** Seed of the k-means++ initialisation (default 1). */
  seed?: number;
}

/** Centroids per sub-quantiser: one 4-bit code. */
const CENTROIDS = 16;
/** Vectors per block of the code layout (16 bytes per sub-quantiser hold 32 nibbles). */
const BLOCK = 32;
/** u8 table entries summed in u16 lanes: 255 · 256 < 65,536. */
const MAX_SUBQUANTISERS = 256;
const PAGE = 65_536;
/** Vectors the codebooks are trained on by default: 16 centroids per sub-space need only a few thousand. */
const DEFAULT_TRAIN_SIZE = 8192;
/** Scores are binned by their top 14 bits to find thresholds (a bin's floor passes all of its scores). */
const BIN_SHIFT = 2;

/**
 * An approximate index by 4-bit product quantisation and a SIMD scan of every code (the "fast-scan" layout):
 * each vector is cut into sub-vectors of `subDim` dimensions, each replaced by the nearest of 16 centroids, so a
 * 128-D vector takes 32 bytes. A query scores all codes through per-query lookup tables in a WebAssembly SIMD
 * kernel (about 2 ms per million vectors on one core) and hands the best `candidates` to the gallery, which
 * re-ranks them with exact distances. Unlike a graph index it has no hard queries (random queries are found as
 * well as near-duplicates), builds in seconds, and runs wherever WebAssembly does (Node and browsers); its search
 * time grows linearly with the size, so beyond a few million vectors a graph index (usearch HNSW) is faster.
 *
 * The codebooks are trained once `trainSize` vectors are held; until then the vectors sit in an exact index.
 *
 * @example
 * const gallery = new Gallery({ ann: pqIndexFactory(), annMinSize: 20_000 });
 */
export class PqScanIndex implements VectorIndex {
  readonly kind = 'pq-scan';
  private readonly subDim: number;
  private readonly m: number;
  private readonly mScan: number;
  private readonly options: PqIndexOptions;
  private kernel: ScanKernel | undefined;
  /** m × 16 × subDim centroid coordinates (the last sub-vector zero-padded). */
  private codebooks: Float32Array | undefined;
  /** The vectors added before the codebooks were trained, searched exactly; dropped once they are encoded. */
  private pending: ExactIndex | undefined;
  private ids: Float64Array;
  private readonly rowOf = new Map<number, number>();
  private n = 0;
  private trainCount = 0;
  private view: Uint8Array | undefined;
  private readonly bins = new Uint32Array(1 << (16 - BIN_SHIFT));
  /** Rows the code region holds (a multiple of BLOCK). */
  private capacity = 0;
  private readonly lutAt = 0;
  private readonly codesAt: number;

  constructor(
    readonly dim: number,
    options: PqIndexOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new FaceKitError('E_CONFIG', `dimension must be ≥ 1, got ${dim}`);
    this.subDim = options.subDim ?? Math.max(2, Math.ceil(dim / MAX_SUBQUANTISERS));
    if (!Number.isInteger(this.subDim) || this.subDim < 1) {
      throw new FaceKitError('E_CONFIG', `subDim must be an integer ≥ 1, got ${options.subDim}`);
    }
    this.m = Math.ceil(dim / this.subDim);
    // The kernel reads sub-quantisers in pairs: an odd count gets a zero table and zero codes at the end.
    this.mScan = this.m + (this.m % 2);
    if (this.m > MAX_SUBQUANTISERS) {
      throw new FaceKitError(
        'E_CONFIG',
        `subDim ${this.subDim} cuts ${dim}-D vectors into ${this.m} sub-vectors; at most ${MAX_SUBQUANTISERS}`,
      );
    }
    for (const [key, min] of [
      ['candidates', 1],
      ['trainSize', CENTROIDS],
      ['trainIterations', 1],
    ] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isInteger(v) || v < min)) {
        throw new FaceKitError('E_CONFIG', `${key} must be an integer ≥ ${min}, got ${v}`);
      }
    }
    this.options = options;
    this.codesAt = align16(this.mScan * CENTROIDS);
    this.pending = new ExactIndex(dim);
    this.ids = new Float64Array(0);
  }

  get size(): number {
    return this.pending?.size ?? this.n;
  }

  /** Whether the codebooks are trained (before that, search is exact over the raw vectors). */
  get trained(): boolean {
    return this.codebooks !== undefined;
  }

  /** How many vectors the codebooks were trained on (0 before training). */
  get trainedOn(): number {
    return this.trainCount;
  }

  /** Candidates the gallery should re-rank exactly per query. */
  get candidates(): number {
    return this.options.candidates ?? Math.max(256, Math.ceil(this.size / 2000));
  }

  /** Bytes held per vector once trained (the codes; ids and the id map come on top). */
  get bytesPerVector(): number {
    return (this.mScan * CENTROIDS) / BLOCK;
  }

  add(ids: ArrayLike<number>, unitVectors: Float32Array): void {
    if (this.pending) {
      this.pending.add(ids, unitVectors);
      if (this.pending.size >= (this.options.trainSize ?? DEFAULT_TRAIN_SIZE)) this.train(this.pending);
      return;
    }
    const d = this.dim;
    if (unitVectors.length !== ids.length * d) {
      throw new FaceKitError('E_INPUT', `expected ${ids.length} × ${d} values, got ${unitVectors.length}`);
    }
    for (let i = 0; i < ids.length; i++) {
      if (this.rowOf.has(ids[i])) throw new FaceKitError('E_INPUT', `id ${ids[i]} is already in the index`);
    }
    for (let i = 0; i < ids.length; i++) this.appendRow(ids[i], unitVectors, i * d);
  }

  remove(id: number): boolean {
    if (this.pending) return this.pending.remove(id);
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.n - 1;
    if (row !== last) {
      this.moveCodes(last, row);
      this.ids[row] = this.ids[last];
      this.rowOf.set(this.ids[row], row);
    }
    this.rowOf.delete(id);
    this.n = last;
    return true;
  }

  search(unitQuery: Float32Array, k: number): IndexHit[] {
    if (unitQuery.length !== this.dim) {
      throw new FaceKitError('E_INPUT', `expected a ${this.dim}-D query, got ${unitQuery.length} values`);
    }
    if (this.pending) return this.pending.search(unitQuery, k);
    const want = Math.min(Math.max(0, Math.floor(k)), this.n);
    return want === 0 ? [] : this.scanSearch(unitQuery, want);
  }

  dispose(): void {
    this.kernel = undefined;
    this.view = undefined;
    this.codebooks = undefined;
    // Empty again, like a new index (the exact index's dispose does the same).
    this.pending?.dispose();
    this.pending = new ExactIndex(this.dim);
    this.ids = new Float64Array(0);
    this.rowOf.clear();
    this.n = 0;
    this.trainCount = 0;
    this.capacity = 0;
  }

  /** Grows the id table and the code region to hold `rows` vectors. */
  private reserve(rows: number): void {
    if (rows <= this.ids.length) return;
    const cap = Math.max(rows, 2 * this.ids.length, BLOCK);
    const ids = new Float64Array(cap);
    ids.set(this.ids.subarray(0, this.n));
    this.ids = ids;
    this.growCodes(cap);
  }

  /** Encodes the vector at `v[offset…]` as a new last row under `id`. */
  private appendRow(id: number, v: Float32Array, offset: number): void {
    this.reserve(this.n + 1);
    this.ids[this.n] = id;
    this.rowOf.set(id, this.n);
    this.encodeRow(this.n, v, offset);
    this.n++;
  }

  /** Makes the code region hold `rows` vectors (the scratch regions after it move; they hold nothing between calls). */
  private growCodes(rows: number): void {
    const cap = Math.ceil(rows / BLOCK) * BLOCK;
    if (cap <= this.capacity) return;
    this.ensureMemory(this.codesAt + (cap / BLOCK) * this.blockBytes());
    this.capacity = cap;
  }

  private blockBytes(): number {
    return this.mScan * 16;
  }

  private ensureMemory(bytes: number): void {
    const memory = this.live().memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** A byte view of the kernel's memory (renewed when growth detaches the old buffer). */
  private bytes(): Uint8Array {
    const buffer = this.live().memory.buffer;
    if (this.view?.buffer !== buffer) this.view = new Uint8Array(buffer);
    return this.view!;
  }

  private live(): ScanKernel {
    this.kernel ??= scanKernel();
    return this.kernel;
  }

  /**
   * k-means (16 centroids) in each sub-space over `trainSize` of the vectors held exactly (evenly spaced, when one
   * `add` brought more); then encodes them all and drops the exact copies.
   */
  private train(exact: ExactIndex): void {
    const { dim, subDim, m } = this;
    const seed = this.options.seed ?? 1;
    const maxIter = this.options.trainIterations ?? 25;
    const ids = [...exact.keys()];
    // Views into the exact index, valid until it changes (it does not before it is dropped below).
    const vectors = ids.map((id) => exact.unitVector(id)!);
    const n = ids.length;
    const sample = Math.min(n, this.options.trainSize ?? DEFAULT_TRAIN_SIZE);
    const rows = Array.from({ length: sample }, (_, i) => Math.floor((i * n) / sample));
    const codebooks = new Float32Array(m * CENTROIDS * subDim);
    for (let s = 0; s < m; s++) {
      const from = s * subDim;
      const width = Math.min(subDim, dim - from);
      const subs = rows.map((r) => vectors[r].subarray(from, from + width));
      const { centroids } = kmeans(subs, { k: CENTROIDS, seed: seed + s, maxIter });
      centroids.forEach((c, j) => {
        codebooks.set(c, (s * CENTROIDS + j) * subDim);
      });
    }
    this.codebooks = codebooks;
    this.trainCount = sample;
    this.reserve(n);
    ids.forEach((id, i) => {
      this.appendRow(id, vectors[i], 0);
    });
    this.pending = undefined;
    exact.dispose();
  }

  /** Writes the 4-bit codes of the vector at `v[offset…]` into row `row` of the blocked layout. */
  private encodeRow(row: number, v: Float32Array, offset: number): void {
    const { dim, subDim, m } = this;
    const cb = this.codebooks!;
    const bytes = this.bytes();
    const base = this.codesAt + (row >> 5) * this.blockBytes() + (row & 15);
    const high = (row & 31) >= 16;
    for (let s = 0; s < m; s++) {
      const from = s * subDim;
      const width = Math.min(subDim, dim - from);
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < CENTROIDS; c++) {
        const o = (s * CENTROIDS + c) * subDim;
        let d2 = 0;
        for (let j = 0; j < width; j++) {
          const t = v[offset + from + j] - cb[o + j];
          d2 += t * t;
        }
        if (d2 < bestD) {
          bestD = d2;
          best = c;
        }
      }
      const at = base + s * 16;
      bytes[at] = high ? (bytes[at] & 0x0f) | (best << 4) : (bytes[at] & 0xf0) | best;
    }
  }

  /** Copies row `from`'s codes over row `to`'s. */
  private moveCodes(from: number, to: number): void {
    const bytes = this.bytes();
    const bb = this.blockBytes();
    const src = this.codesAt + (from >> 5) * bb + (from & 15);
    const dst = this.codesAt + (to >> 5) * bb + (to & 15);
    const srcHigh = (from & 31) >= 16;
    const dstHigh = (to & 31) >= 16;
    for (let s = 0; s < this.m; s++) {
      const code = srcHigh ? bytes[src + s * 16] >> 4 : bytes[src + s * 16] & 0x0f;
      const at = dst + s * 16;
      bytes[at] = dstHigh ? (bytes[at] & 0x0f) | (code << 4) : (bytes[at] & 0xf0) | code;
    }
  }

  /** After training: the SIMD scan of all codes, then the k best approximate scores. */
  private scanSearch(q: Float32Array, k: number): IndexHit[] {
    const kernel = this.live();
    const { offset, scale } = this.writeLookupTable(q);
    const nBlocks = Math.ceil(this.n / BLOCK);
    const scoresAt = this.codesAt + (this.capacity / BLOCK) * this.blockBytes();
    const idxAt = align16(scoresAt + nBlocks * BLOCK * 2);
    let cap = Math.max(16 * k, 4096);
    this.ensureMemory(idxAt + cap * 4);
    kernel.scan(this.codesAt, nBlocks, this.mScan, this.lutAt, scoresAt);
    const scores = new Uint16Array(kernel.memory.buffer, scoresAt, nBlocks * BLOCK);
    // Rows past n in the last block hold stale codes: score them 0, so only a threshold of 0 lets them through.
    scores.fill(0, this.n);
    // A threshold that lets about 3k scores through, estimated from ~16,384 of them; if the estimate lets fewer
    // than k (or more than cap) through, the one counted on every score.
    const stride = Math.max(1, Math.floor(this.n / 16_384));
    let threshold = thresholdFor(scores, this.n, stride, Math.ceil((3 * k) / stride), this.bins);
    let count = kernel.above(scoresAt, nBlocks * BLOCK, threshold, idxAt, cap);
    if (count < k || count > cap) {
      threshold = thresholdFor(scores, this.n, 1, k, this.bins);
      cap = nBlocks * BLOCK;
      this.ensureMemory(idxAt + cap * 4);
      count = kernel.above(scoresAt, nBlocks * BLOCK, threshold, idxAt, cap);
    }
    // Fresh views: ensureMemory may have grown (and detached) the buffer the first ones were on.
    const rows = new Uint32Array(kernel.memory.buffer, idxAt, count);
    const s = new Uint16Array(kernel.memory.buffer, scoresAt, nBlocks * BLOCK);
    const picked = Array.from(rows).filter((r) => r < this.n);
    picked.sort((a, b) => s[b] - s[a]);
    return picked.slice(0, k).map((r) => ({ id: this.ids[r], distance: 1 - (s[r] / scale + offset) }));
  }

  /** The query's u8 lookup table (per sub-quantiser, its dot product with each centroid, shifted and scaled). */
  private writeLookupTable(q: Float32Array): { offset: number; scale: number } {
    const { dim, subDim, m } = this;
    const cb = this.codebooks!;
    const raw = new Float32Array(m * CENTROIDS);
    let offset = 0;
    let range = 0;
    for (let s = 0; s < m; s++) {
      const from = s * subDim;
      const width = Math.min(subDim, dim - from);
      let lo = Infinity;
      let hi = -Infinity;
      for (let c = 0; c < CENTROIDS; c++) {
        const o = (s * CENTROIDS + c) * subDim;
        let dot = 0;
        for (let j = 0; j < width; j++) dot += q[from + j] * cb[o + j];
        raw[s * CENTROIDS + c] = dot;
        lo = Math.min(lo, dot);
        hi = Math.max(hi, dot);
      }
      for (let c = 0; c < CENTROIDS; c++) raw[s * CENTROIDS + c] -= lo;
      offset += lo;
      range = Math.max(range, hi - lo);
    }
    // One scale for every table, so the u16 sums compare across sub-quantisers.
    const scale = range > 0 ? 255 / range : 1;
    const lut = new Uint8Array(this.live().memory.buffer, this.lutAt, this.mScan * CENTROIDS);
    for (let i = 0; i < raw.length; i++) lut[i] = Math.round(raw[i] * scale);
    lut.fill(0, raw.length);
    return { offset, scale };
  }
}

function align16(x: number): number {
  return Math.ceil(x / 16) * 16;
}

/**
 * The highest threshold that passes at least `want` of the rows [0, n) counted every `stride` rows (0 when
 * fewer are there in all). `bins` is scratch space of 2^(16 − BIN_SHIFT) counts.
 */
function thresholdFor(scores: Uint16Array, n: number, stride: number, want: number, bins: Uint32Array): number {
  bins.fill(0);
  for (let i = 0; i < n; i += stride) bins[scores[i] >> BIN_SHIFT]++;
  let acc = 0;
  for (let b = bins.length - 1; b > 0; b--) {
    acc += bins[b];
    if (acc >= want) return b << BIN_SHIFT;
  }
  return 0;
}

/**
 * A factory for `GalleryOptions.ann`: the PQ fast-scan index.
 *
 * @example
 * const gallery = new Gallery({ ann: pqIndexFactory({ candidates: 500 }) });
 */
export function pqIndexFactory(options: PqIndexOptions = {}): VectorIndexFactory {
  return (dim) => new PqScanIndex(dim, options);
}
