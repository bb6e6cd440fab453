import * as tf from '@tensorflow/tfjs-core';
import { FaceKitError } from '@facekit/core';

/**
 * Geometry of a LocallyConnected2D layer (valid padding, square or rectangular kernel and stride).
 *
 * @example
 * const g: LocallyConnectedGeometry = { input: [63, 63, 16], kernel: [9, 9], strides: [1, 1], filters: 16 };
 * localShapes(g); // outRows 55, outCols 55, kernel [3025, 1296, 16]
 */
export interface LocallyConnectedGeometry {
  /** Input [height, width, channels]. */
  input: [number, number, number];
  /** Kernel [kh, kw]. */
  kernel: [number, number];
  /** Strides [sh, sw] (default [1, 1]). */
  strides?: [number, number];
  filters: number;
}

/**
 * Output size and weight shapes of a LocallyConnected2D layer, in Keras' layout.
 *
 * @example
 * const { outRows, outCols, kernel }: LocallyConnectedShapes = localShapes(geometry);
 */
export interface LocallyConnectedShapes {
  outRows: number;
  outCols: number;
  /** `(out_rows*out_cols, kh*kw*in_ch, filters)` as Keras stores it. */
  kernel: [number, number, number];
  /** `(out_rows, out_cols, filters)`. */
  bias: [number, number, number];
}

/**
 * Output size and weight shapes of a valid-padding LocallyConnected2D layer.
 *
 * @example
 * localShapes({ input: [63, 63, 16], kernel: [9, 9], filters: 16 }); // L4: kernel [3025, 1296, 16]
 */
export function localShapes(g: LocallyConnectedGeometry): LocallyConnectedShapes {
  const [h, w, c] = g.input;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides ?? [1, 1];
  const dims = [h, w, c, kh, kw, sh, sw, g.filters];
  if (!dims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new FaceKitError('E_CONFIG', `LocallyConnected2D: sizes must be positive integers, got [${dims}]`);
  }
  if (kh > h || kw > w) {
    throw new FaceKitError('E_CONFIG', `LocallyConnected2D: kernel ${kh}×${kw} does not fit the ${h}×${w} input`);
  }
  const outRows = Math.floor((h - kh) / sh) + 1;
  const outCols = Math.floor((w - kw) / sw) + 1;
  return {
    outRows,
    outCols,
    kernel: [outRows * outCols, kh * kw * c, g.filters],
    bias: [outRows, outCols, g.filters],
  };
}

/**
 * Splits axis 0 of `t` ([len, ...rest]) into stride phases: phase p holds entries p, p+s, p+2s, … — `q` of them,
 * zero-padded or cut to q·s first. Each phase is a contiguous block after one transpose, so no strided slice is needed.
 */
function phasesOfAxis0(t: tf.Tensor, s: number, q: number): tf.Tensor[] {
  const [len, ...rest] = t.shape;
  const inner = rest.reduce((a, b) => a * b, 1);
  let u = t;
  if (q * s > len) u = tf.pad(u, [[0, q * s - len], ...rest.map(() => [0, 0] as [number, number])]);
  if (q * s < len) u = tf.slice(u, 0, q * s);
  if (s === 1) return [u];
  const byPhase = tf.transpose(tf.reshape(u, [q, s, inner]), [1, 0, 2]); // [s, q, inner]
  return Array.from({ length: s }, (_, p) => tf.reshape(tf.slice(byPhase, [p, 0, 0], [1, q, inner]), [q, ...rest]));
}

/**
 * Forward of {@link extractPatches}: one slice per kernel offset (kh*kw slices, not one per pixel), every one of
 * them a contiguous block (the sliced axis outermost), which both the cpu and the wasm backend copy in one go; strides
 * come from phase splits ({@link phasesOfAxis0}). Columns first on a [w, h, n, c] layout, then rows.
 */
function patchesForward(x: tf.Tensor4D, kernel: [number, number], strides: [number, number]): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [kh, kw] = kernel;
    const [sh, sw] = strides;
    const { outRows, outCols } = localShapes({ input: [h, w, c], kernel, strides, filters: 1 });
    const qh = Math.floor((kh - 1) / sh) + outRows;
    const qw = Math.floor((kw - 1) / sw) + outCols;
    const colPhases = phasesOfAxis0(tf.transpose(x, [2, 1, 0, 3]), sw, qw); // each [qw, h, n, c]
    const slices: tf.Tensor[] = new Array(kh * kw);
    for (let j = 0; j < kw; j++) {
      const b = Math.floor(j / sw);
      const cols = tf.slice(colPhases[j % sw], b, outCols); // [outCols, h, n, c]
      const rowPhases = phasesOfAxis0(tf.transpose(cols, [1, 0, 2, 3]), sh, qh); // each [qh, outCols, n, c]
      for (let i = 0; i < kh; i++) {
        slices[i * kw + j] = tf.slice(rowPhases[i % sh], Math.floor(i / sh), outRows); // [outRows, outCols, n, c]
      }
    }
    const P = outRows * outCols;
    if (slices.length === 1) return tf.reshape(slices[0], [P, n, c]) as tf.Tensor3D;
    // Stack offsets on the outer axis (one contiguous copy each), then move them next to the channels.
    const stacked = tf.reshape(tf.concat(slices, 0), [kh * kw, P * n, c]);
    return tf.reshape(tf.transpose(stacked, [1, 0, 2]), [P, n, kh * kw * c]) as tf.Tensor3D;
  });
}

/** Input row (in [h*w]) read by patch entry (position p, offset k), for the scatter-add of the backward. */
const indexCache = new Map<string, Int32Array>();
function patchRows(h: number, w: number, kernel: [number, number], strides: [number, number]): Int32Array {
  const key = [h, w, ...kernel, ...strides].join(',');
  let rows = indexCache.get(key);
  if (!rows) {
    const [kh, kw] = kernel;
    const [sh, sw] = strides;
    const { outRows, outCols } = localShapes({ input: [h, w, 1], kernel, strides, filters: 1 });
    rows = new Int32Array(outRows * outCols * kh * kw);
    let e = 0;
    for (let r = 0; r < outRows; r++)
      for (let c = 0; c < outCols; c++)
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) rows[e++] = (r * sh + i) * w + c * sw + j;
    if (indexCache.size > 64) indexCache.clear();
    indexCache.set(key, rows);
  }
  return rows;
}

/**
 * Patches of `x` laid out position-major: [out_rows*out_cols, n, kh*kw*c], the feature index being
 * `(i*kw + j)*c + ch` like Keras' `local_conv`.
 *
 * Differentiable on every backend: the gradient is one scatter-add (`tf.scatterND` sums duplicate indices) of the
 * patch gradients back onto the input rows, instead of autograd through kh*kw slices and a concat, whose split
 * costs O((kh*kw)²) copies on the wasm backend.
 *
 * @example
 * extractPatches(x, [9, 9]).shape; // x [n, 63, 63, 16] → [3025, n, 1296]
 */
export function extractPatches(
  x: tf.Tensor4D,
  kernel: [number, number],
  strides: [number, number] = [1, 1],
): tf.Tensor3D {
  const [n, h, w, c] = x.shape;
  const kk = kernel[0] * kernel[1];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor4D;
    return {
      value: patchesForward(input, kernel, strides),
      gradFunc: (dy: tf.Tensor) =>
        tf.tidy(() => {
          const P = dy.shape[0];
          // [P, n, kk*c] → [P*kk, n*c]: one row per (position, offset), holding that offset's pixel for the batch.
          let g = tf.reshape(dy, [P, n, kk, c]);
          if (n > 1) g = tf.transpose(g, [0, 2, 1, 3]);
          const rows = tf.tensor2d(patchRows(h, w, kernel, strides), [P * kk, 1], 'int32');
          const dx = tf.scatterND(rows, tf.reshape(g, [P * kk, n * c]), [h * w, n * c]);
          return n === 1 ? tf.reshape(dx, [1, h, w, c]) : tf.transpose(tf.reshape(dx, [h, w, n, c]), [2, 0, 1, 3]);
        }),
    };
  });
  return op(x) as tf.Tensor3D;
}

/**
 * Options of {@link locallyConnected2d}.
 *
 * @example
 * const y = locallyConnected2d(x, kernel, bias, { kernelSize: [9, 9], strides: [1, 1] } satisfies LocallyConnectedOptions);
 */
export interface LocallyConnectedOptions {
  /** Kernel [kh, kw]. */
  kernelSize: [number, number];
  /** Strides [sh, sw] (default [1, 1]). */
  strides?: [number, number];
  /** Activation applied after the bias (default 'linear'). */
  activation?: 'linear' | 'relu';
}

/**
 * Keras `LocallyConnected2D` (valid padding): a convolution whose weights are not shared between output positions.
 * `y[n,r,c,f] = act(Σ_{i,j,ch} x[n, r*sh+i, c*sw+j, ch] · K[r*outCols+c, (i*kw+j)*inCh+ch, f] + b[r,c,f])`.
 *
 * Computed as patch extraction plus one batched matMul over positions; differentiable w.r.t. `x`, `kernel` and
 * `bias` with any tfjs backend.
 *
 * @example
 * // L5 of DeepFace: 16@7×7 stride 2 on a 55×55×16 input → [n, 25, 25, 16]
 * const y = locallyConnected2d(x, kernel, bias, { kernelSize: [7, 7], strides: [2, 2], activation: 'relu' });
 */
export function locallyConnected2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor3D,
  bias: tf.Tensor3D | null,
  options: LocallyConnectedOptions,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const strides = options.strides ?? [1, 1];
  const filters = kernel.shape[2];
  const s = localShapes({ input: [h, w, c], kernel: options.kernelSize, strides, filters });
  if (kernel.shape[0] !== s.kernel[0] || kernel.shape[1] !== s.kernel[1]) {
    throw new FaceKitError(
      'E_WEIGHTS_FORMAT',
      `LocallyConnected2D: kernel shape [${kernel.shape}] does not match [${s.kernel}] for input [${h},${w},${c}]`,
    );
  }
  if (bias && (bias.shape[0] !== s.bias[0] || bias.shape[1] !== s.bias[1] || bias.shape[2] !== s.bias[2])) {
    throw new FaceKitError('E_WEIGHTS_FORMAT', `LocallyConnected2D: bias shape [${bias.shape}] is not [${s.bias}]`);
  }
  return tf.tidy(() => {
    const patches = extractPatches(x, options.kernelSize, strides);
    let y: tf.Tensor = tf.matMul(patches, kernel); // [P, n, filters]
    if (bias) y = tf.add(y, tf.reshape(bias, [s.outRows * s.outCols, 1, filters]));
    if (options.activation === 'relu') y = tf.relu(y);
    y = tf.reshape(y, [s.outRows, s.outCols, n, filters]);
    return (n === 1 ? tf.reshape(y, [1, s.outRows, s.outCols, filters]) : tf.transpose(y, [2, 0, 1, 3])) as tf.Tensor4D;
  });
}
