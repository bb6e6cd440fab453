/** A box by its continuous edges [x1, y1, x2, y2] (pixel (0, 0) spans [0, 1] × [0, 1]). */
export type Corners = [number, number, number, number];

/**
 * Greedy non-maximum suppression as MTCNN uses it: 'union' overlap is IoU, 'min' is the intersection over the
 * smaller box (the last stage, so a box nested in a bigger one is dropped). Returns kept indices, best first.
 *
 * @example
 * const keep = suppress(boxes, scores, 0.7, 'min');
 */
export function suppress(boxes: Corners[], scores: number[], threshold: number, mode: 'union' | 'min'): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const area = boxes.map((b) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]));
  const dropped = new Uint8Array(boxes.length);
  const keep: number[] = [];
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (dropped[i]) continue;
    keep.push(i);
    const a = boxes[i];
    for (let m = k + 1; m < order.length; m++) {
      const j = order[m];
      if (dropped[j]) continue;
      const b = boxes[j];
      const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
      const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      if (iw <= 0 || ih <= 0) continue;
      const inter = iw * ih;
      const base = mode === 'min' ? Math.min(area[i], area[j]) : area[i] + area[j] - inter;
      if (base > 0 && inter / base > threshold) dropped[j] = 1;
    }
  }
  return keep;
}

/**
 * Applies a network's box regression: each edge moves by its offset times the box's width (x) or height (y).
 *
 * @example
 * calibrate([0, 0, 10, 10], [0.1, 0, -0.1, 0]); // [1, 0, 9, 10]
 */
export function calibrate(box: Corners, offsets: ArrayLike<number>): Corners {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return [box[0] + offsets[0] * w, box[1] + offsets[1] * h, box[2] + offsets[2] * w, box[3] + offsets[3] * h];
}

/**
 * The square of side max(width, height) with the same centre (the next stage's crops are square).
 *
 * @example
 * square([0, 0, 10, 20]); // [-5, 0, 15, 20]
 */
export function square(box: Corners): Corners {
  const side = Math.max(box[2] - box[0], box[3] - box[1]);
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  return [cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2];
}

/**
 * P-Net's scales for an image: the first maps `minFaceSize` onto its 12-pixel window, each next one is `factor`
 * times the last, down to the scale where the image's short side is 12 pixels.
 *
 * @example
 * pyramidScales(250, 250, 20, 0.709); // [0.6, 0.425, …] (8 scales)
 */
export function pyramidScales(height: number, width: number, minFaceSize: number, factor: number): number[] {
  const scales: number[] = [];
  let s = 12 / minFaceSize;
  while (Math.min(height, width) * s >= 12 && scales.length < 64) {
    scales.push(s);
    s *= factor;
  }
  return scales;
}
