import { describe, expect, it } from 'vitest';
import {
  chineseWhispers,
  type ClusterOptions,
  clusterEmbeddings,
  clusterKnnGraph,
  type Embedding,
  exactKnn,
  gaussian,
  ivfKnn,
  kmeans,
  KNN_GRAPH_MERGE_SCALE,
  KNN_GRAPH_THRESHOLD_SCALE,
  MAX_PAIRWISE_ITEMS,
  mergeByAverageLinkage,
  packVectors,
  pairwiseDistances,
  seededRandom,
} from '../src/index.js';
import { bcubed } from '../src/eval/index.js';
import { codeOf } from '../../../test/utils.js';

/** Planted people: unit-length centres in `dim` dimensions, each photo = centre + σ noise, normalised. */
function people(count: number, per: (p: number) => number, dim: number, sigma: number, seed: number) {
  const rand = seededRandom(seed);
  const vectors: Float32Array[] = [];
  const truth: number[] = [];
  for (let p = 0; p < count; p++) {
    const c = Float32Array.from({ length: dim }, () => gaussian(rand) / Math.sqrt(dim));
    for (let i = 0; i < per(p); i++) {
      const v = Float32Array.from(c, (x) => x + (sigma * gaussian(rand)) / Math.sqrt(dim));
      const norm = Math.hypot(...v);
      vectors.push(v.map((x) => x / norm));
      truth.push(p);
    }
  }
  return { vectors, truth };
}

function partition(labels: ArrayLike<number>): number[][] {
  const g = new Map<number, number[]>();
  Array.from(labels).forEach((l, i) => {
    g.set(l, [...(g.get(l) ?? []), i]);
  });
  return [...g.values()].sort((a, b) => a[0] - b[0]);
}

describe('kNN graphs', () => {
  it('exactKnn finds the brute-force nearest neighbours, nearest first, under the metric', () => {
    const { vectors } = people(30, () => 5, 16, 0.5, 1);
    const p = packVectors(vectors, 'cosine');
    const g = exactKnn(p, { k: 7 });
    const D = pairwiseDistances(vectors, 'cosine');
    for (let i = 0; i < p.n; i++) {
      const want = Array.from({ length: p.n }, (_, j) => j)
        .filter((j) => j !== i)
        .sort((a, b) => D.data[i * p.n + a] - D.data[i * p.n + b])
        .slice(0, 7);
      expect(Array.from(g.neighbours.subarray(i * 7, i * 7 + 7))).toEqual(want);
      for (let s = 0; s < 7; s++) expect(g.distances[i * 7 + s]).toBeCloseTo(D.data[i * p.n + want[s]], 5);
    }
  });

  it('exactKnn agrees with the euclidean matrix on raw vectors', () => {
    const { vectors } = people(10, () => 4, 8, 0.3, 2);
    const raw = vectors.map((v, i) => v.map((x) => x * (1 + (i % 3))));
    const g = exactKnn(packVectors(raw, 'euclidean'), { k: 3 });
    const D = pairwiseDistances(raw, 'euclidean');
    for (let i = 0; i < raw.length; i++) {
      const j = g.neighbours[i * 3];
      expect(g.distances[i * 3]).toBeCloseTo(D.data[i * raw.length + j], 4);
      for (let o = 0; o < raw.length; o++)
        if (o !== i) expect(D.data[i * raw.length + o]).toBeGreaterThanOrEqual(g.distances[i * 3] - 1e-5);
    }
  });

  it('ivfKnn recalls most of the exact neighbours, and over 90 % of the links under the threshold', () => {
    const { vectors } = people(600, (p) => 1 + (p % 7), 32, 0.45, 3);
    const p = packVectors(vectors, 'cosine');
    const exact = exactKnn(p, { k: 10 });
    const approx = ivfKnn(p, { k: 10, cellSize: 64, probe: 6 });
    let hits = 0;
    let links = 0;
    let linkHits = 0;
    const threshold = 0.2;
    for (let i = 0; i < p.n; i++) {
      const got = new Set(approx.neighbours.subarray(i * 10, i * 10 + 10));
      for (let s = i * 10; s < i * 10 + 10; s++) {
        if (got.has(exact.neighbours[s])) hits++;
        if (exact.distances[s] <= threshold) {
          links++;
          if (got.has(exact.neighbours[s])) linkHits++;
        }
      }
    }
    expect(links).toBeGreaterThan(1000);
    expect(hits / (p.n * 10)).toBeGreaterThan(0.7); // 0.73 measured: far neighbours (unlinked) are missed first
    expect(linkHits / links).toBeGreaterThan(0.9); // 0.93 measured (probe 6 of ~90 cells)
    // Searching every cell is the exact search.
    const all = ivfKnn(p, { k: 10, cellSize: 64, probe: 1000 });
    expect(Array.from(all.neighbours)).toEqual(Array.from(exact.neighbours));
  });
});

describe('clustering a kNN graph', () => {
  it('with k = n − 1, Chinese whispers gives the full-matrix labels exactly', () => {
    const { vectors } = people(25, (p) => 1 + (p % 6), 16, 0.6, 4);
    const p = packVectors(vectors, 'cosine');
    const full = chineseWhispers(pairwiseDistances(vectors, 'cosine'), { threshold: 0.3, seed: 9 });
    const graph = clusterKnnGraph(exactKnn(p, { k: p.n - 1 }), { threshold: 0.3, seed: 9 });
    expect(Array.from(graph)).toEqual(Array.from(full));
  });

  it('with k = 10, the kNN graph finds the full-matrix clusters of separated people; singletons stay alone', () => {
    const { vectors, truth } = people(120, (p) => (p % 3 === 0 ? 1 : 2 + (p % 9)), 32, 0.3, 5);
    const threshold = 0.15;
    const full = clusterEmbeddings(
      vectors.map((vector) => ({ vector, embedder: 'toy' })),
      { method: 'chinese-whispers', threshold, graph: 'full' },
    );
    const knn = clusterEmbeddings(
      vectors.map((vector) => ({ vector, embedder: 'toy' })),
      { method: 'chinese-whispers', threshold, graph: 'exact-knn' },
    );
    expect(knn.graph).toBe('exact-knn');
    expect(partition(knn.labels)).toEqual(partition(full.labels));
    expect(bcubed(knn.labels, truth).f1).toBeGreaterThan(0.99);
    for (const [i, c] of knn.clusters.entries()) if (c.length === 1) expect(knn.labels[c[0]]).toBe(i);
    const components = clusterKnnGraph(exactKnn(packVectors(vectors, 'cosine'), { k: 10 }), {
      threshold,
      method: 'components',
    });
    expect(bcubed(components, truth).f1).toBeGreaterThan(0.99);
  });

  it('average-linkage merging joins the pieces of a spread-out person and nothing else', () => {
    const { vectors, truth } = people(40, () => 12, 32, 0.5, 6);
    const p = packVectors(vectors, 'cosine');
    const g = exactKnn(p, { k: 10 });
    const tight = clusterKnnGraph(g, { threshold: 0.1, method: 'components' });
    const merged = mergeByAverageLinkage(p, g, tight, { threshold: 0.35 });
    expect(partition(tight).length).toBeGreaterThan(40);
    expect(bcubed(merged, truth).f1).toBeGreaterThan(bcubed(tight, truth).f1);
    expect(bcubed(merged, truth).precision).toBe(1);
  });

  it('clusterEmbeddings merges on the kNN graph by default: the merge threshold in the metric, false turns it off', () => {
    const { vectors, truth } = people(40, () => 12, 32, 0.5, 6);
    const embeddings: Embedding[] = vectors.map((vector) => ({ vector, embedder: 'toy' }));
    const run = (options: Partial<ClusterOptions>) =>
      clusterEmbeddings(embeddings, { method: 'chinese-whispers', graph: 'exact-knn', ...options }).labels;
    const alone = run({ threshold: 0.1, mergeThreshold: false });
    const merged = run({ threshold: 0.1, mergeThreshold: 0.35 });
    expect(bcubed(merged, truth).recall).toBeGreaterThan(bcubed(alone, truth).recall + 0.1);
    expect(bcubed(merged, truth).precision).toBe(1);
    // The default merges at threshold × (KNN_GRAPH_MERGE_SCALE / KNN_GRAPH_THRESHOLD_SCALE), squared for cosine.
    const ratio = KNN_GRAPH_MERGE_SCALE / KNN_GRAPH_THRESHOLD_SCALE;
    expect(partition(run({ threshold: 0.3 }))).toEqual(
      partition(run({ threshold: 0.3, mergeThreshold: 0.3 * ratio ** 2 })),
    );
    const l2 = Math.sqrt(2 * 0.3);
    const byL2 = run({ threshold: l2, metric: 'euclidean-l2' });
    expect(partition(byL2)).toEqual(
      partition(run({ threshold: l2, metric: 'euclidean-l2', mergeThreshold: l2 * ratio })),
    );
    expect(partition(byL2)).toEqual(partition(run({ threshold: 0.3 })));
    // Raw euclidean vectors have no average cosine: no merge.
    expect(partition(run({ threshold: 0.5, metric: 'euclidean' }))).toEqual(
      partition(run({ threshold: 0.5, metric: 'euclidean', mergeThreshold: false })),
    );
    expect(codeOf(() => run({ threshold: 0.1, mergeThreshold: -1 }))).toBe('E_CONFIG');
  });

  it('refuses a negative threshold and an unknown method', () => {
    const g = exactKnn(
      packVectors(
        [
          [1, 0],
          [0, 1],
        ],
        'cosine',
      ),
      { k: 1 },
    );
    expect(codeOf(() => clusterKnnGraph(g, { threshold: -1 }))).toBe('E_CONFIG');
    expect(codeOf(() => clusterKnnGraph(g, { threshold: 1, method: 'x' as 'components' }))).toBe('E_CONFIG');
  });
});

describe('clusterEmbeddings at size', () => {
  it(`clusters more than ${MAX_PAIRWISE_ITEMS} faces on an approximate kNN graph instead of refusing`, () => {
    const { vectors, truth } = people(6200, (p) => 1 + (p % 9), 16, 0.25, 7);
    expect(vectors.length).toBeGreaterThan(MAX_PAIRWISE_ITEMS);
    expect(codeOf(() => pairwiseDistances(vectors, 'cosine'))).toBe('E_CONFIG');
    const embeddings: Embedding[] = vectors.map((vector) => ({ vector, embedder: 'toy' }));
    const calls: number[] = [];
    const r = clusterEmbeddings(embeddings, {
      method: 'agglomerative',
      threshold: 0.12,
      onProgress: (d) => calls.push(d),
    });
    expect(r.graph).toBe('ivf-knn');
    expect(bcubed(r.labels, truth).f1).toBeGreaterThan(0.93); // 0.952: 6,200 people crowd 16 dimensions
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.every((d, i) => i === 0 || d >= calls[i - 1])).toBe(true);
    expect(calls.at(-1)).toBe(vectors.length);
  });

  it('aborts the kNN graph and k-means between blocks with E_ABORTED', () => {
    const { vectors } = people(800, () => 8, 16, 0.3, 8);
    const embeddings: Embedding[] = vectors.map((vector) => ({ vector, embedder: 'toy' }));
    const controller = new AbortController();
    let calls = 0;
    const abortAtFirst = () => {
      calls++;
      controller.abort();
    };
    expect(
      codeOf(() =>
        clusterEmbeddings(embeddings, {
          method: 'chinese-whispers',
          threshold: 0.1,
          signal: controller.signal,
          onProgress: abortAtFirst,
        }),
      ),
    ).toBe('E_ABORTED');
    expect(calls).toBe(1);
    const k = new AbortController();
    let iterations = 0;
    expect(
      codeOf(() =>
        kmeans(vectors, {
          k: 50,
          signal: k.signal,
          onProgress: () => {
            if (++iterations === 2) k.abort();
          },
        }),
      ),
    ).toBe('E_ABORTED');
    expect(iterations).toBe(2);
  });
});
