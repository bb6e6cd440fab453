import { FaceKitError } from '@facekit/core';
import type { LayerWeights } from '@facekit/keras';
import * as tf from '@tensorflow/tfjs-core';
import type { ConvBnOptions, ConvOptions, FoldSpec, L2PoolNames, Ops, Padding2D, ResidualNames } from './graph.js';

/**
 * Keras runs BatchNormalization on rank-4 tensors through TF's fused kernel, which raises epsilon to at least
 * 1.001e-5 (cuDNN's minimum). Matters only for eps below that (OpenFace's 1e-5).
 *
 * @example
 * const eps = Math.max(1e-5, FUSED_BN_MIN_EPSILON); // 1.001e-5, what Keras really used
 */
export const FUSED_BN_MIN_EPSILON = 1.001e-5;

/** BatchNormalization weights in Keras order: [gamma,] beta, moving_mean, moving_variance. */
function bnParams(w: tf.Tensor[], scale: boolean) {
  const [gamma, beta, mean, variance] = scale ? w : [undefined, ...w];
  return { gamma, beta: beta as tf.Tensor, mean: mean as tf.Tensor, variance: variance as tf.Tensor };
}

/**
 * A conv+BN pair folded into one conv: filter · γ/√(var+ε), (bias − mean) · γ/√(var+ε) + β.
 *
 * @example
 * const { filter, bias }: FoldedConv = foldConvBn(weights, describeNetwork(openfaceNetwork).folds).get('conv1')!;
 */
export interface FoldedConv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/**
 * Folds conv+BN pairs (inference only); the caller owns the result.
 *
 * @example
 * const folded = foldConvBn(weights, describeNetwork(openfaceNetwork).folds); // Map<conv name, FoldedConv>
 */
export function foldConvBn(weights: LayerWeights, folds: readonly FoldSpec[]): Map<string, FoldedConv> {
  const out = new Map<string, FoldedConv>();
  for (const f of folds) {
    const conv = weights.get(f.conv);
    const bn = weights.get(f.bn);
    if (!conv || !bn) throw new FaceKitError('E_WEIGHTS_FORMAT', `weights of '${f.conv}' / '${f.bn}' are missing`);
    const folded = tf.tidy(() => {
      const { gamma, beta, mean, variance } = bnParams(bn, f.scale);
      const eps = Math.max(f.eps, FUSED_BN_MIN_EPSILON);
      let inv = tf.rsqrt(tf.add(variance, eps));
      if (gamma) inv = tf.mul(inv, gamma);
      const filter = tf.mul(conv[0], inv) as tf.Tensor4D;
      const b0 = f.bias ? tf.sub(conv[1], mean) : tf.neg(mean);
      const bias = tf.add(tf.mul(b0, inv), beta) as tf.Tensor1D;
      return { filter, bias };
    });
    out.set(f.conv, folded);
  }
  return out;
}

/**
 * Ops on tensors (batch-first NHWC). With `folded`, conv+BN pairs run as one fused conv; `wanted` names layers whose
 * outputs are kept in `taps` (the caller disposes them).
 *
 * @example
 * const ops = new TensorOps(weights, foldConvBn(weights, describeNetwork(openfaceNetwork).folds));
 * const out = tf.tidy(() => openfaceNetwork.graph(ops, input)); // input: [n, 96, 96, 3] in [0, 1]
 */
export class TensorOps implements Ops<tf.Tensor> {
  readonly taps = new Map<string, tf.Tensor>();

  constructor(
    private readonly weights: LayerWeights,
    private readonly folded?: Map<string, FoldedConv>,
    private readonly wanted?: ReadonlySet<string>,
  ) {}

  private w(layer: string): tf.Tensor[] {
    const w = this.weights.get(layer);
    if (!w)
      throw new FaceKitError('E_WEIGHTS_FORMAT', `weights of layer '${layer}' are missing`, { details: { layer } });
    return w;
  }

  private tap<X extends tf.Tensor>(name: string | undefined, x: X): X {
    if (name && this.wanted?.has(name)) this.taps.set(name, tf.keep(x));
    return x;
  }

  private convRaw(x: tf.Tensor, layer: string, o: ConvOptions, activation: 'linear' | 'relu' = 'linear'): tf.Tensor4D {
    const [kernel, bias] = this.w(layer);
    const s = o.strides ?? 1;
    return tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: kernel as tf.Tensor4D,
      strides: [s, s],
      pad: o.padding ?? 'valid',
      bias: o.bias ? bias : undefined,
      activation,
    });
  }

  convBn(x: tf.Tensor, o: ConvBnOptions): tf.Tensor {
    const f = this.folded?.get(o.conv);
    const tapInside = this.wanted?.has(o.conv) || this.wanted?.has(o.bn);
    if (f && !tapInside) {
      const s = o.strides ?? 1;
      const y = tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: f.filter,
        bias: f.bias,
        strides: [s, s],
        pad: o.padding ?? 'valid',
        activation: o.relu ? 'relu' : 'linear',
      });
      return this.tap(o.act, y);
    }
    const c = this.tap(o.conv, this.convRaw(x, o.conv, o));
    const y = this.tap(o.bn, this.batchNorm(c, o.bn, Math.max(o.eps, FUSED_BN_MIN_EPSILON), o.scale));
    return o.relu ? this.relu(y, o.act) : y;
  }

  conv(x: tf.Tensor, name: string, o: ConvOptions): tf.Tensor {
    return this.tap(name, this.convRaw(x, name, o));
  }

  relu(x: tf.Tensor, name?: string): tf.Tensor {
    return this.tap(name, tf.relu(x));
  }

  maxPool(x: tf.Tensor, size: number, strides: number, name?: string): tf.Tensor {
    return this.tap(name, tf.maxPool(x as tf.Tensor4D, size, strides, 'valid'));
  }

  avgPool(x: tf.Tensor, size: number, strides: number, name?: string): tf.Tensor {
    return this.tap(name, tf.avgPool(x as tf.Tensor4D, size, strides, 'valid'));
  }

  zeroPad(x: tf.Tensor, [[t, b], [l, r]]: Padding2D, name?: string): tf.Tensor {
    return this.tap(
      name,
      tf.pad(x, [
        [0, 0],
        [t, b],
        [l, r],
        [0, 0],
      ]),
    );
  }

  concat(xs: tf.Tensor[], name?: string): tf.Tensor {
    return this.tap(name, tf.concat(xs, 3));
  }

  residual(x: tf.Tensor, y: tf.Tensor, scale: number, names: ResidualNames = {}): tf.Tensor {
    const scaled = this.tap(names.scaled, scale === 1 ? y : tf.mul(y, scale));
    const sum = this.tap(names.sum, tf.add(x, scaled));
    return names.relu ? this.relu(sum, names.relu) : sum;
  }

  lrn(x: tf.Tensor, name: string, p: { depthRadius: number; bias: number; alpha: number; beta: number }): tf.Tensor {
    return this.tap(name, tf.localResponseNormalization(x as tf.Tensor4D, p.depthRadius, p.bias, p.alpha, p.beta));
  }

  l2Pool(x: tf.Tensor, size: number, strides: number, names: L2PoolNames = {}): tf.Tensor {
    const squared = this.tap(names.square, tf.square(x)) as tf.Tensor4D;
    const pooled = this.tap(names.pool, tf.avgPool(squared, size, strides, 'valid'));
    return this.tap(names.sqrt, tf.sqrt(this.tap(names.scaled, tf.mul(pooled, 9))));
  }

  globalAvgPool(x: tf.Tensor, name?: string): tf.Tensor {
    return this.tap(name, tf.mean(x, [1, 2]));
  }

  dropout(x: tf.Tensor, name?: string): tf.Tensor {
    return this.tap(name, x);
  }

  flatten(x: tf.Tensor, name?: string): tf.Tensor {
    return this.tap(name, tf.reshape(x, [x.shape[0], -1]));
  }

  dense(x: tf.Tensor, name: string, _units: number, bias: boolean): tf.Tensor {
    const [kernel, b] = this.w(name);
    return this.tap(
      name,
      tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, bias: bias ? b : undefined }),
    );
  }

  private batchNorm(x: tf.Tensor, name: string, eps: number, scale: boolean): tf.Tensor {
    const { gamma, beta, mean, variance } = bnParams(this.w(name), scale);
    return tf.batchNorm(x, mean, variance, beta, gamma, eps);
  }

  bn(x: tf.Tensor, name: string, eps: number, scale: boolean): tf.Tensor {
    return this.tap(name, this.batchNorm(x, name, eps, scale));
  }

  l2Normalize(x: tf.Tensor, name?: string): tf.Tensor {
    // K.l2_normalize: x / sqrt(max(sum(x²), 1e-12)).
    const ss = tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12);
    return this.tap(name, tf.mul(x, tf.rsqrt(ss)));
  }
}
