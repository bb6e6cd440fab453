import { FaceKitError } from '../errors.js';

/**
 * BCubed precision, recall and F1 of a clustering against the true labels.
 *
 * @example
 * const { precision, recall, f1 }: BCubedScore = bcubed(result.labels, trueLabels);
 */
export interface BCubedScore {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * BCubed precision, recall and F1 of a clustering against true classes (Bagga & Baldwin; Amigó et al. 2009):
 * per item, precision is the share of its cluster that has its class, recall the share of its class that is in its
 * cluster; both averaged over items. Computed from the cluster × class contingency counts in O(n).
 *
 * @example
 * bcubed([0, 0, 1], ['a', 'a', 'b']) // { precision: 1, recall: 1, f1: 1 }
 */
export function bcubed(predicted: ArrayLike<number | string>, truth: ArrayLike<number | string>): BCubedScore {
  const n = predicted.length;
  if (n !== truth.length) {
    throw new FaceKitError('E_INPUT', `predicted and truth differ in length (${n} vs ${truth.length})`);
  }
  if (n === 0) throw new FaceKitError('E_INPUT', 'BCubed of an empty clustering');
  const clusterSize = new Map<number | string, number>();
  const classSize = new Map<number | string, number>();
  const joint = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    clusterSize.set(predicted[i], (clusterSize.get(predicted[i]) ?? 0) + 1);
    classSize.set(truth[i], (classSize.get(truth[i]) ?? 0) + 1);
    const key = JSON.stringify([predicted[i], truth[i]]);
    joint.set(key, (joint.get(key) ?? 0) + 1);
  }
  // Each of the n_cl items in cluster c and class l has precision n_cl / n_c and recall n_cl / n_l.
  let p = 0;
  let r = 0;
  for (const [key, ncl] of joint) {
    const [c, l] = JSON.parse(key) as [number | string, number | string];
    p += (ncl * ncl) / clusterSize.get(c)!;
    r += (ncl * ncl) / classSize.get(l)!;
  }
  p /= n;
  r /= n;
  return { precision: p, recall: r, f1: p + r === 0 ? 0 : (2 * p * r) / (p + r) };
}
