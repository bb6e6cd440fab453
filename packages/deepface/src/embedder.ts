import * as tf from '@tensorflow/tfjs-core';
import {
  type AlignmentTemplate,
  type Embedder,
  type EmbedderSpec,
  FaceKitError,
  loadModelContextWeights,
  type ModelContext,
  type Point,
  type WeightsEntry,
} from '@facekit/core';
import { DEEPFACE_CONFIG } from './architecture.js';
import { loadDeepFaceKeras } from './keras-import.js';
import type { DeepFaceModel } from './model.js';

/**
 * The file name deepface stores the published weights under.
 *
 * @example
 * const r = await verify(a, b, { embedder: 'deepface', weightsPath: `/models/${DEEPFACE_WEIGHTS_FILE}` });
 */
export const DEEPFACE_WEIGHTS_FILE = 'VGGFace2_DeepFace_weights_val-0.9034.h5';
/**
 * Where deepface downloads them from (a zip holding {@link DEEPFACE_WEIGHTS_FILE}).
 *
 * @example
 * console.log(`download ${DEEPFACE_WEIGHTS_URL}, unzip, pass the .h5 as --weights`);
 */
export const DEEPFACE_WEIGHTS_URL =
  'https://github.com/swghosh/DeepFace/releases/download/weights-vggface2-2d-aligned/VGGFace2_DeepFace_weights_val-0.9034.h5.zip';

/**
 * Five-point template for 152×152 DeepFace crops, `source: 'five'` (eye centres, nose tip, mouth corners, image
 * left → right). Derived from dlib's mean face shape placed like dlib's recognition chip (padding 0.25, centred):
 * eyes at 31 % of the height and 35 % of the width apart, mouth at 69 %, the face filling the crop. Provisional: DeepFace's own front-end is a 3D
 * frontalisation (67 points); when @facekit/align provides it, `align: '3d'` replaces this 2D similarity.
 *
 * @example
 * const chip = new SimilarityAligner().align(image, face, DEEPFACE_TEMPLATE); // [152, 152, 3]
 */
export const DEEPFACE_TEMPLATE: AlignmentTemplate = (() => {
  // dlib mean-face coordinates (units of the shape's extent) of the eye centres (means of points 36–41 / 42–47),
  // the nose tip (30) and the mouth corners (48, 54).
  const mean: Point[] = [
    [0.225492, 0.21599],
    [0.754761, 0.21599],
    [0.490127, 0.515625],
    [0.254149, 0.780233],
    [0.726104, 0.780233],
  ];
  const size = 152;
  const padding = 0.25;
  const k = size / (2 * padding + 1);
  return {
    size: [size, size],
    source: 'five',
    // The mean shape's midline is x = 0.490127; centre it so the template is left/right symmetric.
    points: mean.map(([x, y]) => [(padding + x - 0.490127 + 0.5) * k, (padding + y) * k] as Point),
  };
})();

/**
 * Options of `DeepFaceEmbedder`.
 *
 * @example
 * const embedder = new DeepFaceEmbedder(net, { channels: 'bgr' } satisfies DeepFaceEmbedderOptions); // as deepface's represent()
 */
export interface DeepFaceEmbedderOptions {
  /**
   * Channel order fed to the network. 'rgb' (default) is what the Keras reference fixture and facekit use;
   * deepface's Python `represent()` flips its RGB face crops to BGR before the model, so pick 'bgr' to reproduce
   * deepface's embeddings exactly.
   */
  channels?: 'rgb' | 'bgr';
  /** Faces per forward pass (default 8): bounds the LocallyConnected patch memory (~16 MB per face for L4). */
  batchSize?: number;
}

/**
 * An Embedder over a loaded DeepFace network: F7 (4096-D, ReLU output, not normalised). Owns `net`.
 *
 * @example
 * const embedder = new DeepFaceEmbedder(await loadDeepFaceKeras(h5Bytes), { channels: 'bgr' });
 * const vectors = await embedder.embed(chips152); // [n, 4096]
 */
export class DeepFaceEmbedder implements Embedder {
  readonly name = 'deepface';
  readonly dim: number;
  private readonly channels: 'rgb' | 'bgr';
  private readonly batchSize: number;

  constructor(
    readonly net: DeepFaceModel,
    options: DeepFaceEmbedderOptions = {},
  ) {
    this.dim = net.config.f7;
    this.channels = options.channels ?? 'rgb';
    this.batchSize = options.batchSize ?? 8;
  }

  /** Aligned faces [n, h, w, 3] 0..255 → resized to the input size if needed, /255 as deepface does → F7. */
  async embed(faces: tf.Tensor4D): Promise<Float32Array[]> {
    if (!(faces instanceof tf.Tensor) || faces.rank !== 4 || faces.shape[3] !== 3) {
      throw new FaceKitError(
        'E_INPUT',
        `expected faces [n, h, w, 3], got ${faces?.shape ? `[${faces.shape}]` : faces}`,
      );
    }
    const out: Float32Array[] = [];
    const n = faces.shape[0];
    for (let i = 0; i < n; i += this.batchSize) {
      const k = Math.min(this.batchSize, n - i);
      const f7 = tf.tidy(() => {
        let x = tf.cast(tf.slice(faces, [i, 0, 0, 0], [k, -1, -1, -1]), 'float32') as tf.Tensor4D;
        const [h, w] = this.net.config.inputSize;
        if (x.shape[1] !== h || x.shape[2] !== w) x = tf.image.resizeBilinear(x, [h, w], true);
        if (this.channels === 'bgr') x = tf.reverse(x, 3);
        return this.net.predict(tf.div(x, 255) as tf.Tensor4D);
      });
      let values: Float32Array;
      try {
        values = (await f7.data()) as Float32Array;
      } finally {
        f7.dispose();
      }
      for (let j = 0; j < k; j++) out.push(values.slice(j * this.dim, (j + 1) * this.dim));
    }
    return out;
  }

  dispose(): void {
    this.net.dispose();
  }
}

/**
 * The key the embedder asks the platform's weights store for (`ctx.weights('deepface')`).
 *
 * @example
 * const bytes = await ctx.weights?.(DEEPFACE_WEIGHTS_NAME); // what the embedder asks the weights store for
 */
export const DEEPFACE_WEIGHTS_NAME = 'deepface';

/**
 * The weights catalogue entry of the `deepface` embedder, the one definition of where its weights come from:
 * deepface fetches them from swghosh/DeepFace (the model's training repository), as a zip. Registered into core's
 * weights catalogue on import of @facekit/deepface.
 *
 * @example
 * DEEPFACE_WEIGHTS_ENTRY.format; // 'keras-h5-zip'
 */
export const DEEPFACE_WEIGHTS_ENTRY: WeightsEntry = {
  name: DEEPFACE_WEIGHTS_NAME,
  embedder: 'deepface',
  description: "DeepFace, VGGFace2-trained (deepface's DeepFace)",
  url: DEEPFACE_WEIGHTS_URL,
  file: DEEPFACE_WEIGHTS_FILE,
  format: 'keras-h5-zip',
  // The archive's MD5 as its author pins it (swghosh/DeepFace, deepface/deepface.py: MD5_HASH, passed to
  // keras.utils.get_file); no sha256 is published.
  md5: '0b21fb70cd6901c96c19ac14c9ea8b89',
};

const MISSING_HINT = `the ${DEEPFACE_WEIGHTS_FILE} inside ${DEEPFACE_WEIGHTS_URL}`;

/**
 * The weights bytes through the platform's weights store (`ctx.weightsPath` → cache → download, see core's
 * `loadModelContextWeights`), else `ctx.readFile(ctx.weightsPath)`, else E_WEIGHTS_MISSING saying how to get them.
 */
function readWeights(ctx: ModelContext): Promise<{ bytes: Uint8Array; label: string }> {
  return loadModelContextWeights(ctx, DEEPFACE_WEIGHTS_NAME, MISSING_HINT);
}

/**
 * Creates the DeepFace embedder from a ModelContext: reads the Keras weights (deepface's published
 * `VGGFace2_DeepFace_weights_val-0.9034.h5`, or any file in that layout; a packed facekit weights file works too),
 * builds the network up to F7 and drops F8 unread.
 *
 * @example
 * const embedder = await createDeepFaceEmbedder({ ...ctx, weightsPath: '/w/VGGFace2_DeepFace_weights_val-0.9034.h5' });
 * const [v] = await embedder.embed(aligned152); // Float32Array(4096)
 */
export async function createDeepFaceEmbedder(
  ctx: ModelContext,
  options: DeepFaceEmbedderOptions = {},
): Promise<DeepFaceEmbedder> {
  const { bytes, label } = await readWeights(ctx);
  const net = await loadDeepFaceKeras(bytes, { label });
  return new DeepFaceEmbedder(net, options);
}

/**
 * Registry entry `deepface`. Thresholds are deepface's published ones for its DeepFace model
 * (`deepface/config/threshold.py`: cosine 0.23, euclidean 64, euclidean_l2 0.64; squared-l2 is 0.64²).
 * Distances are on the raw F7 vector (not L2-normalised); `cosine` is the default, as in deepface.
 *
 * @example
 * models.embedders.get('deepface') === deepFaceSpec; // registered on import
 * deepFaceSpec.thresholds.cosine; // 0.23
 */
export const deepFaceSpec: EmbedderSpec = {
  name: 'deepface',
  description: 'DeepFace (Taigman et al. 2014; VGGFace2-trained Keras weights of deepface): 152×152 RGB → 4096-D F7',
  dim: DEEPFACE_CONFIG.f7,
  template: DEEPFACE_TEMPLATE,
  normalized: false,
  defaultMetric: 'cosine',
  thresholds: { cosine: 0.23, euclidean: 64, 'euclidean-l2': 0.64, 'squared-l2': 0.4096 },
  provenance:
    'deepface (serengil/deepface) deepface/config/threshold.py, model "DeepFace"; not re-fitted on LFW by facekit',
  create: (ctx) => createDeepFaceEmbedder(ctx),
};
