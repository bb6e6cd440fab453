import {
  assertImageTensor,
  type Detector,
  type DetectorSpec,
  FaceKitError,
  type Face,
  type ModelContext,
  type Point,
} from '@facekit/core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import { blazeFaceAnchors } from './anchors.js';
import { fiveFromKeypoints } from './five-points.js';
import { letterbox } from './letterbox.js';
import { loadBundledGraph } from './load-graph.js';
import { type BlazeFaceOptions, type ResolvedOptions, resolveOptions } from './blazeface-options.js';
import { AUTO_MIN_FACE_SIZE, tileWindows, type Window, wantsZoomOut, ZOOM_OUT_FILL, ZOOM_OUT_HINT } from './looks.js';
import { rememberDetection } from './raw-detections.js';
import { type Candidate, iou, mergeClusters } from './weighted-merge.js';

/**
 * Side of BlazeFace's square input in pixels.
 *
 * @example
 * const scale = BLAZEFACE_INPUT / Math.max(width, height);
 */
export const BLAZEFACE_INPUT = 256;
/**
 * Side of the quick look's input (BlazeFaceOptions.quick): 160² costs ~40 % of 256², and a face at least
 * REFINE_BELOW (48) of its pixels wide — about 30 % of the image's long side — is well resolved there.
 *
 * @example
 * const faces = await detector.detect(image, { quick: true }); // one 160² look for a portrait
 */
export const QUICK_INPUT = 160;
const KEYPOINTS = 6;
/** The model's four heads (scores and regressors of the stride-16 and stride-32 grids), run by name at any size. */
const HEADS = [33, 34, 35, 36].map((c) => `StatefulPartitionedCall/functional_1/conv2d_${c}/BiasAdd`);

/** Faces narrower than this in the model input get a closer look (see closerLook); LFW faces are ~105. */
const REFINE_BELOW = 48;
/** The closer look's window, in face-box widths: the face then spans ~1/4 of the input (~64 px). */
const REFINE_WINDOW = 4;

/**
 * BlazeFace keypoint order (MediaPipe): the subject's right eye (image-left when upright), left eye, nose tip,
 * mouth centre, right ear tragion, left ear tragion.
 *
 * @example
 * const nose = BLAZEFACE_KEYPOINTS.indexOf('noseTip'); // 2
 */
export const BLAZEFACE_KEYPOINTS = ['rightEye', 'leftEye', 'noseTip', 'mouthCenter', 'rightEar', 'leftEar'] as const;

/**
 * MediaPipe BlazeFace, full-range ("back camera") model: 256×256 input, 896 anchors, a box and six keypoints per
 * anchor, sigmoid scores. Per call:
 *
 * 0. with `quick`, a look at the whole image at QUICK_INPUT (160²) first: when it finds a face at least 48 of its
 *    pixels wide (~30 % of the long side) and no zoom-out hint, its faces are the answer and steps 1–3 are skipped;
 * 1. one look at the whole image, letterboxed (aspect kept, centred, black bars; box-filtered first when large);
 * 2. a zoomed-out look when the first finds nothing or hints at a face filling the frame (`zoomOut`);
 * 3. looks at tiles for faces too small for the whole-image look (`minFaceSize`);
 * 4. hard NMS, then MediaPipe's weighted merge of each winner's cluster (steadier boxes and keypoints);
 * 5. a closer look at every face seen small (under 48 input pixels), whose keypoints are then rough.
 *
 * Boxes and keypoints are mapped back to the image exactly (the inverse of each look's letterbox). Boxes are clipped
 * to the image; keypoints are not (a face cut by the border still has its eyes where the geometry says, which is what
 * alignment needs; the unclipped box is kept for the landmarker, see `rawDetection`).
 *
 * `five` comes from the keypoints: the eyes and nose tip as detected, and the mouth corners estimated from the mouth
 * centre and the eye line (BlazeFace has no corners; see `fiveFromKeypoints`). The order follows the subject: right eye
 * (image-left on an upright face), left eye, nose, right and left mouth corner.
 *
 * Coordinates: points are pixel-index coordinates (pixel (0, 0)'s centre is [0, 0]); a box's x, y are its top-left
 * edge, so the whole image is { x: 0, y: 0, width, height }.
 *
 * @example
 * const detector = await BlazeFaceDetector.load(ctx);
 * const faces = await detector.detect(image, { minScore: 0.6 }); // [{ box, score, five, detector: 'blazeface' }]
 * detector.dispose();
 */
export class BlazeFaceDetector implements Detector {
  readonly name = 'blazeface';
  /** Anchor centres per input side: 896 at 256², 350 at 160². */
  private readonly anchors = new Map<number, tf.Tensor2D>();

  private constructor(private readonly model: GraphModel) {
    for (const size of [BLAZEFACE_INPUT, QUICK_INPUT]) {
      const centres = blazeFaceAnchors(size);
      this.anchors.set(size, tf.tensor2d(centres, [centres.length / 2, 2]));
    }
  }

  static async load(ctx: ModelContext): Promise<BlazeFaceDetector> {
    // Fully convolutional up to its heads: loaded free of the 256² input so the quick look can run at 160².
    const model = await loadBundledGraph(ctx, 'blazeface-back.json', [BLAZEFACE_INPUT, BLAZEFACE_INPUT, 3], {
      anySize: true,
      nodes: HEADS,
    });
    return new BlazeFaceDetector(model);
  }

  async detect(image: tf.Tensor3D, options: BlazeFaceOptions = {}): Promise<Face[]> {
    const o = resolveOptions(options);
    assertImageTensor(image);
    const [height, width] = image.shape;
    if (o.quick) {
      const quick = await this.wholeLook(image, o, QUICK_INPUT);
      // A face filling the frame is invisible to this model at any size; its hint sends us to the full looks.
      if (!quick.zoomOut && quick.faces.some((c) => c.inputWidth >= REFINE_BELOW)) {
        return this.finish(image, quick.faces, o);
      }
    }
    const { faces: candidates, zoomOut } = await this.wholeLook(image, o, BLAZEFACE_INPUT);
    if (zoomOut) {
      const whole = { x: 0, y: 0, width, height };
      candidates.push(...(await this.candidates(image, whole, ZOOM_OUT_FILL, o.minScore)));
    }
    const minFace =
      o.minFaceSize === 'auto' ? (candidates.length === 0 ? AUTO_MIN_FACE_SIZE : Infinity) : o.minFaceSize;
    for (const w of tileWindows(width, height, minFace)) {
      candidates.push(...(await this.candidates(image, w, 1, o.minScore)));
    }
    return this.finish(image, candidates, o);
  }

  /**
   * One look at the whole image at `size`²: the faces scoring ≥ minScore, and whether a zoomed-out look is wanted
   * (`zoomOut` 'always', or 'auto' and the weaker candidates hint at a face filling the frame).
   */
  private async wholeLook(
    image: tf.Tensor3D,
    o: ResolvedOptions,
    size: number,
  ): Promise<{ faces: Candidate[]; zoomOut: boolean }> {
    const [height, width] = image.shape;
    const whole = { x: 0, y: 0, width, height };
    const seen = await this.candidates(image, whole, 1, Math.min(o.minScore, ZOOM_OUT_HINT), size);
    const faces = seen.filter((c) => c.score >= o.minScore);
    const zoomOut = o.zoomOut === 'always' || (o.zoomOut === 'auto' && wantsZoomOut(seen, faces, image.shape));
    return { faces, zoomOut };
  }

  /** Hard NMS over every look's candidates, weighted merge, closer looks at small faces; best first. */
  private async finish(image: tf.Tensor3D, candidates: Candidate[], o: ResolvedOptions): Promise<Face[]> {
    const [height, width] = image.shape;
    if (candidates.length === 0) return [];
    // nonMaxSuppression wants [y1, x1, y2, x2].
    const boxes = tf.tensor2d(candidates.map((c) => [c.box[1], c.box[0], c.box[3], c.box[2]]));
    const scores = tf.tensor1d(candidates.map((c) => c.score));
    let order: number[];
    try {
      const winners = await tf.image.nonMaxSuppressionAsync(boxes, scores, o.maxFaces, o.iouThreshold, o.minScore);
      try {
        order = Array.from(await winners.data());
      } finally {
        winners.dispose();
      }
    } finally {
      tf.dispose([boxes, scores]);
    }
    const faces: Face[] = [];
    for (const merged of mergeClusters(candidates, order, o.iouThreshold)) {
      const c = merged.inputWidth < REFINE_BELOW ? await this.closerLook(image, merged, o) : merged;
      const face = toFace(c, width, height);
      if (face) faces.push(face);
    }
    // A closer look may have changed a score.
    return faces.sort((a, b) => b.score - a.score);
  }

  /**
   * A face seen small (under REFINE_BELOW input pixels) has a good box but rough keypoints: look again at a window
   * REFINE_WINDOW times its size around it, where it is well resolved, and take that look's (merged) detection.
   * Keeps the first detection when the closer look does not confirm it or cannot be closer.
   */
  private async closerLook(image: tf.Tensor3D, c: Candidate, o: ResolvedOptions): Promise<Candidate> {
    const [height, width] = image.shape;
    const side = Math.round(Math.max(c.box[2] - c.box[0], c.box[3] - c.box[1]) * REFINE_WINDOW);
    if (side >= 0.8 * Math.max(width, height)) return c;
    const place = (centre: number, length: number) =>
      Math.min(Math.max(0, Math.round(centre - side / 2)), Math.max(0, length - side));
    const x = place((c.box[0] + c.box[2]) / 2, width);
    const y = place((c.box[1] + c.box[3]) / 2, height);
    const window = { x, y, width: Math.min(side, width - x), height: Math.min(side, height - y) };
    const near = (await this.candidates(image, window, 1, o.minScore)).filter(
      (k) => iou(k.box, c.box) > o.iouThreshold,
    );
    if (near.length === 0) return c;
    const best = near.reduce((b, k, i) => (k.score > near[b].score ? i : b), 0);
    return mergeClusters(near, [best], o.iouThreshold)[0];
  }

  /**
   * Every anchor scoring at least minScore in one look at a window of the image, decoded into continuous image
   * coordinates. In a tile, candidates touching an edge shared with a neighbouring tile are dropped: they are faces
   * cut by the tile, which a neighbour (half a tile of overlap) sees whole.
   */
  private async candidates(
    image: tf.Tensor3D,
    w: Window,
    fill: number,
    minScore: number,
    size = BLAZEFACE_INPUT,
  ): Promise<Candidate[]> {
    const [height, width] = image.shape;
    const isWhole = w.width === width && w.height === height;
    const region = isWhole ? image : tf.slice(image, [w.y, w.x, 0], [w.height, w.width, 3]);
    let letterboxed: ReturnType<typeof letterbox>;
    try {
      letterboxed = letterbox(region, size, fill);
    } finally {
      if (!isWhole) region.dispose();
    }
    const { input, mapping: m } = letterboxed;
    let scores: tf.Tensor1D;
    let decoded: tf.Tensor2D;
    try {
      ({ scores, decoded } = this.decode(input, size));
    } finally {
      input.dispose();
    }
    let scoreData: Float32Array;
    let rows: Float32Array;
    try {
      scoreData = (await scores.data()) as Float32Array;
      rows = (await decoded.data()) as Float32Array;
    } finally {
      tf.dispose([scores, decoded]);
    }
    // Letterbox → image: image = (letterbox − pad) / scale.
    const x = (v: number) => (v - m.padX) / m.scaleX + w.x;
    const y = (v: number) => (v - m.padY) / m.scaleY + w.y;
    const margin = 0.01 * Math.max(w.width, w.height);
    const cut = (b: Candidate['box']) =>
      !isWhole &&
      ((w.x > 0 && b[0] < w.x + margin) ||
        (w.y > 0 && b[1] < w.y + margin) ||
        (w.x + w.width < width && b[2] > w.x + w.width - margin) ||
        (w.y + w.height < height && b[3] > w.y + w.height - margin));
    const out: Candidate[] = [];
    const stride = 4 + 2 * KEYPOINTS;
    for (let i = 0; i < scoreData.length; i++) {
      if (!(scoreData[i] >= minScore)) continue;
      const r = rows.subarray(i * stride, (i + 1) * stride);
      const keypoints: number[] = [];
      for (let k = 0; k < KEYPOINTS; k++) keypoints.push(x(r[4 + 2 * k]), y(r[5 + 2 * k]));
      const box: Candidate['box'] = [x(r[0]), y(r[1]), x(r[2]), y(r[3])];
      if (!cut(box)) out.push({ score: scoreData[i], box, keypoints, inputWidth: r[2] - r[0] });
    }
    return out;
  }

  /**
   * Scores [n] and decoded rows [n, 16]: corners x1 y1 x2 y2, then 6 keypoints, in letterbox pixels (n = 896 at
   * 256²). The regressors are pixel offsets from the anchor centres, so they decode alike at any input size.
   */
  private decode(input: tf.Tensor4D, size: number): { scores: tf.Tensor1D; decoded: tf.Tensor2D } {
    const anchors = this.anchors.get(size);
    if (!anchors) throw new FaceKitError('E_CONFIG', `blazeface: no anchors for a ${size}² input`);
    const n = anchors.shape[0];
    return tf.tidy(() => {
      // Heads: scores and regressors of the stride-16 grid (2 anchors per cell) and of the stride-32 grid (6).
      const [s16, s32, r16, r32] = this.model.execute(input, HEADS) as tf.Tensor4D[];
      const n16 = s16.size;
      if (n16 + s32.size !== n || r16.size !== 16 * n16 || r32.size !== 16 * (n - n16)) {
        throw new FaceKitError('E_WEIGHTS_FORMAT', 'blazeface-back: unexpected head shapes');
      }
      const logits = tf.concat([tf.reshape(s16, [n16]), tf.reshape(s32, [n - n16])]);
      const regs = tf.concat([tf.reshape(r16, [n16, 16]), tf.reshape(r32, [n - n16, 16])]);
      const scores = tf.sigmoid(tf.clipByValue(logits, -100, 100)) as tf.Tensor1D;
      const centre = tf.add(tf.slice(regs, [0, 0], [-1, 2]), anchors);
      const half = tf.div(tf.slice(regs, [0, 2], [-1, 2]), 2);
      const offsets = tf.reshape(tf.slice(regs, [0, 4], [-1, 2 * KEYPOINTS]), [n, KEYPOINTS, 2]);
      const keypoints = tf.reshape(tf.add(offsets, tf.expandDims(anchors, 1)), [n, 2 * KEYPOINTS]);
      const decoded = tf.concat([tf.sub(centre, half), tf.add(centre, half), keypoints], 1) as tf.Tensor2D;
      return { scores, decoded };
    });
  }

  dispose(): void {
    this.model.dispose();
    tf.dispose([...this.anchors.values()]);
    this.anchors.clear();
  }
}

/** Candidate (continuous image coordinates) → Face; undefined when the box lies outside the image (padding). */
function toFace(c: Candidate, width: number, height: number): Face | undefined {
  const [x1, y1, x2, y2] = c.box;
  const cx1 = Math.max(0, x1);
  const cy1 = Math.max(0, y1);
  const cx2 = Math.min(width, x2);
  const cy2 = Math.min(height, y2);
  if (cx2 - cx1 < 1 || cy2 - cy1 < 1) return undefined;
  // Keypoints to pixel-index coordinates (−0.5).
  const kp: Point[] = [];
  for (let k = 0; k < KEYPOINTS; k++) kp.push([c.keypoints[2 * k] - 0.5, c.keypoints[2 * k + 1] - 0.5]);
  const face: Face = {
    box: { x: cx1, y: cy1, width: cx2 - cx1, height: cy2 - cy1 },
    score: c.score,
    five: fiveFromKeypoints(kp[0], kp[1], kp[2], kp[3]),
    detector: 'blazeface',
  };
  rememberDetection(face, { box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, keypoints: kp });
  return face;
}

/**
 * Registry entry: `models.detectors.get('blazeface')`.
 *
 * @example
 * const detector = await blazeFaceSpec.create(ctx); // = models.detectors.get('blazeface').create(ctx)
 */
export const blazeFaceSpec: DetectorSpec = {
  name: 'blazeface',
  description:
    'MediaPipe BlazeFace full-range (256×256, 896 anchors): boxes and 6 keypoints; fast, frontal to ~60° yaw',
  create: (ctx) => BlazeFaceDetector.load(ctx),
};
