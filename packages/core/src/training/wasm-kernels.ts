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
 * Conv2DBackpropFilter for tfjs-backend-wasm, which (4.x) registers no such kernel, so no conv layer could train on
 * the default Node backend. (Its Conv3DBackpropFilterV2, a depth-1 stand-in, is wrong for strides > 1 in 4.22.)
 * The filter gradient is itself a convolution, run on the backend's own XNNPACK Conv2D:
 * dW[a, b, i, o] = Σ_{n, y, x} xpad[n, a + s·y, b + s·x, i] · dy[n, y, x, o], i.e. the input with batch and
 * channels swapped ([in, H, W, n]) convolved with dy as the filter ([oh, ow, n, out]), stride 1, dilation = the
 * stride, the forward padding made explicit; cropped to [in, kh, kw, out] and transposed to [kh, kw, in, out].
 */
function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: unknown;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') {
    throw new FaceKitError('E_BACKEND', 'Conv2DBackpropFilter on wasm: NCHW is not supported (facekit uses NHWC)');
  }
  const backend = args.backend as { disposeData(dataId: object): void };
  const run = (name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo => {
    const kernel = getKernel(name, 'wasm');
    if (!kernel) throw new FaceKitError('E_BACKEND', `the wasm backend has no ${name} kernel`);
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
}

const config: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};

/**
 * Registers the kernels training needs that tfjs-backend-wasm lacks (Conv2DBackpropFilter), unless the backend
 * already has them (a later tfjs may). Idempotent; the training modules of @facekit/facenet and @facekit/deepface
 * call it on import. Needs only tfjs-core: the registration waits, unused, until a wasm backend runs.
 *
 * @example
 * registerWasmTrainingKernels();
 * const dw = tf.grad((w: tf.Tensor4D) => tf.conv2d(x, w, 2, 'same').sum())(w); // works on wasm
 */
export function registerWasmTrainingKernels(): void {
  if (!getKernel(Conv2DBackpropFilter, 'wasm')) registerKernel(config);
}
