import { FaceKitError } from '@facekit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The weight names and shapes of the three MTCNN networks (Zhang et al. 2016) as face-api.js publishes them in
 * `mtcnn_model-weights_manifest.json` (float32): conv kernels [kh, kw, in, out], fully connected [in, out], one
 * PReLU slope per channel. The networks are written out here (the manifest has no topology).
 */
const SHAPES: Record<string, number[]> = {
  'pnet/conv1/weights': [3, 3, 3, 10],
  'pnet/conv1/bias': [10],
  'pnet/prelu1_alpha': [10],
  'pnet/conv2/weights': [3, 3, 10, 16],
  'pnet/conv2/bias': [16],
  'pnet/prelu2_alpha': [16],
  'pnet/conv3/weights': [3, 3, 16, 32],
  'pnet/conv3/bias': [32],
  'pnet/prelu3_alpha': [32],
  'pnet/conv4_1/weights': [1, 1, 32, 2],
  'pnet/conv4_1/bias': [2],
  'pnet/conv4_2/weights': [1, 1, 32, 4],
  'pnet/conv4_2/bias': [4],
  'rnet/conv1/weights': [3, 3, 3, 28],
  'rnet/conv1/bias': [28],
  'rnet/prelu1_alpha': [28],
  'rnet/conv2/weights': [3, 3, 28, 48],
  'rnet/conv2/bias': [48],
  'rnet/prelu2_alpha': [48],
  'rnet/conv3/weights': [2, 2, 48, 64],
  'rnet/conv3/bias': [64],
  'rnet/prelu3_alpha': [64],
  'rnet/fc1/weights': [576, 128],
  'rnet/fc1/bias': [128],
  'rnet/prelu4_alpha': [128],
  'rnet/fc2_1/weights': [128, 2],
  'rnet/fc2_1/bias': [2],
  'rnet/fc2_2/weights': [128, 4],
  'rnet/fc2_2/bias': [4],
  'onet/conv1/weights': [3, 3, 3, 32],
  'onet/conv1/bias': [32],
  'onet/prelu1_alpha': [32],
  'onet/conv2/weights': [3, 3, 32, 64],
  'onet/conv2/bias': [64],
  'onet/prelu2_alpha': [64],
  'onet/conv3/weights': [3, 3, 64, 64],
  'onet/conv3/bias': [64],
  'onet/prelu3_alpha': [64],
  'onet/conv4/weights': [2, 2, 64, 128],
  'onet/conv4/bias': [128],
  'onet/prelu4_alpha': [128],
  'onet/fc1/weights': [1152, 256],
  'onet/fc1/bias': [256],
  'onet/prelu5_alpha': [256],
  'onet/fc2_1/weights': [256, 2],
  'onet/fc2_1/bias': [2],
  'onet/fc2_2/weights': [256, 4],
  'onet/fc2_2/bias': [4],
  'onet/fc2_3/weights': [256, 10],
  'onet/fc2_3/bias': [10],
};

/**
 * The MTCNN weights by name, checked against the architecture: a missing, misshapen or non-float tensor is
 * E_WEIGHTS_FORMAT. Takes ownership of `weights` (disposes any extra tensors).
 *
 * @example
 * const nets = mtcnnNetsFromWeights(await loadWeightsManifest(ctx.files, 'mtcnn_model-weights_manifest.json'));
 */
export function mtcnnNetsFromWeights(weights: tf.NamedTensorMap): MtcnnNets {
  const bad = Object.entries(SHAPES).find(([name, shape]) => {
    const t = weights[name];
    if (!t) return true;
    return t.dtype !== 'float32' || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]);
  });
  if (bad) {
    tf.dispose(Object.values(weights));
    const got = weights[bad[0]];
    throw new FaceKitError(
      'E_WEIGHTS_FORMAT',
      `mtcnn: ${bad[0]} ${got ? `has shape [${got.shape}] ${got.dtype}` : 'is missing'}, expected [${bad[1]}] float32`,
    );
  }
  const kept: tf.NamedTensorMap = {};
  for (const [name, t] of Object.entries(weights)) {
    if (name in SHAPES) kept[name] = t;
    else t.dispose();
  }
  return new MtcnnNets(kept);
}

/**
 * P-Net, R-Net and O-Net. Inputs are RGB, (x − 127.5) / 128, and transposed (height and width swapped), as the
 * networks were trained (the original Caffe/MATLAB release is column-major); outputs are in the image's own axes.
 *
 * @example
 * const { prob, regression } = nets.pnet(input); // input [1, w, h, 3] → maps [1, w', h', 1] and [1, w', h', 4]
 */
export class MtcnnNets {
  constructor(private readonly w: tf.NamedTensorMap) {}

  private conv(x: tf.Tensor4D, name: string): tf.Tensor4D {
    return tf.add(
      tf.conv2d(x, this.w[`${name}/weights`] as tf.Tensor4D, 1, 'valid'),
      this.w[`${name}/bias`],
    ) as tf.Tensor4D;
  }

  private dense(x: tf.Tensor2D, name: string): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.w[`${name}/weights`] as tf.Tensor2D), this.w[`${name}/bias`]) as tf.Tensor2D;
  }

  private prelu<T extends tf.Tensor>(x: T, name: string): T {
    return tf.prelu(x, this.w[name]) as T;
  }

  /** conv1 → PReLU → max-pool → conv2 → PReLU (→ max-pool) → conv3 → PReLU, shared by the three networks. */
  private trunk(x: tf.Tensor4D, net: 'pnet' | 'rnet' | 'onet'): tf.Tensor4D {
    let out = this.prelu(this.conv(x, `${net}/conv1`), `${net}/prelu1_alpha`);
    out = net === 'pnet' ? tf.maxPool(out, 2, 2, 'same') : tf.maxPool(out, 3, 2, 'same');
    out = this.prelu(this.conv(out, `${net}/conv2`), `${net}/prelu2_alpha`);
    if (net !== 'pnet') out = tf.maxPool(out, 3, 2, 'valid');
    return this.prelu(this.conv(out, `${net}/conv3`), `${net}/prelu3_alpha`);
  }

  /** Face probability per 12×12 window (stride 2) and the window's box regression (x1, y1, x2, y2 offsets). */
  pnet(x: tf.Tensor4D): { prob: tf.Tensor4D; regression: tf.Tensor4D } {
    return tf.tidy(() => {
      const t = this.trunk(x, 'pnet');
      const prob = tf.slice(tf.softmax(this.conv(t, 'pnet/conv4_1')), [0, 0, 0, 1], [-1, -1, -1, 1]) as tf.Tensor4D;
      return { prob, regression: this.conv(t, 'pnet/conv4_2') };
    });
  }

  /** 24×24 crops [n, 24, 24, 3] → face probability [n] and box regression [n, 4]. */
  rnet(x: tf.Tensor4D): { prob: tf.Tensor1D; regression: tf.Tensor2D } {
    return tf.tidy(() => {
      const t = this.trunk(x, 'rnet');
      const flat = tf.reshape(t, [t.shape[0], -1]) as tf.Tensor2D;
      const fc = this.prelu(this.dense(flat, 'rnet/fc1'), 'rnet/prelu4_alpha');
      const prob = tf.reshape(tf.slice(tf.softmax(this.dense(fc, 'rnet/fc2_1')), [0, 1], [-1, 1]), [-1]);
      return { prob: prob as tf.Tensor1D, regression: this.dense(fc, 'rnet/fc2_2') };
    });
  }

  /**
   * 48×48 crops [n, 48, 48, 3] → face probability [n], box regression [n, 4] and the five points [n, 10]
   * (x of the five, then y of the five, as fractions of the crop).
   */
  onet(x: tf.Tensor4D): { prob: tf.Tensor1D; regression: tf.Tensor2D; points: tf.Tensor2D } {
    return tf.tidy(() => {
      let t = tf.maxPool(this.trunk(x, 'onet'), 2, 2, 'same');
      t = this.prelu(this.conv(t, 'onet/conv4'), 'onet/prelu4_alpha');
      const flat = tf.reshape(t, [t.shape[0], -1]) as tf.Tensor2D;
      const fc = this.prelu(this.dense(flat, 'onet/fc1'), 'onet/prelu5_alpha');
      const prob = tf.reshape(tf.slice(tf.softmax(this.dense(fc, 'onet/fc2_1')), [0, 1], [-1, 1]), [-1]);
      return {
        prob: prob as tf.Tensor1D,
        regression: this.dense(fc, 'onet/fc2_2'),
        points: this.dense(fc, 'onet/fc2_3'),
      };
    });
  }

  dispose(): void {
    tf.dispose(Object.values(this.w));
  }
}
