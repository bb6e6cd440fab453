import {
  assertImageTensor,
  type Detector,
  type DetectorSpec,
  FaceKitError,
  type Face,
  type Landmarker,
  loadWeightsManifest,
  type ModelContext,
} from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { boxOptions, facesOnBoxes, loadFaceMeshFor, squareInput } from './faceapi-boxes.js';
import { type Corners, suppress } from './mtcnn-boxes.js';

/**
 * The weights manifest of face-api.js's Tiny Face Detector in the bundled model folder (from the npm package
 * `@vladmandic/face-api`, uint8-quantised; see packages/models/scripts/vendor-models.mjs).
 *
 * @example
 * const weights = await loadWeightsManifest(ctx.files, TINY_FACE_MANIFEST);
 */
export const TINY_FACE_MANIFEST = 'tiny_face_detector_model-weights_manifest.json';
/**
 * Side of the Tiny Face Detector's square input (face-api.js's default; any multiple of 32 works).
 *
 * @example
 * const cellPixels = TINY_FACE_INPUT / 13; // 32
 */
export const TINY_FACE_INPUT = 416;
/** Anchor sizes (width, height) in grid cells, face-api.js's. */
const ANCHORS: Array<[number, number]> = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
/** The training set's mean RGB, subtracted before scaling by 1/255 (face-api.js's). */
const MEAN_RGB = [117.001, 114.697, 97.404];
const IOU_THRESHOLD = 0.4;

const SHAPES: Record<string, number[]> = {
  'conv0/filters': [3, 3, 3, 16],
  'conv0/bias': [16],
  'conv8/filters': [1, 1, 512, 25],
  'conv8/bias': [25],
};
[16, 32, 64, 128, 256, 512].forEach((out, i) => {
  if (i === 0) return;
  const inC = [16, 32, 64, 128, 256, 512][i - 1];
  SHAPES[`conv${i}/depthwise_filter`] = [3, 3, inC, 1];
  SHAPES[`conv${i}/pointwise_filter`] = [1, 1, inC, out];
  SHAPES[`conv${i}/bias`] = [out];
});

/**
 * Options of the Tiny Face Detector.
 *
 * @example
 * const faces = await tiny.detect(image, { minScore: 0.5, inputSize: 608 } satisfies TinyFaceOptions);
 */
export interface TinyFaceOptions {
  /** Minimum score (default 0.5, face-api.js's). */
  minScore?: number;
  /** At most this many faces, best first (default 20). */
  maxFaces?: number;
  /** Input side, a multiple of 32 (default 416): larger finds smaller faces, slower. */
  inputSize?: number;
  /** Accepted for the Detector interface; this detector has one look. */
  quick?: boolean;
}

/**
 * face-api.js's Tiny Face Detector: a Tiny-YOLOv2-style network of depthwise-separable convolutions (conv 3×3 →
 * 5 separable blocks with max-pooling → 1×1 head) on a 416² input, 13×13 cells × 5 anchors, each a box and a score;
 * written out here in tfjs on face-api.js's weights (face-api.js's JavaScript is not used). The image is padded to a
 * square at the bottom and right with black, resized to the input (box-filtered first when it is twice as large or
 * more), the mean RGB subtracted and scaled by 1/255. Boxes go through NMS at IoU 0.4.
 *
 * The network gives boxes only: the five alignment points come from MediaPipe FaceMesh run on each box (the
 * `facemesh` landmarker); a face whose mesh is not trusted keeps its box without `five`.
 *
 * Time is one network run at 416² plus one FaceMesh run per face, independent of the image size (after the resize).
 *
 * @example
 * const tiny = await TinyFaceDetector.load(ctx);
 * const faces = await tiny.detect(image); // [{ box, score, five, detector: 'tiny-face' }]
 * tiny.dispose();
 */
export class TinyFaceDetector implements Detector {
  readonly name = 'tiny-face';

  private constructor(
    private readonly w: tf.NamedTensorMap,
    private readonly landmarker: Landmarker,
  ) {}

  static async load(ctx: ModelContext): Promise<TinyFaceDetector> {
    const weights = await loadWeightsManifest(ctx.files, TINY_FACE_MANIFEST);
    const bad = Object.entries(SHAPES).find(([name, shape]) => {
      const t = weights[name];
      return !t || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]);
    });
    if (bad) {
      tf.dispose(Object.values(weights));
      throw new FaceKitError('E_WEIGHTS_FORMAT', `tiny-face: ${bad[0]} is missing or not [${bad[1]}]`);
    }
    return new TinyFaceDetector(weights, await loadFaceMeshFor(ctx, weights));
  }

  /** Raw boxes and scores (before the landmarks), continuous image coordinates, best first. */
  async boxes(image: tf.Tensor3D, options: TinyFaceOptions = {}): Promise<Array<{ box: Corners; score: number }>> {
    const { minScore, maxFaces } = boxOptions(options);
    const size = options.inputSize ?? TINY_FACE_INPUT;
    if (!(Number.isInteger(size) && size >= 64 && size % 32 === 0)) {
      throw new FaceKitError('E_CONFIG', `inputSize must be a multiple of 32 ≥ 64, got ${size}`);
    }
    assertImageTensor(image);
    const side = Math.max(image.shape[0], image.shape[1]);
    const out = tf.tidy(() => this.network(tf.div(tf.sub(squareInput(image, size), MEAN_RGB), 255)));
    let raw: Float32Array;
    try {
      raw = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
    const cells = size / 32;
    const toImage = side / size;
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const boxes: Corners[] = [];
    const scores: number[] = [];
    for (let row = 0; row < cells; row++) {
      for (let col = 0; col < cells; col++) {
        for (let a = 0; a < ANCHORS.length; a++) {
          const o = ((row * cells + col) * ANCHORS.length + a) * 5;
          const score = sigmoid(raw[o + 4]);
          if (!(score >= minScore)) continue;
          const cx = ((col + sigmoid(raw[o])) / cells) * size * toImage;
          const cy = ((row + sigmoid(raw[o + 1])) / cells) * size * toImage;
          const bw = ((Math.exp(raw[o + 2]) * ANCHORS[a][0]) / cells) * size * toImage;
          const bh = ((Math.exp(raw[o + 3]) * ANCHORS[a][1]) / cells) * size * toImage;
          boxes.push([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2]);
          scores.push(score);
        }
      }
    }
    return suppress(boxes, scores, IOU_THRESHOLD, 'union')
      .slice(0, maxFaces)
      .map((k) => ({ box: boxes[k], score: scores[k] }));
  }

  async detect(image: tf.Tensor3D, options: TinyFaceOptions = {}): Promise<Face[]> {
    return facesOnBoxes(image, await this.boxes(image, options), this.landmarker, this.name);
  }

  /** [1, size, size, 3] → [1, size/32, size/32, 25]: per cell, 5 anchors × (tx, ty, tw, th, score logit). */
  private network(x: tf.Tensor4D): tf.Tensor4D {
    const w = this.w;
    let out = tf.leakyRelu(tf.add(tf.conv2d(x, w['conv0/filters'] as tf.Tensor4D, 1, 'valid'), w['conv0/bias']), 0.1);
    for (let i = 1; i <= 5; i++) {
      out = tf.maxPool(out as tf.Tensor4D, 2, 2, 'same');
      const padded = tf.pad(out as tf.Tensor4D, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
      const conv = tf.separableConv2d(
        padded,
        w[`conv${i}/depthwise_filter`] as tf.Tensor4D,
        w[`conv${i}/pointwise_filter`] as tf.Tensor4D,
        1,
        'valid',
      );
      out = tf.leakyRelu(tf.add(conv, w[`conv${i}/bias`]), 0.1);
    }
    out = tf.maxPool(out as tf.Tensor4D, 2, 1, 'same');
    return tf.add(tf.conv2d(out as tf.Tensor4D, w['conv8/filters'] as tf.Tensor4D, 1, 'valid'), w['conv8/bias']);
  }

  dispose(): void {
    tf.dispose(Object.values(this.w));
    this.landmarker.dispose();
  }
}

/**
 * Registry entry: `models.detectors.get('tiny-face')`.
 *
 * @example
 * const detector = await tinyFaceSpec.create(ctx); // = models.detectors.get('tiny-face').create(ctx)
 */
export const tinyFaceSpec: DetectorSpec = {
  name: 'tiny-face',
  description:
    "face-api.js's Tiny Face Detector (416×416, 13×13 cells × 5 anchors, boxes only; weights from npm @vladmandic/face-api); five points from FaceMesh on each box",
  create: (ctx) => TinyFaceDetector.load(ctx),
};
