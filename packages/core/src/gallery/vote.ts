import type { MetricName } from '../metrics.js';

/**
 * The label of an identification whose neighbours are all beyond the threshold. Check `known`, not the string.
 *
 * @example
 * const r = await gallery.identify(query);
 * if (!r.known) console.log(r.label === UNKNOWN_LABEL); // true
 */
export const UNKNOWN_LABEL = 'unknown';

/**
 * One enrolled face near the query.
 *
 * @example
 * const r = await gallery.identify(query, { k: 3 });
 * for (const m of r.matches as GalleryMatch[]) console.log(m.label, m.distance);
 */
export interface GalleryMatch {
  id: number;
  label: string;
  distance: number;
}

/**
 * What `identify` answers.
 *
 * @example
 * const r: IdentifyResult = gallery.identify(query);
 * console.log(r.known ? r.label : 'unknown', r.distance);
 */
export interface IdentifyResult {
  /** The voted label, or UNKNOWN_LABEL when no neighbour is within the threshold. */
  label: string;
  /** False when the face is unknown (every neighbour beyond the threshold, or an empty gallery). */
  known: boolean;
  /** Distance to the nearest face of the voted label; when unknown, to the nearest face (Infinity if none). */
  distance: number;
  /** How many of the k neighbours within the threshold carry the voted label. */
  votes: number;
  threshold: number;
  metric: MetricName;
  /** The k nearest enrolled faces, nearest first, within the threshold or not. */
  matches: GalleryMatch[];
}

/**
 * The k-NN vote: among the matches within the threshold, the label with the most votes wins; a tie goes to the
 * label whose nearest face is nearer. No match within the threshold → unknown. Shared by every gallery backend.
 *
 * @example
 * voteLabel([{ id: 1, label: 'ann', distance: 0.2 }, { id: 2, label: 'bob', distance: 0.3 }], 0.4)
 * // { label: 'ann', known: true, distance: 0.2, votes: 1 }
 */
export function voteLabel(
  matches: readonly GalleryMatch[],
  threshold: number,
): Pick<IdentifyResult, 'label' | 'known' | 'distance' | 'votes'> {
  const tally = new Map<string, { votes: number; best: number }>();
  for (const m of matches) {
    if (!(m.distance <= threshold)) continue;
    const t = tally.get(m.label);
    if (t) {
      t.votes++;
      t.best = Math.min(t.best, m.distance);
    } else tally.set(m.label, { votes: 1, best: m.distance });
  }
  let winner: string | undefined;
  let w = { votes: 0, best: Infinity };
  for (const [label, t] of tally) {
    if (t.votes > w.votes || (t.votes === w.votes && t.best < w.best)) {
      winner = label;
      w = t;
    }
  }
  if (winner === undefined) {
    const nearest = matches.reduce((m, x) => Math.min(m, x.distance), Infinity);
    return { label: UNKNOWN_LABEL, known: false, distance: nearest, votes: 0 };
  }
  return { label: winner, known: true, distance: w.best, votes: w.votes };
}
