// Online triplet selection on hand-built distance matrices, the triplet loss on a tiny example, P×K batches.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { groupByIdentity, identityBatch, stepsPerEpoch } from '../src/identity-batches.js';
import '../src/gradients.js';
import { pairwiseSquaredDistances, tripletLoss } from '../src/triplet-loss.js';
import { selectTriplets } from '../src/triplet-selection.js';

const triples = (t: { anchors: number[]; positives: number[]; negatives: number[] }) =>
  t.anchors.map((a, i) => [a, t.positives[i], t.negatives[i]]);

// Labels: 0 0 0 1 1. Symmetric squared distances chosen so every rule picks something different.
const labels = [0, 0, 0, 1, 1];
const D = [
  [0, 0.5, 0.9, 0.55, 1.3],
  [0.5, 0, 0.2, 1.0, 0.65],
  [0.9, 0.2, 0, 0.3, 2.0],
  [0.55, 1.0, 0.3, 0, 0.4],
  [1.3, 0.65, 2.0, 0.4, 0],
];

describe('selectTriplets', () => {
  it('batch-hard: farthest positive and nearest negative per anchor', () => {
    expect(triples(selectTriplets(D, labels, 'batch-hard', 0.2))).toEqual([
      [0, 2, 3], // positives 1 (0.5), 2 (0.9); negatives 3 (0.55), 4 (1.3)
      [1, 0, 4], // positives 0 (0.5), 2 (0.2); negatives 3 (1.0), 4 (0.65)
      [2, 0, 3],
      [3, 4, 2], // positive 4 (0.4); negatives 0 (0.55), 1 (1.0), 2 (0.3)
      [4, 3, 1], // negatives 0 (1.3), 1 (0.65), 2 (2.0)
    ]);
  });

  it('semi-hard: every anchor–positive pair, nearest negative in (d_ap, d_ap + α), else the hardest', () => {
    expect(triples(selectTriplets(D, labels, 'semi-hard', 0.2))).toEqual([
      [0, 1, 3], // d_ap 0.5: 0.55 in (0.5, 0.7)
      [0, 2, 3], // d_ap 0.9: none in (0.9, 1.1) → hardest 3 (0.55)
      [1, 0, 4], // d_ap 0.5: 0.65 in (0.5, 0.7)
      [1, 2, 4], // d_ap 0.2: none in (0.2, 0.4) → hardest 4
      [2, 0, 3], // d_ap 0.9: none → hardest 3 (0.3)
      [2, 1, 3], // d_ap 0.2: 0.3 in (0.2, 0.4)
      [3, 4, 0], // d_ap 0.4: 0.55 in (0.4, 0.6), although 2 (0.3) is harder
      [4, 3, 1], // d_ap 0.4: none in (0.4, 0.6) → hardest 1 (0.65)
    ]);
  });

  it('accepts a flat row-major matrix and skips anchors without a positive or a negative', () => {
    const flat = D.flat();
    expect(selectTriplets(flat, labels, 'batch-hard', 0.2)).toEqual(selectTriplets(D, labels, 'batch-hard', 0.2));
    // Identity 2 has one image: no triplet anchors on it, but it serves as a negative.
    const t = selectTriplets(
      [
        [0, 1, 3],
        [1, 0, 2],
        [3, 2, 0],
      ],
      [0, 0, 2],
      'batch-hard',
      0.2,
    );
    expect(triples(t)).toEqual([
      [0, 1, 2],
      [1, 0, 2],
    ]);
    expect(triples(selectTriplets([0, 1, 1, 0], [5, 5], 'semi-hard', 0.2))).toEqual([]);
    expect(() => selectTriplets([0, 1, 1], [0, 1], 'semi-hard', 0.2)).toThrow(/2×2/);
  });
});

describe('tripletLoss', () => {
  it('is mean max(0, d_ap − d_an + α) and its gradient pulls the anchor to the positive, away from the negative', () => {
    // 2-D unit vectors: a = (1, 0), p at 60°, n at 90°; d_ap = 1, d_an = 2 → 1 − 2 + 0.2 < 0 (inactive) for α 0.2,
    // and 1 − 2 + 1.5 = 0.5 (active) for α 1.5.
    const emb = tf.tensor2d([
      [1, 0],
      [0.5, Math.sqrt(3) / 2],
      [0, 1],
    ]);
    const t = { anchors: [0], positives: [1], negatives: [2] };
    const before = tf.memory().numTensors;
    const inactive = tripletLoss(emb, t, 0.2);
    expect(inactive.loss.dataSync()[0]).toBeCloseTo(0, 6);
    expect(inactive.active.dataSync()[0]).toBe(0);
    const active = tripletLoss(emb, t, 1.5);
    expect(active.loss.dataSync()[0]).toBeCloseTo(0.5, 5);
    expect(active.active.dataSync()[0]).toBe(1);
    tf.dispose([inactive.loss, inactive.active, active.loss, active.active]);

    const g = tf.grad((e: tf.Tensor) => tripletLoss(e as tf.Tensor2D, t, 1.5).loss)(emb);
    const [ga, gp, gn] = g.arraySync() as number[][];
    // ∂/∂a = 2(a − p) − 2(a − n) = 2(n − p); descending moves a along p − n.
    expect(ga[0]).toBeCloseTo(2 * (0 - 0.5), 5);
    expect(ga[1]).toBeCloseTo(2 * (1 - Math.sqrt(3) / 2), 5);
    // One small descent step lowers the loss: the gradient's sign is right.
    const after = tf.tidy(() => tripletLoss(tf.sub(emb, tf.mul(g, 0.05)) as tf.Tensor2D, t, 1.5).loss.dataSync()[0]);
    expect(after).toBeLessThan(0.5 - 0.05);
    expect(gp[0]).toBeCloseTo(-2 * (1 - 0.5), 5); // ∂/∂p = −2(a − p): the positive moves to the anchor
    expect(gn[0]).toBeCloseTo(2 * (1 - 0), 5); // ∂/∂n = 2(a − n): the negative moves away
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    emb.dispose();
  });

  it('pairwise squared distances match the direct formula', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
      [0, 0.5],
    ]);
    const d = pairwiseSquaredDistances(x);
    expect(d.arraySync()[0][1]).toBeCloseTo(4 + 9, 4);
    expect(d.arraySync()[2][0]).toBeCloseTo(1 + 2.25, 4);
    expect(d.arraySync()[1][1]).toBeCloseTo(0, 4);
    tf.dispose([x, d]);
  });
});

describe('identity batches', () => {
  it('draws P identities × K images, reproducibly, from identities with ≥ 2 images', () => {
    const labels = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4, 4];
    const groups = groupByIdentity(labels);
    expect(groups.length).toBe(4); // identity 2 has one image
    const b = { identities: 2, perIdentity: 2 };
    expect(stepsPerEpoch(groups.length, b)).toBe(2);
    const batch = identityBatch(groups, b, 7, 0, 0);
    expect(batch).toHaveLength(4);
    const ids = batch.map((i) => labels[i]);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(ids[0]).not.toBe(ids[2]);
    expect(identityBatch(groups, b, 7, 0, 0)).toEqual(batch);
    const epoch = [...identityBatch(groups, b, 7, 0, 0), ...identityBatch(groups, b, 7, 0, 1)].map((i) => labels[i]);
    expect(new Set(epoch).size).toBe(4); // each usable identity once per epoch
    expect(() => stepsPerEpoch(1, b)).toThrow(/≥ 2 identities/);
  });
});
