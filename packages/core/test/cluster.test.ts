import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agglomerative,
  chineseWhispers,
  CLUSTER_THRESHOLD_SCALE,
  clusterEmbeddings,
  defaultClusterThreshold,
  type DistanceMatrix,
  type Embedding,
  FaceKitError,
  gaussian,
  kmeans,
  pairwiseDistances,
  seededRandom,
  silhouette,
} from '../src/index.js';
import { bcubed } from '../src/eval/index.js';

/** A partition as a sorted list of sorted groups, to compare clusterings regardless of label names. */
function partition(labels: ArrayLike<number>): number[][] {
  const g = new Map<number, number[]>();
  Array.from(labels).forEach((l, i) => {
    g.set(l, [...(g.get(l) ?? []), i]);
  });
  return [...g.values()].sort((a, b) => a[0] - b[0]);
}

const line = (xs: number[]) =>
  pairwiseDistances(
    xs.map((x) => [x]),
    'euclidean',
  );

/** Gaussian blobs: `per` points around each centre, σ = spread; returns points and true labels. */
function blobs(centres: number[][], per: number, spread: number, seed: number) {
  const rand = seededRandom(seed);
  const points: Float32Array[] = [];
  const truth: number[] = [];
  centres.forEach((c, ci) => {
    for (let i = 0; i < per; i++) {
      points.push(Float32Array.from(c, (x) => x + spread * gaussian(rand)));
      truth.push(ci);
    }
  });
  return { points, truth };
}

/** Naive O(n³) agglomerative clustering, the reference for the NN-chain version. */
function naiveAgglomerative(D: DistanceMatrix, threshold: number, linkage: 'single' | 'complete' | 'average') {
  let clusters = Array.from({ length: D.n }, (_, i) => [i]);
  const link = (a: number[], b: number[]) => {
    const ds = a.flatMap((i) => b.map((j) => D.data[i * D.n + j]));
    return linkage === 'single'
      ? Math.min(...ds)
      : linkage === 'complete'
        ? Math.max(...ds)
        : ds.reduce((s, x) => s + x, 0) / ds.length;
  };
  for (;;) {
    let best = { d: Infinity, i: -1, j: -1 };
    for (let i = 0; i < clusters.length; i++)
      for (let j = i + 1; j < clusters.length; j++) {
        const d = link(clusters[i], clusters[j]);
        if (d < best.d) best = { d, i, j };
      }
    if (best.d > threshold) break;
    const merged = [...clusters[best.i], ...clusters[best.j]].sort((a, b) => a - b);
    clusters = clusters.filter((_, k) => k !== best.i && k !== best.j).concat([merged]);
  }
  return clusters.sort((a, b) => a[0] - b[0]);
}

describe('bcubed', () => {
  it('matches a hand computation', () => {
    // Cluster 0 = {a, a, b}, cluster 1 = {b, b}: precision = recall = (2/3 + 2/3 + 1/3 + 1 + 1) / 5 = 11/15.
    const s = bcubed([0, 0, 0, 1, 1], ['a', 'a', 'b', 'b', 'b']);
    expect(s.precision).toBeCloseTo(11 / 15, 12);
    expect(s.recall).toBeCloseTo(11 / 15, 12);
    expect(s.f1).toBeCloseTo(11 / 15, 12);
    expect(bcubed([0, 1, 2], ['a', 'a', 'a'])).toEqual({ precision: 1, recall: 1 / 3, f1: 0.5 });
    expect(bcubed([0, 0, 0], ['a', 'b', 'c']).precision).toBeCloseTo(1 / 3, 12);
    expect(() => bcubed([0], [0, 1])).toThrow(FaceKitError);
  });
});

describe('silhouette', () => {
  it('matches a hand computation', () => {
    // Item 0: a = 1, b = 10.5; item 1: a = 1, b = 9.5; items 2, 3 mirror them.
    const want = ((10.5 - 1) / 10.5 + (9.5 - 1) / 9.5) / 2;
    expect(silhouette(line([0, 1, 10, 11]), [0, 0, 1, 1])).toBeCloseTo(want, 6);
    expect(silhouette(line([0, 1, 10, 11]), [0, 1, 0, 1])).toBeLessThan(0);
  });
});

describe('kmeans', () => {
  const centres = [
    [0, 0, 0],
    [10, 0, 0],
    [0, 10, 0],
    [0, 0, 10],
  ];
  it('recovers well-separated blobs exactly, the same for the same seed', () => {
    const { points, truth } = blobs(centres, 25, 0.8, 11);
    const a = kmeans(points, { k: 4, seed: 3 });
    expect(partition(a.assignments)).toEqual(partition(truth));
    expect(a.centroids).toHaveLength(4);
    const b = kmeans(points, { k: 4, seed: 3 });
    expect(Array.from(b.assignments)).toEqual(Array.from(a.assignments));
    expect(b.inertia).toBe(a.inertia);
    // Inertia ≈ n · dim · σ² for the right clustering.
    expect(a.inertia / (100 * 3 * 0.64)).toBeGreaterThan(0.7);
    expect(a.inertia / (100 * 3 * 0.64)).toBeLessThan(1.3);
  });
  it('copes with duplicate points and refuses k > n', () => {
    const pts = [
      [1, 1],
      [1, 1],
      [1, 1],
      [5, 5],
    ];
    expect(partition(kmeans(pts, { k: 2 }).assignments)).toEqual([[0, 1, 2], [3]]);
    expect(() => kmeans(pts, { k: 5 })).toThrow(FaceKitError);
  });
  it('chooses k by silhouette', () => {
    const { points, truth } = blobs(centres, 15, 0.8, 5);
    const r = clusterEmbeddings(
      points.map((vector) => ({ vector, embedder: 'toy' })),
      { method: 'kmeans', metric: 'euclidean', kRange: [2, 8], seed: 2 },
    );
    expect(r.clusters).toHaveLength(4);
    expect(partition(r.labels)).toEqual(partition(truth));
    expect(r.silhouette).toBeGreaterThan(0.8);
  });
});

describe('agglomerative', () => {
  it('cuts hand-built dendrograms per linkage', () => {
    const D = line([0, 1, 2.1, 3.2, 4.4]);
    expect(partition(agglomerative(D, { threshold: 1.5, linkage: 'single' }))).toEqual([[0, 1, 2, 3, 4]]);
    expect(partition(agglomerative(D, { threshold: 1.5, linkage: 'complete' }))).toEqual([[0, 1], [2, 3], [4]]);
    expect(partition(agglomerative(D, { threshold: 1.5, linkage: 'average' }))).toEqual([[0, 1], [2, 3], [4]]);
    expect(partition(agglomerative(D, { threshold: 0.5 }))).toEqual([[0], [1], [2], [3], [4]]);
    expect(partition(agglomerative(line([0, 0.1, 0.2, 5, 5.1, 10]), { threshold: 1 }))).toEqual([
      [0, 1, 2],
      [3, 4],
      [5],
    ]);
  });
  it('equals the naive algorithm on seeded random points at several cuts', () => {
    const rand = seededRandom(1);
    const D = pairwiseDistances(
      Array.from({ length: 40 }, () => [rand() * 10, rand() * 10]),
      'euclidean',
    );
    for (const linkage of ['single', 'complete', 'average'] as const) {
      for (const t of [0.5, 1, 2, 3, 4, 5]) {
        expect(partition(agglomerative(D, { threshold: t, linkage }))).toEqual(naiveAgglomerative(D, t, linkage));
      }
    }
  });
  it('equals the naive algorithm on random data (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true })), {
          minLength: 2,
          maxLength: 25,
        }),
        fc.double({ min: 0.5, max: 6, noNaN: true }),
        fc.constantFrom('single' as const, 'complete' as const, 'average' as const),
        (pts, t, linkage) => {
          const D = pairwiseDistances(pts, 'euclidean');
          expect(partition(agglomerative(D, { threshold: t, linkage }))).toEqual(naiveAgglomerative(D, t, linkage));
        },
      ),
      { numRuns: 150, seed: 3 },
    );
  });
});

describe('chineseWhispers', () => {
  it('finds the connected groups of a hand-built graph', () => {
    // Two triangles far apart and a lone point.
    const D = pairwiseDistances(
      [
        [0, 0],
        [0, 1],
        [1, 0],
        [20, 20],
        [20, 21],
        [21, 20],
        [50, 50],
      ],
      'euclidean',
    );
    expect(partition(chineseWhispers(D, { threshold: 1.5, seed: 4 }))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });
  it('recovers synthetic identities on the unit sphere', () => {
    const rand = seededRandom(9);
    const ids = Array.from({ length: 6 }, () => Array.from({ length: 64 }, () => gaussian(rand)));
    const { points, truth } = blobs(ids, 12, 0.15, 21);
    const emb: Embedding[] = points.map((vector) => ({ vector, embedder: 'toy' }));
    for (const method of ['chinese-whispers', 'agglomerative'] as const) {
      const r = clusterEmbeddings(emb, { method, threshold: 0.3, seed: 1 });
      expect(partition(r.labels)).toEqual(partition(truth));
      expect(bcubed(r.labels, truth).f1).toBe(1);
    }
  });
});

describe('clusterEmbeddings', () => {
  it('orders clusters by size and refuses mixed embedders', () => {
    const e = (v: number[], embedder = 'toy'): Embedding => ({ vector: Float32Array.from(v), embedder });
    const r = clusterEmbeddings([e([1, 0]), e([0, 1]), e([0.1, 1]), e([0, 1.1])], { threshold: 0.1 });
    expect(Array.from(r.labels)).toEqual([1, 0, 0, 0]);
    expect(r.clusters).toEqual([[1, 2, 3], [0]]);
    expect(() => clusterEmbeddings([e([1, 0]), e([1, 0], 'other')], { threshold: 0.1 })).toThrow(/cannot cluster/);
    expect(() => clusterEmbeddings([e([1, 0]), e([1, 0])], { method: 'agglomerative' })).toThrow(FaceKitError);
    expect(clusterEmbeddings([], { threshold: 1 }).clusters).toEqual([]);
  });
});

describe('defaultClusterThreshold', () => {
  it('tightens the verification threshold by the same distance whichever metric measures it', () => {
    // Thresholds of unit vectors that agree: cosine = l2² / 2, squared-l2 = l2².
    const l2 = 0.42;
    const spec = { thresholds: { 'euclidean-l2': l2, cosine: (l2 * l2) / 2, 'squared-l2': l2 * l2 } };
    for (const method of ['agglomerative', 'chinese-whispers'] as const) {
      const share = CLUSTER_THRESHOLD_SCALE[method];
      const linkL2 = defaultClusterThreshold(spec, method, 'euclidean-l2')!;
      expect(linkL2).toBeCloseTo(share * l2, 12);
      // The same link distance, expressed in the squared metrics.
      expect(defaultClusterThreshold(spec, method, 'cosine')).toBeCloseTo((linkL2 * linkL2) / 2, 12);
      expect(defaultClusterThreshold(spec, method, 'squared-l2')).toBeCloseTo(linkL2 * linkL2, 12);
      expect(defaultClusterThreshold(spec, method, 'euclidean')).toBeUndefined();
    }
  });
});
