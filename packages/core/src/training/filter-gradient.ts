import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  getKernel,
  type KernelConfig,
  type NamedAttrMap,
  registerKernel,
  Slice,
  type TensorInfo,
  Transpose,
} from '@tensorflow/tfjs-core';
import { FaceKitError } from '../errors.js';

/**
 * The one conv filter gradient of facekit's training, as a kernel of the backend it runs on. The filter gradient is
 * itself a convolution, run on the backend's own (XNNPACK / im2col) Conv2D:
 * dW[a, b, i, o] = Σ_{n, y, x} xpad[n, a + s·y, b + s·x, i] · dy[n, y, x, o], i.e. the input with batch and
 * channels swapped ([in, H, W, n]) convolved with dy as the filter ([oh, ow, n, out]), stride 1, dilation = the
 * stride, the forward padding made explicit; cropped to [in, kh, kw, out] and transposed to [kh, kw, in, out].
 * tfjs-backend-wasm (4.x) has no Conv2DBackpropFilter at all (its Conv3DBackpropFilterV2, a depth-1 stand-in, is
 * wrong for strides > 1 in 4.22), and tfjs-backend-cpu's is ~50× slower than its forward conv at DeepFace's shapes.
 */
function forwardConvFilterGradient(backendName: string) {
  return (args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: unknown; attrs: NamedAttrMap }): TensorInfo => {
    const { x, dy } = args.inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') {
      throw new FaceKitError('E_BACKEND', `conv filter gradient on ${backendName}: NCHW is not supported (NHWC only)`);
    }
    const backend = args.backend as { disposeData(dataId: object): void };
    const run = (name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo => {
      const kernel = getKernel(name, backendName);
      if (!kernel) throw new FaceKitError('E_BACKEND', `the ${backendName} backend has no ${name} kernel`);
      return kernel.kernelFunc({ inputs, backend: args.backend as never, attrs }) as TensorInfo;
    };
    const [kh, kw, inC, outC] = filterShape;
    // The forward conv's padding and strides as tfjs resolves them ('same', numbers, explicit), made explicit below.
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    const temps: TensorInfo[] = [];
    try {
      const xt = run(Transpose, { x }, { perm: [3, 1, 2, 0] });
      temps.push(xt);
      const dyt = run(Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      temps.push(dyt);
      const full = run(Conv2D, { x: xt, filter: dyt }, {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
      } as unknown as NamedAttrMap);
      temps.push(full);
      let cut = full;
      if (full.shape[1] !== kh || full.shape[2] !== kw) {
        cut = run(Slice, { x: full }, { begin: [0, 0, 0, 0], size: [inC, kh, kw, outC] });
        temps.push(cut);
      }
      return run(Transpose, { x: cut }, { perm: [1, 2, 0, 3] });
    } finally {
      for (const temp of temps) backend.disposeData(temp.dataId);
    }
  };
}

/** The kernel name of {@link conv2dFilterGrad} where facekit registered it (cpu and wasm). */
const FILTER_GRADIENT = 'FaceKitConv2DFilterGradient';

const kernelConfig = (kernelName: string, backendName: string): KernelConfig => ({
  kernelName,
  backendName,
  kernelFunc: forwardConvFilterGradient(backendName) as unknown as KernelConfig['kernelFunc'],
});

/**
 * Registers the training kernels, once: the forward-conv filter gradient as wasm's Conv2DBackpropFilter (which
 * tfjs-backend-wasm 4.x lacks; a later tfjs that has one keeps its own), so every conv layer trains there, and as
 * {@link conv2dFilterGrad}'s kernel on cpu and wasm. Idempotent. The training entries (`@facekit/facenet/train`,
 * `@facekit/deepface/train`) call it on import, and only they: the runtime never registers a kernel. Needs only
 * tfjs-core: a registration waits, unused, until its backend runs.
 *
 * @example
 * registerTrainingKernels();
 * const dw = tf.grad((w: tf.Tensor4D) => tf.conv2d(x, w, 2, 'same').sum())(w); // works on wasm
 */
export function registerTrainingKernels(): void {
  if (!getKernel(Conv2DBackpropFilter, 'wasm')) registerKernel(kernelConfig(Conv2DBackpropFilter, 'wasm'));
  for (const backendName of ['cpu', 'wasm']) {
    if (!getKernel(FILTER_GRADIENT, backendName)) registerKernel(kernelConfig(FILTER_GRADIENT, backendName));
  }
}

/**
 * dL/dW of `conv2d(x, W, strides, pad)` (NHWC) given dL/dy: on cpu and wasm the forward-conv kernel above (after
 * {@link registerTrainingKernels}), elsewhere (tfjs-node, WebGL, WebGPU) the backend's own Conv2DBackpropFilter.
 * For a custom gradient that wants the filter gradient without tfjs' (DeepFace's C1/C3). The caller disposes it.
 *
 * @example
 * const dw = conv2dFilterGrad(x, dy, [11, 11, 3, 32]); // stride 1, 'valid'
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number] = 1,
  pad: 'valid' | 'same' | number = 'valid',
): tf.Tensor4D {
  const kernel = getKernel(FILTER_GRADIENT, tf.getBackend()) ? FILTER_GRADIENT : Conv2DBackpropFilter;
  const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
  return tf.engine().runKernel(kernel, { x, dy }, attrs as unknown as NamedAttrMap) as tf.Tensor4D;
}
