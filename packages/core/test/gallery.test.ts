import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Embedding,
  ExactIndex,
  FaceKitError,
  Gallery,
  type IndexHit,
  METRICS,
  type MetricName,
  type VectorIndex,
  UNKNOWN_LABEL,
  vectorDistance,
  voteLabel,
} from '../src/index.js';
import { codeOf } from '../../../test/utils.js';

const E = (values: number[], embedder = 'toy'): Embedding => ({ vector: Float32Array.from(values), embedder });

/** An "approximate" index that is exact underneath and counts its searches. */
class CountingIndex implements VectorIndex {
  readonly kind = 'counting';
  searches = 0;
  private readonly inner: ExactIndex;
  constructor(readonly dim: number) {
    this.inner = new ExactIndex(dim);
  }
  get size() {
    return this.inner.size;
  }
  add(ids: ArrayLike<number>, v: Float32Array) {
    this.inner.add(ids, v);
  }
  remove(id: number) {
    return this.inner.remove(id);
  }
  search(q: Float32Array, k: number): IndexHit[] {
    this.searches++;
    return this.inner.search(q, k);
  }
  dispose() {
    this.inner.dispose();
  }
}

describe('Gallery', () => {
  it('identifies the nearest face with exact distances, and says unknown beyond the threshold', () => {
    const g = new Gallery({ metric: 'euclidean', threshold: 1 });
    g.enroll('ada', E([0, 0]));
    g.enroll('bob', E([3, 4]));
    const r = g.identify(E([0.3, 0.4]), { k: 2 });
    expect(r.known).toBe(true);
    expect(r.label).toBe('ada');
    expect(r.distance).toBeCloseTo(0.5, 6);
    expect(r.matches.map((m) => [m.label, m.distance])).toEqual([
      ['ada', expect.closeTo(0.5, 6)],
      ['bob', expect.closeTo(4.5, 6)],
    ]);
    const far = g.identify(E([10, 10]));
    expect(far.known).toBe(false);
    expect(far.label).toBe(UNKNOWN_LABEL);
    expect(far.distance).toBeCloseTo(Math.hypot(7, 6), 5);
    expect(g.identify(E([10, 10]), { threshold: 100 }).label).toBe('bob');
  });

  it('lets the k nearest within the threshold vote, ties going to the nearer label', () => {
    const g = new Gallery({ metric: 'euclidean', threshold: 2 });
    g.enroll('bob', E([1, 0]));
    g.enroll('ada', E([0, 1.1]));
    g.enroll('ada', E([0, 1.2]));
    g.enroll('cy', E([0, -50]));
    const q = E([0, 0]);
    expect(g.identify(q, { k: 1 }).label).toBe('bob');
    const r3 = g.identify(q, { k: 3 });
    expect(r3.label).toBe('ada');
    expect(r3.votes).toBe(2);
    expect(r3.distance).toBeCloseTo(1.1, 6);
    // k = 2: one vote each, bob is nearer.
    expect(g.identify(q, { k: 2 }).label).toBe('bob');
    // Faces beyond the threshold do not vote: with threshold 1.15 only bob and one ada count.
    expect(g.identify(q, { k: 3, threshold: 1.15 }).label).toBe('bob');
    expect(voteLabel([], 1)).toEqual({ label: UNKNOWN_LABEL, known: false, distance: Infinity, votes: 0 });
  });

  it('removes by label and by id', () => {
    const g = new Gallery({ metric: 'cosine' });
    const [a1, a2] = g.enrollMany([
      { label: 'ada', embedding: E([1, 0, 0]) },
      { label: 'ada', embedding: E([1, 0.1, 0]) },
    ]);
    const b = g.enroll('bob', E([0, 1, 0]));
    expect([a1, a2, b]).toEqual([1, 2, 3]);
    expect(g.identify(E([1, 0.05, 0])).label).toBe('ada');
    expect(g.remove('ada')).toBe(2);
    expect(g.size).toBe(1);
    expect(g.identify(E([1, 0.05, 0])).label).toBe('bob');
    expect(g.removeId(b)).toBe(true);
    expect(g.removeId(b)).toBe(false);
    expect(g.identify(E([1, 0, 0])).known).toBe(false);
    // Ids are never reused after removal.
    expect(g.enroll('cy', E([0, 0, 1]))).toBe(4);
    expect([...g.labels()]).toEqual([['cy', 1]]);
    expect(Array.from(g.embeddingOf(4)!.vector)).toEqual([0, 0, 1]);
    expect([...g.entries()]).toEqual([{ id: 4, label: 'cy', embedding: E([0, 0, 1]) }]);
    expect(g.embeddingOf(1)).toBeUndefined();
  });

  it('refuses embeddings of another embedder or dimension, and bad vectors', () => {
    const g = new Gallery({ embedder: 'facenet', dim: 3 });
    expect(codeOf(() => g.enroll('x', E([1, 0, 0], 'dlib')))).toBe('E_EMBEDDING_MISMATCH');
    expect(codeOf(() => g.enroll('x', E([1, 0], 'facenet')))).toBe('E_EMBEDDING_MISMATCH');
    g.enroll('x', E([1, 0, 0], 'facenet'));
    expect(codeOf(() => g.identify(E([1, 0, 0], 'dlib')))).toBe('E_EMBEDDING_MISMATCH');
    expect(codeOf(() => g.identify(E([1, 0, 0, 0], 'facenet')))).toBe('E_EMBEDDING_MISMATCH');
    expect(g.identify(E([0, 0, 0], 'facenet'), { metric: 'cosine' }).distance).toBe(1);
    expect(codeOf(() => g.identify(E([Number.NaN, 0, 0], 'facenet')))).toBe('E_INPUT');
    expect(codeOf(() => g.identify(E([1, 0, 0], 'facenet'), { k: 0 }))).toBe('E_CONFIG');
    expect(codeOf(() => g.identify(E([1, 0, 0], 'facenet'), { threshold: -1 }))).toBe('E_CONFIG');
    // A gallery without a declared embedder takes the first enrolment's.
    const h = new Gallery();
    h.enroll('x', E([1, 2], 'a'));
    expect([h.embedder, h.dim]).toEqual(['a', 2]);
    expect(codeOf(() => h.enroll('y', E([1, 2], 'b')))).toBe('E_EMBEDDING_MISMATCH');
    expect(
      codeOf(() =>
        new Gallery().enrollMany([
          { label: 'a', embedding: E([1]) },
          { label: 'b', embedding: E([1, 2]) },
        ]),
      ),
    ).toBe('E_EMBEDDING_MISMATCH');
  });

  it('takes the metric and thresholds of an embedder spec', () => {
    const g = Gallery.forEmbedder({
      name: 'toy',
      dim: 2,
      defaultMetric: 'euclidean',
      thresholds: { euclidean: 0.6, cosine: 0.1 },
    });
    g.enroll('ada', E([1, 0]));
    const r = g.identify(E([1.5, 0]));
    expect([r.metric, r.threshold, r.known]).toEqual(['euclidean', 0.6, true]);
    const c = g.identify(E([1, 1]), { metric: 'cosine' });
    expect(c.threshold).toBe(0.1);
    expect(c.distance).toBeCloseTo(1 - Math.SQRT1_2, 6);
    expect(c.known).toBe(false);
  });

  it('finds the same neighbours and distances as brute force, for every metric (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }),
        fc.constantFrom(...METRICS),
        fc.integer({ min: 1, max: 6 }),
        (rows, q, metric: MetricName, k) => {
          const ok = (v: number[]) => v.some((x) => Math.abs(x) > 1e-3);
          const data = rows.filter(ok);
          if (!ok(q) || data.length === 0) return;
          const g = new Gallery({ metric });
          data.forEach((v, i) => {
            g.enroll(`p${i}`, E(v));
          });
          const want = data
            .map((v, i) => ({ label: `p${i}`, d: vectorDistance(v, q, metric) }))
            .sort((a, b) => a.d - b.d)
            .slice(0, k);
          const got = g.identify(E(q), { k, threshold: Infinity }).matches;
          expect(got.length).toBe(want.length);
          got.forEach((m, i) => {
            expect(m.distance).toBeCloseTo(want[i].d, 3);
          });
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('answers a batch like one query at a time, including across block boundaries', () => {
    const rand = mulberry(3);
    const g = new Gallery({ metric: 'squared-l2', threshold: 1 });
    const unit = () => E(Array.from({ length: 16 }, () => rand() - 0.5));
    for (let i = 0; i < 700; i++) g.enroll(`p${i % 50}`, unit());
    g.removeId(5);
    g.removeId(300);
    const qs = Array.from({ length: 9 }, unit);
    const batch = g.identifyMany(qs, { k: 4 });
    qs.forEach((q, i) => {
      expect(batch[i]).toEqual(g.identify(q, { k: 4 }));
    });
    expect(batch[0].matches.every((m) => m.id !== 5 && m.id !== 300)).toBe(true);
  });

  it('plugs in an ANN index chosen by size, re-ranking its candidates exactly', () => {
    let made: CountingIndex | undefined;
    const g = new Gallery({ metric: 'euclidean-l2', ann: (d) => (made = new CountingIndex(d)), annMinSize: 3 });
    g.enroll('ada', E([1, 0]));
    g.enroll('bob', E([0, 1]));
    expect(g.activeIndex).toBe('exact');
    expect(g.identify(E([1, 0.1])).label).toBe('ada');
    expect(made).toBeUndefined();
    g.enroll('cy', E([-1, 0]));
    expect(g.activeIndex).toBe('ann');
    const r = g.identify(E([-1, 0.1]));
    expect(g.activeIndex).toBe('counting');
    expect(made!.searches).toBe(1);
    expect(made!.size).toBe(3);
    expect(r.label).toBe('cy');
    expect(r.distance).toBeCloseTo(Math.sqrt(2 - 2 / Math.hypot(1, 0.1)), 6);
    // Later enrolments and removals reach the ANN index too; `exact` bypasses it.
    g.enroll('dee', E([0, -1]));
    g.remove('cy');
    expect(made!.size).toBe(3);
    expect(g.identify(E([-1, 0.1]), { exact: true }).label).not.toBe('cy');
    expect(made!.searches).toBe(1);
    expect(codeOf(() => new Gallery({ index: 'ann', ann: false }))).toBe('E_CONFIG');
  });

  it('enrols and identifies through a pipeline', async () => {
    const pipeline = {
      represent: async (image: unknown) => {
        const v = (image as { v: number[] }).v;
        return [{ embedding: E(v), face: { box: { x: 0, y: 0, width: 1, height: 1 }, score: 1, detector: 'fake' } }];
      },
    } as unknown as Parameters<Gallery['enrollImage']>[0];
    const img = (v: number[]) => ({ v }) as unknown as Parameters<Gallery['enrollImage']>[2];
    const g = new Gallery({ threshold: 0.1 });
    expect(await g.enrollImage(pipeline, 'ada', img([1, 0]))).toBe(1);
    const [r] = await g.identifyImage(pipeline, img([1, 0.01]));
    expect([r.label, r.face.detector]).toEqual(['ada', 'fake']);
  });
});

describe('ExactIndex', () => {
  it('keeps ids right when removal moves rows', () => {
    const ix = new ExactIndex(2, 1);
    ix.add([10, 20, 30], Float32Array.from([1, 0, 0, 1, -1, 0]));
    expect(ix.remove(10)).toBe(true);
    expect(ix.remove(10)).toBe(false);
    expect(ix.size).toBe(2);
    expect(ix.search(Float32Array.from([-1, 0]), 1)).toEqual([{ id: 30, distance: 0 }]);
    expect(ix.search(Float32Array.from([0, 1]), 5).map((h) => h.id)).toEqual([20, 30]);
    expect(() => ix.add([20], Float32Array.from([1, 0]))).toThrow(FaceKitError);
  });
});

function mulberry(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
