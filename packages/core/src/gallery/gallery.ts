import type { Tensor3D } from '@tensorflow/tfjs-core';
import { assertSameWeights } from '../embedding-identity.js';
import { FaceKitError } from '../errors.js';
import { assertMetric, type MetricName } from '../metrics.js';
import type { RepresentOptions, Representation } from '../pipeline.js';
import type { EmbedderSpec } from '../registry.js';
import type { Embedding, Face } from '../types.js';
import { ExactIndex } from './exact-index.js';
import { pqIndexFactory } from './pq-index.js';
import { pqScanSupported } from './pq-kernel.js';
import type { VectorIndex, VectorIndexFactory } from './vector-index.js';
import { type GalleryMatch, type IdentifyResult, voteLabel } from './vote.js';

/**
 * Which index answers `identify`: always exact, always the ANN index, or the ANN index from `annMinSize` on.
 *
 * @example
 * const gallery = new Gallery({ index: 'exact' satisfies IndexChoice });
 */
export type IndexChoice = 'exact' | 'ann' | 'auto';

/**
 * Options of an in-memory `Gallery`: the embedder and dimension, thresholds, metric and the search index.
 *
 * @example
 * const gallery = new Gallery({ embedder: 'dlib-resnet34', dim: 128, metric: 'euclidean' } satisfies GalleryOptions);
 */
export interface GalleryOptions {
  /** Embedder of every enrolled and query embedding; fixed by the first enrolment when not given. */
  embedder?: string;
  /** Embedding dimension; fixed by the first enrolment when not given. */
  dim?: number;
  /** Weights fingerprint (Embedding.weights) of every embedding; fixed by the first enrolment that has one. */
  weights?: string;
  /** Default metric of `identify` (default 'cosine'). */
  metric?: MetricName;
  /** Default threshold of `identify`; else `thresholds[metric]`; else Infinity (never unknown). */
  threshold?: number;
  /** Default thresholds per metric (an embedder spec's `thresholds`). */
  thresholds?: Partial<Record<MetricName, number>>;
  /** Index choice (default 'auto': exact below `annMinSize` entries, the ANN index from there on, if there is one). */
  index?: IndexChoice;
  /**
   * Makes the approximate index: default the PQ fast-scan index (`pqIndexFactory()`, WebAssembly SIMD, Node and
   * browsers; where SIMD is missing, none); usearch HNSW from `@facekit/node` for many millions of faces; false:
   * every search is exact.
   */
  ann?: VectorIndexFactory | false;
  /** Size from which 'auto' switches to the ANN index (default 20,000: below it the exact scan takes ≲ 2 ms). */
  annMinSize?: number;
  /** Candidates fetched from the ANN index before exact re-ranking (default max(k, the index's own `candidates` or 10)). */
  annCandidates?: number;
}

/**
 * Options of `identify`: how many neighbours vote and the distance beyond which the face is unknown.
 *
 * @example
 * const r = gallery.identify(query, { k: 3, threshold: 0.5 } satisfies IdentifyOptions);
 */
export interface IdentifyOptions {
  /** Neighbours that vote (default 1: the nearest face decides). */
  k?: number;
  /** Same person when distance ≤ threshold; beyond it the answer is unknown. */
  threshold?: number;
  metric?: MetricName;
  /** Force the exact index even when an ANN index is active. */
  exact?: boolean;
}

/**
 * Options of `enroll`.
 *
 * @example
 * gallery.enroll('ada', embedding, { id: 42 } satisfies EnrollOptions);
 */
export interface EnrollOptions {
  /** The id to store the face under (a database's row id); default: one more than the largest id so far. */
  id?: number;
}

/**
 * One enrolled face as `entries()` yields it.
 *
 * @example
 * for (const e of gallery.entries() as Iterable<GalleryEntry>) console.log(e.id, e.label);
 */
export interface GalleryEntry {
  id: number;
  label: string;
  embedding: Embedding;
}

/**
 * What the image conveniences need from a pipeline: core's FacePipeline fits.
 *
 * @example
 * const source: RepresentsFaces = await FacePipeline.create(ctx);
 */
export interface RepresentsFaces {
  represent(image: Tensor3D, options?: RepresentOptions): Promise<Representation[]>;
}

const DEFAULT_ANN_MIN_SIZE = 20_000;
/**
 * Candidates fetched from an approximate index for exact re-ranking when neither the gallery (`annCandidates`) nor
 * the index (`VectorIndex.candidates`) says how many.
 *
 * @example
 * const fetched = Math.max(k, options.annCandidates ?? index.candidates ?? DEFAULT_ANN_CANDIDATES);
 */
export const DEFAULT_ANN_CANDIDATES = 10;
const ANN_BUILD_CHUNK = 10_000;

/**
 * Throws unless an embedding is well-formed (a Float32Array of finite values and an embedder name) and, where
 * known, of the expected embedder (E_EMBEDDING_MISMATCH) and dimension (E_EMBEDDING_MISMATCH).
 *
 * @example
 * checkEmbedding(query, { embedder: 'dlib-resnet34', dim: 128 });
 */
export function checkEmbedding(
  embedding: Embedding,
  expected: { embedder?: string; dim?: number; weights?: string },
  holder = 'the gallery',
): void {
  if (!embedding || !(embedding.vector instanceof Float32Array) || typeof embedding.embedder !== 'string') {
    throw new FaceKitError('E_INPUT', 'expected an embedding { vector: Float32Array, embedder: string }');
  }
  if (expected.embedder !== undefined && embedding.embedder !== expected.embedder) {
    throw new FaceKitError(
      'E_EMBEDDING_MISMATCH',
      `${holder} holds embeddings of '${expected.embedder}', got one of '${embedding.embedder}'`,
    );
  }
  assertSameWeights(holder, expected.embedder, expected.weights, embedding.weights);
  if (expected.dim !== undefined && embedding.vector.length !== expected.dim) {
    throw new FaceKitError(
      'E_EMBEDDING_MISMATCH',
      `${holder} holds ${expected.dim}-D embeddings, got ${embedding.vector.length}-D`,
    );
  }
  for (const x of embedding.vector) {
    if (!Number.isFinite(x)) throw new FaceKitError('E_INPUT', 'the embedding contains NaN or Infinity');
  }
}

function unitAndNorm(v: Float32Array): { unit: Float32Array; norm: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const norm = Math.sqrt(s);
  const unit = new Float32Array(v.length);
  if (norm === 0) return { unit, norm }; // a zero vector: cosine 0 to everything, Euclidean still exact
  for (let i = 0; i < v.length; i++) unit[i] = v[i] / norm;
  return { unit, norm };
}

/**
 * Enrolled faces and k-NN identification over their embeddings, in memory (node and browser alike).
 * Vectors are kept in an exact index; an approximate index can be plugged in for large galleries, its candidates
 * re-ranked with exact distances. Embeddings of another embedder or dimension are refused (E_EMBEDDING_MISMATCH).
 *
 * @example
 * const g = Gallery.forEmbedder(pipeline.spec);
 * g.enroll('ada', adaEmbedding);
 * const r = g.identify(queryEmbedding, { k: 3 }); // r.label ('ada' or 'unknown'), r.known, r.distance, r.matches
 */
export class Gallery {
  private embedderName: string | undefined;
  private dimension: number | undefined;
  private weightsFingerprint: string | undefined;
  private store: ExactIndex | undefined;
  private ann: VectorIndex | undefined;
  /** The approximate index's factory once decided (null: none); undefined until first needed. */
  private annChoice: VectorIndexFactory | null | undefined;
  private readonly labelOf = new Map<number, string>();
  private readonly idsOf = new Map<string, Set<number>>();
  private nextId = 1;
  readonly metric: MetricName;
  readonly indexChoice: IndexChoice;

  constructor(private readonly options: GalleryOptions = {}) {
    this.metric = options.metric ?? 'cosine';
    assertMetric(this.metric);
    this.indexChoice = options.index ?? 'auto';
    if (!['exact', 'ann', 'auto'].includes(this.indexChoice)) {
      throw new FaceKitError('E_CONFIG', `index must be 'exact', 'ann' or 'auto', got '${this.indexChoice}'`);
    }
    if (this.indexChoice === 'ann' && !this.annFactory()) {
      throw new FaceKitError('E_CONFIG', "index 'ann' needs an ANN index (options.ann is false)");
    }
    if (options.threshold !== undefined) assertThreshold(options.threshold);
    this.embedderName = options.embedder;
    this.weightsFingerprint = options.weights;
    if (options.dim !== undefined) this.init(options.dim);
  }

  /** A gallery for one embedder: its name, dimension, default metric and thresholds. */
  static forEmbedder(
    spec: Pick<EmbedderSpec, 'name' | 'dim' | 'defaultMetric' | 'thresholds'>,
    options: Omit<GalleryOptions, 'embedder' | 'dim'> = {},
  ): Gallery {
    return new Gallery({
      metric: spec.defaultMetric,
      thresholds: spec.thresholds,
      ...options,
      embedder: spec.name,
      dim: spec.dim,
    });
  }

  get embedder(): string | undefined {
    return this.embedderName;
  }

  get dim(): number | undefined {
    return this.dimension;
  }

  /** The weights fingerprint of the enrolled embeddings (Embedding.weights), once known. */
  get weights(): string | undefined {
    return this.weightsFingerprint;
  }

  get size(): number {
    return this.labelOf.size;
  }

  /** The index `identify` would use now: 'exact', the ANN index's kind, or 'ann' when it is not built yet. */
  get activeIndex(): string {
    return this.useAnn() ? (this.ann?.kind ?? 'ann') : 'exact';
  }

  /** The default threshold for a metric (Infinity when none is known). */
  thresholdFor(metric: MetricName = this.metric): number {
    if (this.options.threshold !== undefined && metric === this.metric) return this.options.threshold;
    return this.options.thresholds?.[metric] ?? Infinity;
  }

  private init(dim: number): void {
    if (!Number.isInteger(dim) || dim < 1) throw new FaceKitError('E_CONFIG', `dim must be an integer ≥ 1, got ${dim}`);
    this.dimension = dim;
    this.store = new ExactIndex(dim);
  }

  /** Throws unless the embedding fits this gallery (same embedder and dimension, finite values). */
  check(embedding: Embedding): void {
    checkEmbedding(
      embedding,
      { embedder: this.embedderName, dim: this.dimension, weights: this.weightsFingerprint },
      'this gallery',
    );
  }

  /**
   * Adds one face under a label and returns its id.
   *
   * @example
   * const id = g.enroll('ada', embedding);
   */
  enroll(label: string, embedding: Embedding, options: EnrollOptions = {}): number {
    return this.enrollMany([{ label, embedding, id: options.id }])[0];
  }

  /** Adds many faces at once (one index update); all are checked before any is added. */
  enrollMany(items: ReadonlyArray<{ label: string; embedding: Embedding; id?: number }>): number[] {
    if (items.length === 0) return [];
    const first = items[0].embedding;
    const weights = this.weightsFingerprint ?? items.find((it) => it.embedding.weights)?.embedding.weights;
    for (const it of items) {
      if (typeof it.label !== 'string' || it.label === '') {
        throw new FaceKitError('E_INPUT', 'a label must be a non-empty string');
      }
      if (this.embedderName === undefined) {
        if (it.embedding.embedder !== first.embedder || it.embedding.vector.length !== first.vector.length) {
          throw new FaceKitError('E_EMBEDDING_MISMATCH', 'the embeddings enrolled together differ in embedder or dim');
        }
      }
      this.check(it.embedding);
      assertSameWeights('this enrolment', first.embedder, weights, it.embedding.weights);
    }
    const seen = new Set<number>();
    const ids = items.map((it) => {
      const id = it.id ?? this.nextId + seen.size;
      if (!Number.isSafeInteger(id) || id < 0) throw new FaceKitError('E_INPUT', `invalid id ${id}`);
      if (this.labelOf.has(id) || seen.has(id)) throw new FaceKitError('E_INPUT', `id ${id} is already enrolled`);
      seen.add(id);
      return id;
    });
    if (this.embedderName === undefined) this.embedderName = first.embedder;
    this.weightsFingerprint = weights;
    if (this.dimension === undefined) this.init(first.vector.length);
    const d = this.dimension!;
    const units = new Float32Array(items.length * d);
    const norms = new Float64Array(items.length);
    items.forEach((it, i) => {
      const { unit, norm } = unitAndNorm(it.embedding.vector);
      units.set(unit, i * d);
      norms[i] = norm;
    });
    this.store!.add(ids, units, norms);
    this.ann?.add(ids, units);
    items.forEach((it, i) => {
      const id = ids[i];
      this.labelOf.set(id, it.label);
      let set = this.idsOf.get(it.label);
      if (!set) {
        set = new Set();
        this.idsOf.set(it.label, set);
      }
      set.add(id);
      this.nextId = Math.max(this.nextId, id + 1);
    });
    return ids;
  }

  /** Removes every face of a label; returns how many were removed. */
  remove(label: string): number {
    const ids = [...(this.idsOf.get(label) ?? [])];
    for (const id of ids) this.removeId(id);
    return ids.length;
  }

  /** Removes one face by id; false when there was none. */
  removeId(id: number): boolean {
    const label = this.labelOf.get(id);
    if (label === undefined) return false;
    this.store!.remove(id);
    this.ann?.remove(id);
    this.labelOf.delete(id);
    const set = this.idsOf.get(label)!;
    set.delete(id);
    if (set.size === 0) this.idsOf.delete(label);
    return true;
  }

  /** The label of an id. */
  labelOfId(id: number): string | undefined {
    return this.labelOf.get(id);
  }

  /** Labels and how many faces each has. */
  labels(): Map<string, number> {
    return new Map([...this.idsOf].map(([label, ids]) => [label, ids.size]));
  }

  /** The embedding enrolled under an id (a copy, rebuilt from the stored unit vector and norm). */
  embeddingOf(id: number): Embedding | undefined {
    const unit = this.store?.unitVector(id);
    if (!unit) return undefined;
    const n = this.store!.norm(id)!;
    const vector = new Float32Array(unit.length);
    for (let i = 0; i < unit.length; i++) vector[i] = unit[i] * n;
    return this.weightsFingerprint
      ? { vector, embedder: this.embedderName!, weights: this.weightsFingerprint }
      : { vector, embedder: this.embedderName! };
  }

  /** Every enrolled face. */
  *entries(): IterableIterator<GalleryEntry> {
    if (!this.store) return;
    for (const id of this.store.keys()) {
      yield { id, label: this.labelOf.get(id)!, embedding: this.embeddingOf(id)! };
    }
  }

  private useAnn(): boolean {
    if (this.indexChoice === 'exact') return false;
    if (this.indexChoice === 'auto' && this.size < (this.options.annMinSize ?? DEFAULT_ANN_MIN_SIZE)) return false;
    return this.annFactory() !== undefined;
  }

  /**
   * The approximate index's factory: the one given, else the PQ index where WebAssembly SIMD compiles (old
   * browsers: none, search stays exact); none for `ann: false`. Decided on first need, so small galleries never
   * compile the kernel.
   */
  private annFactory(): VectorIndexFactory | undefined {
    if (this.annChoice === undefined) {
      const ann = this.options.ann;
      this.annChoice = ann === false ? null : (ann ?? (pqScanSupported() ? pqIndexFactory() : null));
    }
    return this.annChoice ?? undefined;
  }

  /** Builds the ANN index from the stored vectors the first time it is needed, in chunks (with progress). */
  private ensureAnn(onProgress?: (done: number, total: number) => void): VectorIndex {
    if (!this.ann) {
      const d = this.dimension!;
      const ann = this.annFactory()!(d);
      const store = this.store!;
      const ids = [...store.keys()];
      for (let start = 0; start < ids.length; start += ANN_BUILD_CHUNK) {
        const chunk = ids.slice(start, start + ANN_BUILD_CHUNK);
        const units = new Float32Array(chunk.length * d);
        chunk.forEach((id, i) => {
          units.set(store.unitVector(id)!, i * d);
        });
        ann.add(chunk, units);
        onProgress?.(start + chunk.length, ids.length);
      }
      this.ann = ann;
    }
    return this.ann;
  }

  /**
   * Builds the ANN index now (else the first `identify` that needs it does); returns the time in ms.
   * `onProgress` gets (vectors indexed, total) after each chunk of 10,000.
   */
  buildAnn(onProgress?: (done: number, total: number) => void): number {
    const t0 = performance.now();
    if (this.annFactory() && this.dimension !== undefined) this.ensureAnn(onProgress);
    return performance.now() - t0;
  }

  private resolve(options: IdentifyOptions): { k: number; threshold: number; metric: MetricName } {
    const metric = options.metric ?? this.metric;
    assertMetric(metric);
    const k = options.k ?? 1;
    if (!Number.isInteger(k) || k < 1) throw new FaceKitError('E_CONFIG', `k must be an integer ≥ 1, got ${k}`);
    const threshold = options.threshold ?? this.thresholdFor(metric);
    assertThreshold(threshold);
    return { k, threshold, metric };
  }

  /** The k nearest faces to a query under a metric, nearest first (no vote, no threshold). */
  nearest(query: Embedding, k: number, metric: MetricName = this.metric, exact = false): GalleryMatch[] {
    this.check(query);
    if (!this.store || this.size === 0) return [];
    const { unit, norm } = unitAndNorm(query.vector);
    let hits: Array<{ id: number; distance: number }>;
    if (this.useAnn() && !exact) {
      const ann = this.ensureAnn();
      const candidates = ann.search(
        unit,
        Math.max(k, this.options.annCandidates ?? ann.candidates ?? DEFAULT_ANN_CANDIDATES),
      );
      hits = candidates
        .map((c) => ({ id: c.id, distance: this.store!.distanceTo(c.id, unit, norm, metric) }))
        .filter((h) => !Number.isNaN(h.distance))
        .sort((a, b) => a.distance - b.distance)
        .slice(0, k);
    } else {
      hits = this.store.searchMetric(unit, norm, k, metric);
    }
    return hits.map((h) => ({ id: h.id, label: this.labelOf.get(h.id)!, distance: h.distance }));
  }

  /**
   * Who is this? The k nearest faces vote (within the threshold); none within it → `unknown`.
   *
   * @example
   * const { label, known, distance, matches } = g.identify(e, { k: 5, threshold: 0.4, metric: 'cosine' });
   */
  identify(query: Embedding, options: IdentifyOptions = {}): IdentifyResult {
    const { k, threshold, metric } = this.resolve(options);
    const matches = this.nearest(query, k, metric, options.exact);
    return { ...voteLabel(matches, threshold), threshold, metric, matches };
  }

  /**
   * Identifies many queries; on the exact index they share one blocked pass over the gallery, which is several
   * times faster than one `identify` per query.
   */
  identifyMany(queries: readonly Embedding[], options: IdentifyOptions = {}): IdentifyResult[] {
    const { k, threshold, metric } = this.resolve(options);
    for (const q of queries) this.check(q);
    if (this.useAnn() && !options.exact) return queries.map((q) => this.identify(q, options));
    if (!this.store || this.size === 0) {
      return queries.map(() => ({ ...voteLabel([], threshold), threshold, metric, matches: [] }));
    }
    const d = this.dimension!;
    const units = new Float32Array(queries.length * d);
    const norms = new Float64Array(queries.length);
    queries.forEach((q, i) => {
      const { unit, norm } = unitAndNorm(q.vector);
      units.set(unit, i * d);
      norms[i] = norm;
    });
    return this.store.searchBatch(units, norms, k, metric).map((hits) => {
      const matches = hits.map((h) => ({ id: h.id, label: this.labelOf.get(h.id)!, distance: h.distance }));
      return { ...voteLabel(matches, threshold), threshold, metric, matches };
    });
  }

  /**
   * Embeds the largest face of an image with a pipeline and enrolls it; returns the id.
   *
   * @example
   * await g.enrollImage(pipeline, 'ada', imageTensor);
   */
  async enrollImage(
    pipeline: RepresentsFaces,
    label: string,
    image: Tensor3D,
    options: Omit<RepresentOptions, 'all'> = {},
  ): Promise<number> {
    const [rep] = await pipeline.represent(image, { ...options, all: false });
    return this.enroll(label, rep.embedding);
  }

  /** Identifies the largest face of an image (every face with `all`). */
  async identifyImage(
    pipeline: RepresentsFaces,
    image: Tensor3D,
    options: IdentifyOptions & RepresentOptions = {},
  ): Promise<Array<IdentifyResult & { face: Face }>> {
    const reps = await pipeline.represent(image, options);
    return reps.map((r) => ({ ...this.identify(r.embedding, options), face: r.face }));
  }

  /** Frees the indexes (native memory of an ANN index). */
  dispose(): void {
    this.ann?.dispose();
    this.ann = undefined;
    this.store?.dispose();
  }
}

function assertThreshold(t: number): void {
  if (typeof t !== 'number' || Number.isNaN(t) || t < 0) {
    throw new FaceKitError('E_CONFIG', `threshold must be a number ≥ 0 (Infinity allowed), got ${t}`);
  }
}
