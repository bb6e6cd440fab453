import { FaceKitError, seededRandom, shuffle } from '@facekit/core';
import { streamSeed } from '@facekit/core/training';

/**
 * How a triplet-training batch is drawn: P identities × K images each.
 *
 * @example
 * const batching: IdentityBatching = { identities: 8, perIdentity: 4 }; // batches of up to 32 images
 */
export interface IdentityBatching {
  /** P: identities per batch. */
  identities: number;
  /** K: images per identity (fewer when an identity has fewer). */
  perIdentity: number;
}

/**
 * Sample indices per identity, keeping only identities with ≥ 2 samples (an anchor needs a positive).
 *
 * @example
 * groupByIdentity([0, 1, 0, 2, 1]); // [[0, 2], [1, 4]] (identity 2 has one image)
 */
export function groupByIdentity(labels: ArrayLike<number>): number[][] {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byLabel.get(labels[i]) ?? [];
    list.push(i);
    byLabel.set(labels[i], list);
  }
  return [...byLabel.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, idx]) => idx)
    .filter((idx) => idx.length >= 2);
}

/**
 * Batches per epoch: every full group of P usable identities (all of them in one batch when fewer than P).
 *
 * @example
 * stepsPerEpoch(groupByIdentity(labels).length, { identities: 8, perIdentity: 4 }); // e.g. 20 identities → 2
 */
export function stepsPerEpoch(usableIdentities: number, b: IdentityBatching): number {
  if (usableIdentities < 2) {
    throw new FaceKitError('E_INPUT', 'triplet training needs ≥ 2 identities with ≥ 2 images each');
  }
  return Math.max(1, Math.floor(usableIdentities / b.identities));
}

/**
 * The sample indices of batch `step` of `epoch`: identities shuffled per epoch (seeded), cut into groups of P, and
 * K images drawn per identity. Identities left over in an epoch come first in another epoch's shuffle.
 *
 * @example
 * identityBatch(groupByIdentity(labels), { identities: 4, perIdentity: 4 }, 1, 0, 2); // 16 indices
 */
export function identityBatch(
  groups: number[][],
  b: IdentityBatching,
  seed: number,
  epoch: number,
  step: number,
): number[] {
  const p = Math.min(b.identities, groups.length);
  const order = shuffle(
    groups.map((_, i) => i),
    seededRandom(streamSeed(seed, epoch)),
  );
  const rand = seededRandom(streamSeed(seed ^ 0x5bd1e995, epoch * 65_536 + step));
  return order.slice(step * p, (step + 1) * p).flatMap((g) => shuffle([...groups[g]], rand).slice(0, b.perIdentity));
}
