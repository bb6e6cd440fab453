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
 * The weights manifest of face-api.js's SSD MobileNetV1 face detector in the bundled model folder (from the npm
 * package `@vladmandic/face-api`, uint8-quantised; see packages/models/scripts/vendor-models.mjs).
 *
 * @example
 * const weights = await loadWeightsManifest(ctx.files, SSD_MOBILENET_MANIFEST);
 */
export const SSD_MOBILENET_MANIFEST = 'ssd_mobilenetv1_model-weights_manifest.json';
/**
 * Side of SSD MobileNetV1's square input.
 *
 * @example
 * const finest = SSD_MOBILENET_INPUT / 32; // the 16×16 grid of the first head
 */
export const SSD_MOBILENET_INPUT = 512;
/** Prior boxes, 32²·3 + (16² + 8² + 4² + 2² + 1)·6 = 5118, stored with the weights as Output/extra_dim [1, 5118, 4]. */
const PRIORS = 5118;
const BN_EPSILON = 0.0010000000474974513;
/** Depthwise layers of MobileNetV1 that stride 2. */
const STRIDE_2 = new Set([2, 4, 6, 12]);

/**
 * Options of the SSD MobileNetV1 detector.
 *
 * @example
 * const faces = await ssd.detect(image, { minScore: 0.5 } satisfies SsdMobilenetOptions);
 */
export interface SsdMobilenetOptions {
  /** Minimum score (default 0.5, face-api.js's). */
  minScore?: number;
  /** At most this many faces, best first (default 20). */
  maxFaces?: number;
  /** Accepted for the Detector interface; this detector has one look. */
  quick?: boolean;
}

function weightNames(): string[] {
  const names = [
    'MobilenetV1/Conv2d_0_pointwise/weights',
    'MobilenetV1/Conv2d_0_pointwise/convolution_bn_offset',
    'Output/extra_dim',
  ];
  for (let i = 1; i <= 13; i++) {
    const d = `MobilenetV1/Conv2d_${i}_depthwise`;
    names.push(`${d}/depthwise_weights`, `${d}/BatchNorm/gamma`, `${d}/BatchNorm/beta`);
    names.push(`${d}/BatchNorm/moving_mean`, `${d}/BatchNorm/moving_variance`);
    names.push(`MobilenetV1/Conv2d_${i}_pointwise/weights`, `MobilenetV1/Conv2d_${i}_pointwise/convolution_bn_offset`);
  }
  for (let i = 0; i < 8; i++) {
    names.push(`Prediction/Conv2d_${i}_pointwise/weights`, `Prediction/Conv2d_${i}_pointwise/convolution_bn_offset`);
  }
  for (let i = 0; i < 6; i++) {
    for (const p of ['BoxEncodingPredictor', 'ClassPredictor']) {
      names.push(`Prediction/BoxPredictor_${i}/${p}/weights`, `Prediction/BoxPredictor_${i}/${p}/biases`);
    }
  }
  return names;
}

/**
 * face-api.js's SSD MobileNetV1 face detector, written out in tfjs on face-api.js's weights (face-api.js's
 * JavaScript is not used): MobileNetV1 (depth multiplier 1, ReLU6, batch norm) on a 512² input in [−1, 1], SSD heads
 * on six feature maps (the stride-16 conv 11, the stride-32 conv 13 and four extra layers), 5118 prior boxes with
 * TF Object Detection box coding (scale 10, 10, 5, 5), sigmoid scores, NMS at IoU 0.5. The image is padded to a
 * square at the bottom and right with black (box-filtered when twice the input or more) and resized to 512².
 *
 * The network gives boxes only: the five alignment points come from MediaPipe FaceMesh run on each box (the
 * `facemesh` landmarker); a face whose mesh is not trusted keeps its box without `five`.
 *
 * Time is one network run at 512² plus one FaceMesh run per face, independent of the image size (after the resize).
 *
 * @example
 * const ssd = await SsdMobilenetDetector.load(ctx);
 * const faces = await ssd.detect(image); // [{ box, score, five, detector: 'ssd-mobilenet' }]
 * ssd.dispose();
 */
export class SsdMobilenetDetector implements Detector {
  readonly name = 'ssd-mobilenet';

  private constructor(
    private readonly w: tf.NamedTensorMap,
    private readonly landmarker: Landmarker,
  ) {}

  static async load(ctx: ModelContext): Promise<SsdMobilenetDetector> {
    const weights = await loadWeightsManifest(ctx.files, SSD_MOBILENET_MANIFEST);
    const missing = weightNames().find((n) => !weights[n]);
    const priors = weights['Output/extra_dim'];
    if (missing || priors?.shape.join() !== `1,${PRIORS},4`) {
      tf.dispose(Object.values(weights));
      throw new FaceKitError(
        'E_WEIGHTS_FORMAT',
        `ssd-mobilenet: ${missing ?? 'Output/extra_dim'} missing or misshapen`,
      );
    }
    return new SsdMobilenetDetector(weights, await loadFaceMeshFor(ctx, weights));
  }

  /** Raw boxes and scores (before the landmarks), continuous image coordinates, best first. */
  async boxes(image: tf.Tensor3D, options: SsdMobilenetOptions = {}): Promise<Array<{ box: Corners; score: number }>> {
    const { minScore, maxFaces } = boxOptions(options);
    assertImageTensor(image);
    const side = Math.max(image.shape[0], image.shape[1]);
    const { boxes, scores } = tf.tidy(() =>
      this.network(tf.sub(tf.div(squareInput(image, SSD_MOBILENET_INPUT), 127.5), 1)),
    );
    let b: Float32Array;
    let s: Float32Array;
    try {
      b = (await boxes.data()) as Float32Array;
      s = (await scores.data()) as Float32Array;
    } finally {
      tf.dispose([boxes, scores]);
    }
    const found: Corners[] = [];
    const foundScores: number[] = [];
    for (let i = 0; i < PRIORS; i++) {
      if (!(s[i] > minScore)) continue;
      // [ymin, xmin, ymax, xmax] as fractions of the padded square.
      found.push([b[4 * i + 1] * side, b[4 * i] * side, b[4 * i + 3] * side, b[4 * i + 2] * side]);
      foundScores.push(s[i]);
    }
    return suppress(found, foundScores, 0.5, 'union')
      .slice(0, maxFaces)
      .map((k) => ({ box: found[k], score: foundScores[k] }));
  }

  async detect(image: tf.Tensor3D, options: SsdMobilenetOptions = {}): Promise<Face[]> {
    return facesOnBoxes(image, await this.boxes(image, options), this.landmarker, this.name);
  }

  /** 1×1 or 3×3 convolution + folded batch-norm offset + ReLU6. */
  private pointwise(x: tf.Tensor4D, prefix: string, stride: number): tf.Tensor4D {
    const conv = tf.conv2d(x, this.w[`${prefix}/weights`] as tf.Tensor4D, stride, 'same');
    return tf.clipByValue(tf.add(conv, this.w[`${prefix}/convolution_bn_offset`]), 0, 6) as tf.Tensor4D;
  }

  /** [1, 512, 512, 3] in [−1, 1] → decoded boxes [5118, 4] (ymin, xmin, ymax, xmax, fractions) and scores [5118]. */
  private network(x: tf.Tensor4D): { boxes: tf.Tensor2D; scores: tf.Tensor1D } {
    const w = this.w;
    let out = this.pointwise(x, 'MobilenetV1/Conv2d_0_pointwise', 2);
    let conv11 = out;
    for (let i = 1; i <= 13; i++) {
      const d = `MobilenetV1/Conv2d_${i}_depthwise`;
      out = tf.depthwiseConv2d(out, w[`${d}/depthwise_weights`] as tf.Tensor4D, STRIDE_2.has(i) ? 2 : 1, 'same');
      out = tf.clipByValue(
        tf.batchNorm(
          out,
          w[`${d}/BatchNorm/moving_mean`] as tf.Tensor1D,
          w[`${d}/BatchNorm/moving_variance`] as tf.Tensor1D,
          w[`${d}/BatchNorm/beta`] as tf.Tensor1D,
          w[`${d}/BatchNorm/gamma`] as tf.Tensor1D,
          BN_EPSILON,
        ),
        0,
        6,
      );
      out = this.pointwise(out, `MobilenetV1/Conv2d_${i}_pointwise`, 1);
      if (i === 11) conv11 = out;
    }
    // Extra feature layers: 1×1 then 3×3 stride 2, four times.
    const extra: tf.Tensor4D[] = [];
    let e = out;
    for (let i = 0; i < 8; i++) {
      e = this.pointwise(e, `Prediction/Conv2d_${i}_pointwise`, i % 2 === 1 ? 2 : 1);
      if (i % 2 === 1) extra.push(e);
    }
    const maps = [conv11, out, ...extra];
    const encodings: tf.Tensor[] = [];
    const classes: tf.Tensor[] = [];
    maps.forEach((m, i) => {
      const head = (p: string) =>
        tf.add(
          tf.conv2d(m, w[`Prediction/BoxPredictor_${i}/${p}/weights`] as tf.Tensor4D, 1, 'same'),
          w[`Prediction/BoxPredictor_${i}/${p}/biases`],
        );
      encodings.push(tf.reshape(head('BoxEncodingPredictor'), [-1, 4]));
      classes.push(tf.reshape(head('ClassPredictor'), [-1, 3]));
    });
    const enc = tf.concat(encodings) as tf.Tensor2D;
    const priors = tf.reshape(w['Output/extra_dim'], [-1, 4]);
    if (enc.shape[0] !== PRIORS) throw new FaceKitError('E_WEIGHTS_FORMAT', 'ssd-mobilenet: wrong number of priors');
    // TF Object Detection box coding: (ty, tx, th, tw) against the prior's centre and size, scaled by 10, 10, 5, 5.
    const [py1, px1, py2, px2] = tf.split(priors, 4, 1);
    const ph = tf.sub(py2, py1);
    const pw = tf.sub(px2, px1);
    const [ty, tx, th, tw] = tf.split(enc, 4, 1);
    const cy = tf.add(tf.mul(tf.div(ty, 10), ph), tf.add(py1, tf.div(ph, 2)));
    const cx = tf.add(tf.mul(tf.div(tx, 10), pw), tf.add(px1, tf.div(pw, 2)));
    const hh = tf.div(tf.mul(tf.exp(tf.div(th, 5)), ph), 2);
    const hw = tf.div(tf.mul(tf.exp(tf.div(tw, 5)), pw), 2);
    const boxes = tf.concat([tf.sub(cy, hh), tf.sub(cx, hw), tf.add(cy, hh), tf.add(cx, hw)], 1) as tf.Tensor2D;
    // Column 0 is the background class; column 1 is the face.
    const scores = tf.reshape(tf.sigmoid(tf.slice(tf.concat(classes), [0, 1], [-1, 1])), [-1]) as tf.Tensor1D;
    return { boxes, scores };
  }

  dispose(): void {
    tf.dispose(Object.values(this.w));
    this.landmarker.dispose();
  }
}

/**
 * Registry entry: `models.detectors.get('ssd-mobilenet')`.
 *
 * @example
 * const detector = await ssdMobilenetSpec.create(ctx); // = models.detectors.get('ssd-mobilenet').create(ctx)
 */
export const ssdMobilenetSpec: DetectorSpec = {
  name: 'ssd-mobilenet',
  description:
    "face-api.js's SSD MobileNetV1 (512×512, 5118 priors, boxes only; weights from npm @vladmandic/face-api); five points from FaceMesh on each box",
  create: (ctx) => SsdMobilenetDetector.load(ctx),
};
