import { describe, expect, it } from 'vitest';
import {
  ClusterAssignments,
  clusterEmbeddings,
  clusterIncrementally,
  decideCluster,
  type Embedding,
  FaceKitError,
  gaussian,
  seededRandom,
  shuffle,
} from '../src/index.js';
import { bcubed } from '../src/eval/index.js';

/** `people` identities of `per` faces each: a random unit centre plus noise of `spread` per coordinate. */
function planted(people: number, per: number, dim: number, spread: number, seed: number) {
  const rand = seededRandom(seed);
  const faces: Array<{ person: number; embedding: Embedding }> = [];
  for (let p = 0; p < people; p++) {
    const centre = Array.from({ length: dim }, () => gaussian(rand));
    for (let i = 0; i < per; i++) {
      const vector = Float32Array.from(centre, (c) => c + spread * gaussian(rand));
      faces.push({ person: p, embedding: { vector, embedder: 'toy' } });
    }
  }
  return shuffle(faces, rand);
}

describe('decideCluster', () => {
  const nb = (id: number, distance: number, cluster: number) => ({ id, distance, cluster });

  it('joins the cluster of the lowest mean distance over its neighbours, within the threshold', () => {
    // Cluster 6 has the nearest face, but cluster 5's faces are nearer on average.
    expect(decideCluster([nb(1, 0.1, 5), nb(2, 0.05, 6), nb(3, 0.3, 6), nb(4, 0.11, 5)], 0.2)).toEqual({
      cluster: 5,
      merge: [],
    });
    // One close face of a cluster whose other faces are far does not pull the face in.
    expect(decideCluster([nb(1, 0.1, 5), nb(2, 0.4, 5), nb(3, 0.45, 5)], 0.2)).toEqual({ merge: [] });
  });

  it('starts a new cluster when nothing is within the threshold', () => {
    expect(decideCluster([nb(1, 0.3, 5)], 0.2)).toEqual({ merge: [] });
    expect(decideCluster([], 0.2)).toEqual({ merge: [] });
  });

  it("merges every linked cluster into the winner only under 'merge'", () => {
    const n = [nb(1, 0.1, 5), nb(2, 0.12, 5), nb(3, 0.15, 6), nb(4, 0.5, 7)]; // means 0.11, 0.15, 0.5
    expect(decideCluster(n, 0.2, 'join')).toEqual({ cluster: 5, merge: [] });
    expect(decideCluster(n, 0.2, 'merge')).toEqual({ cluster: 5, merge: [6] });
  });
});

describe('ClusterAssignments', () => {
  it('assigns, merges and hands out unused ids', () => {
    const a = new ClusterAssignments([
      [10, 0],
      [11, 3],
    ]);
    expect(a.newCluster()).toBe(4);
    a.assign(12, 3);
    expect(a.merge(3, 0)).toBe(2);
    expect([a.clusterOf(11), a.clusterOf(12), a.clusters, a.size]).toEqual([0, 0, 1, 3]);
    expect(() => a.assign(10, 1)).toThrow(FaceKitError);
  });
});

describe('clusterIncrementally', () => {
  it('finds planted identities one face at a time, as well as batch agglomerative', () => {
    const faces = planted(12, 8, 32, 0.25, 3);
    const truth = faces.map((f) => f.person);
    const embeddings = faces.map((f) => f.embedding);
    // Same-person cosine distances here are ≈ 0.06, different people ≈ 1: 0.3 separates them.
    const inc = clusterIncrementally(embeddings, { threshold: 0.3 });
    expect(bcubed(inc.labels, truth).f1).toBe(1);
    expect(inc.stats).toEqual({ joined: 84, created: 12, merged: 0 });
    const batch = clusterEmbeddings(embeddings, { threshold: 0.3 });
    expect(bcubed(batch.labels, truth).f1).toBe(1);
  });

  it('keeps the labels of the already clustered faces and adds the rest', () => {
    const faces = planted(5, 6, 16, 0.2, 9);
    const embeddings = faces.map((f) => f.embedding);
    const initial = Int32Array.from(faces.slice(0, 15), (f) => 100 + f.person);
    const r = clusterIncrementally(embeddings, { threshold: 0.3, initial });
    expect(Array.from(r.labels.slice(0, 15))).toEqual(Array.from(initial));
    // A later face of a person seen in the first half carries that person's old label.
    faces.forEach((f, i) => {
      const seen = faces.slice(0, 15).findIndex((g) => g.person === f.person);
      if (seen >= 0) expect(r.labels[i]).toBe(initial[seen]);
    });
  });

  it("a face between two clusters merges them under 'merge' and not under 'join'", () => {
    const e = (x: number, y: number): Embedding => ({ vector: Float32Array.from([x, y]), embedder: 'toy' });
    // Two tight groups 20° apart (cosine distance 0.06) and a face halfway (0.015 to each); threshold 0.02.
    const rad = (deg: number) => (deg * Math.PI) / 180;
    const at = (deg: number) => e(Math.cos(rad(deg)), Math.sin(rad(deg)));
    const faces = [at(0), at(1), at(20), at(21), at(10.5)];
    const join = clusterIncrementally(faces, { threshold: 0.02, bridge: 'join' });
    expect(new Set(join.labels).size).toBe(2);
    const merge = clusterIncrementally(faces, { threshold: 0.02, bridge: 'merge' });
    expect(new Set(merge.labels).size).toBe(1);
    expect(merge.stats.merged).toBe(1);
  });

  it('refuses bad options', () => {
    const e = [{ vector: Float32Array.from([1, 0]), embedder: 'toy' }];
    expect(() => clusterIncrementally(e, { threshold: -1 })).toThrow(/threshold/);
    expect(() => clusterIncrementally(e, { threshold: 0.1, links: 0 })).toThrow(/links/);
    expect(() => clusterIncrementally(e, { threshold: 0.1, bridge: 'x' as 'join' })).toThrow(/bridge/);
  });
});
