/** A decoded detection: corners [x1, y1, x2, y2] and keypoints [x, y, …], all in the same coordinates. */
export interface Candidate {
  score: number;
  box: [number, number, number, number];
  keypoints: number[];
  /** Box width in the model's input pixels for the look that saw it: how well resolved the face was. */
  inputWidth: number;
}

export function iou(a: Candidate['box'], b: Candidate['box']): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * MediaPipe's "weighted" non-maximum suppression, on top of a hard NMS that already chose the winners: every
 * candidate joins the first (best) winner it overlaps by more than `iouThreshold`, and each winner's box and
 * keypoints become the score-weighted mean of its cluster (its score stays the winner's). BlazeFace fires on several
 * neighbouring anchors per face; averaging them steadies the box and keypoints noticeably.
 *
 * @param winners indices into `candidates`, best first (the output of a hard NMS).
 */
export function mergeClusters(candidates: Candidate[], winners: number[], iouThreshold: number): Candidate[] {
  const sums = winners.map((w) => ({
    weight: 0,
    box: [0, 0, 0, 0],
    keypoints: new Array<number>(candidates[w].keypoints.length).fill(0),
  }));
  for (const c of candidates) {
    const k = winners.findIndex((w) => iou(candidates[w].box, c.box) > iouThreshold);
    if (k < 0) continue;
    const s = sums[k];
    s.weight += c.score;
    for (let i = 0; i < 4; i++) s.box[i] += c.score * c.box[i];
    for (let i = 0; i < c.keypoints.length; i++) s.keypoints[i] += c.score * c.keypoints[i];
  }
  return winners.map((w, k) => {
    const s = sums[k];
    if (s.weight <= 0) return candidates[w];
    return {
      ...candidates[w],
      box: s.box.map((v) => v / s.weight) as Candidate['box'],
      keypoints: s.keypoints.map((v) => v / s.weight),
    };
  });
}
