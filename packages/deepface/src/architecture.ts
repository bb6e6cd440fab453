import { FaceKitError } from '@facekit/core';
import { localShapes } from './locally-connected.js';

/**
 * Filters and square kernel of a convolution or locally connected layer.
 *
 * @example
 * const l5: FilterSpec = { filters: 16, kernel: 7, stride: 2 };
 */
export interface FilterSpec {
  filters: number;
  kernel: number;
  /** Stride (default 1). */
  stride?: number;
}

/**
 * Sizes of a DeepFace network. {@link DEEPFACE_CONFIG} is the published one (deepface's `FbDeepFace`, Taigman et al.
 * 2014); smaller widths keep the same layer sequence for CPU-sized experiments and tests.
 *
 * @example
 * const small: DeepFaceConfig = resolveConfig({ f7: 64, classes: 10 });
 */
export interface DeepFaceConfig {
  /** Input [height, width] (RGB in [0, 1]). */
  inputSize: [number, number];
  c1: FilterSpec;
  c3: FilterSpec;
  l4: FilterSpec;
  l5: FilterSpec;
  l6: FilterSpec;
  /** Width of F7, the representation. */
  f7: number;
  /** Identities of the F8 softmax; 0 = no F8 (representation only). */
  classes: number;
  /** D0's dropout rate on F7 during training. */
  dropout: number;
}

/**
 * The published DeepFace: 152×152×3 → C1 … F7 (4096) → F8 (8631 VGGFace2 identities).
 *
 * @example
 * DEEPFACE_CONFIG.f7; // 4096
 * const small = resolveConfig({ ...DEEPFACE_CONFIG, f7: 64 });
 */
export const DEEPFACE_CONFIG: Readonly<DeepFaceConfig> = Object.freeze({
  inputSize: [152, 152],
  c1: { filters: 32, kernel: 11 },
  c3: { filters: 16, kernel: 9 },
  l4: { filters: 16, kernel: 9 },
  l5: { filters: 16, kernel: 7, stride: 2 },
  l6: { filters: 16, kernel: 5 },
  f7: 4096,
  classes: 8631,
  dropout: 0.5,
}) as Readonly<DeepFaceConfig>;

/**
 * Keras layer names, in `model.layers` order.
 *
 * @example
 * for (const name of LAYER_NAMES) console.log(name); // C1, M2, C3, L4, L5, L6, F0, F7, D0, F8
 */
export const LAYER_NAMES = ['C1', 'M2', 'C3', 'L4', 'L5', 'L6', 'F0', 'F7', 'D0', 'F8'] as const;
/**
 * A DeepFace layer name (Keras names, `model.layers` order).
 *
 * @example
 * const name: LayerName = 'L4';
 */
export type LayerName = (typeof LAYER_NAMES)[number];
/**
 * The layers that carry weights (each a kernel and a bias).
 *
 * @example
 * const trainable: WeightedLayerName[] = ['F7', 'F8'];
 */
export type WeightedLayerName = 'C1' | 'C3' | 'L4' | 'L5' | 'L6' | 'F7' | 'F8';

/**
 * One layer of a DeepFace network: its name, Keras class, output shape and weight shapes.
 *
 * @example
 * for (const l of deepFaceLayers(DEEPFACE_CONFIG) as LayerInfo[]) console.log(l.name, l.kind, l.output);
 */
export interface LayerInfo {
  name: LayerName;
  kind: 'Conv2D' | 'MaxPooling2D' | 'LocallyConnected2D' | 'Flatten' | 'Dense' | 'Dropout';
  /** Output shape without the batch dimension. */
  outputShape: number[];
  /** Kernel and bias shapes, Keras layout; absent for weightless layers. */
  weights?: { kernel: number[]; bias: number[] };
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function checkConfig(c: DeepFaceConfig): void {
  const ints = [
    ...c.inputSize,
    ...[c.c1, c.c3, c.l4, c.l5, c.l6].flatMap((s) => [s.filters, s.kernel, s.stride ?? 1]),
    c.f7,
  ];
  if (!ints.every((v) => Number.isInteger(v) && v >= 1) || !Number.isInteger(c.classes) || c.classes < 0) {
    throw new FaceKitError('E_CONFIG', 'DeepFace config: sizes must be positive integers (classes ≥ 0)');
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) {
    throw new FaceKitError('E_CONFIG', `DeepFace config: dropout must be in [0, 1), got ${c.dropout}`);
  }
  if ((c.c1.stride ?? 1) !== 1 || (c.c3.stride ?? 1) !== 1) {
    throw new FaceKitError('E_CONFIG', 'DeepFace config: C1 and C3 have stride 1');
  }
}

/**
 * The layer list with output and weight shapes (Keras layouts). Throws E_CONFIG when the input is too small for
 * the kernels.
 *
 * @example
 * deepFaceLayers().find((l) => l.name === 'L4')?.weights?.kernel; // [3025, 1296, 16]
 */
export function deepFaceLayers(config: DeepFaceConfig = DEEPFACE_CONFIG): LayerInfo[] {
  checkConfig(config);
  const layers: LayerInfo[] = [];
  let [h, w] = config.inputSize;
  let ch = 3;
  const conv = (name: 'C1' | 'C3', s: FilterSpec) => {
    if (s.kernel > h || s.kernel > w) {
      throw new FaceKitError('E_CONFIG', `DeepFace config: ${name} kernel ${s.kernel} does not fit ${h}×${w}`);
    }
    const kernel = [s.kernel, s.kernel, ch, s.filters];
    [h, w, ch] = [h - s.kernel + 1, w - s.kernel + 1, s.filters];
    layers.push({ name, kind: 'Conv2D', outputShape: [h, w, ch], weights: { kernel, bias: [s.filters] } });
  };
  const local = (name: 'L4' | 'L5' | 'L6', s: FilterSpec) => {
    const stride = s.stride ?? 1;
    if (s.kernel > h || s.kernel > w) {
      throw new FaceKitError('E_CONFIG', `DeepFace config: ${name} kernel ${s.kernel} does not fit ${h}×${w}`);
    }
    const shapes = localShapes({
      input: [h, w, ch],
      kernel: [s.kernel, s.kernel],
      strides: [stride, stride],
      filters: s.filters,
    });
    [h, w, ch] = [shapes.outRows, shapes.outCols, s.filters];
    layers.push({
      name,
      kind: 'LocallyConnected2D',
      outputShape: [h, w, ch],
      weights: { kernel: shapes.kernel, bias: shapes.bias },
    });
  };
  conv('C1', config.c1);
  // M2: 3×3 stride 2, TF 'same' padding → ceil(size / 2).
  [h, w] = [Math.ceil(h / 2), Math.ceil(w / 2)];
  layers.push({ name: 'M2', kind: 'MaxPooling2D', outputShape: [h, w, ch] });
  conv('C3', config.c3);
  local('L4', config.l4);
  local('L5', config.l5);
  local('L6', config.l6);
  const flat = h * w * ch;
  layers.push({ name: 'F0', kind: 'Flatten', outputShape: [flat] });
  layers.push({
    name: 'F7',
    kind: 'Dense',
    outputShape: [config.f7],
    weights: { kernel: [flat, config.f7], bias: [config.f7] },
  });
  layers.push({ name: 'D0', kind: 'Dropout', outputShape: [config.f7] });
  if (config.classes > 0) {
    layers.push({
      name: 'F8',
      kind: 'Dense',
      outputShape: [config.classes],
      weights: { kernel: [config.f7, config.classes], bias: [config.classes] },
    });
  }
  return layers;
}

/**
 * Trainable parameters (kernels and biases), as Keras' `count_params` reports them.
 *
 * @example
 * parameterCount(); // 137_774_071 with F8 = 8631 classes
 */
export function parameterCount(config: DeepFaceConfig = DEEPFACE_CONFIG): number {
  return deepFaceLayers(config).reduce(
    (a, l) => a + (l.weights ? prod(l.weights.kernel) + prod(l.weights.bias) : 0),
    0,
  );
}

/**
 * A full config from a partial one: unspecified fields come from {@link DEEPFACE_CONFIG}.
 *
 * @example
 * const c = resolveConfig({ classes: 100 }); // the published network with a 100-way F8
 */
export function resolveConfig(partial: Partial<DeepFaceConfig> = {}): DeepFaceConfig {
  const c = { ...DEEPFACE_CONFIG, ...partial } as DeepFaceConfig;
  c.inputSize = [...c.inputSize] as [number, number];
  for (const k of ['c1', 'c3', 'l4', 'l5', 'l6'] as const) c[k] = { ...c[k] };
  checkConfig(c);
  return c;
}
