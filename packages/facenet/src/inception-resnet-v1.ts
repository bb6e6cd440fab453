import { kerasAutoNamer, type NetworkDefinition, type Ops } from './graph.js';

/** BatchNormalization in deepface's Inception-ResNet-v1: epsilon 0.001, scale=False (no gamma). */
const BN_EPS = 0.001;

function graph<T>(o: Ops<T>, input: T, dim: number): T {
  // conv2d_bn of the source: Conv2D(no bias) → BatchNormalization(name + '_BatchNorm') → ReLU(name + '_Activation').
  const cb = (
    x: T,
    name: string,
    filters: number,
    kernel: number | [number, number],
    strides = 1,
    padding: 'valid' | 'same' = 'valid',
  ) =>
    o.convBn(x, {
      conv: name,
      bn: `${name}_BatchNorm`,
      act: `${name}_Activation`,
      relu: true,
      filters,
      kernel,
      strides,
      padding,
      bias: false,
      eps: BN_EPS,
      scale: false,
    });
  // The merge of a residual block: Lambda(scale) and Add, auto-named by Keras in creation order.
  const auto = kerasAutoNamer();
  const merge = () => ({ scaled: auto('lambda'), sum: auto('add') });
  // The residual branch: 1x1 conv with bias, no BN, scaled and added to the block input.
  const up = (x: T, name: string, filters: number) =>
    o.conv(x, name, { filters, kernel: 1, padding: 'same', bias: true });

  let x = cb(input, 'Conv2d_1a_3x3', 32, 3, 2);
  x = cb(x, 'Conv2d_2a_3x3', 32, 3);
  x = cb(x, 'Conv2d_2b_3x3', 64, 3, 1, 'same');
  x = o.maxPool(x, 3, 2, 'MaxPool_3a_3x3');
  x = cb(x, 'Conv2d_3b_1x1', 80, 1);
  x = cb(x, 'Conv2d_4a_3x3', 192, 3);
  x = cb(x, 'Conv2d_4b_3x3', 256, 3, 2);

  // 5 × Block35 (scale 0.17).
  for (let k = 1; k <= 5; k++) {
    const p = `Block35_${k}_`;
    const b0 = cb(x, `${p}Branch_0_Conv2d_1x1`, 32, 1, 1, 'same');
    let b1 = cb(x, `${p}Branch_1_Conv2d_0a_1x1`, 32, 1, 1, 'same');
    b1 = cb(b1, `${p}Branch_1_Conv2d_0b_3x3`, 32, 3, 1, 'same');
    let b2 = cb(x, `${p}Branch_2_Conv2d_0a_1x1`, 32, 1, 1, 'same');
    b2 = cb(b2, `${p}Branch_2_Conv2d_0b_3x3`, 32, 3, 1, 'same');
    b2 = cb(b2, `${p}Branch_2_Conv2d_0c_3x3`, 32, 3, 1, 'same');
    const mixed = up(o.concat([b0, b1, b2], `${p}Concatenate`), `${p}Conv2d_1x1`, 256);
    x = o.residual(x, mixed, 0.17, { ...merge(), relu: `${p}Activation` });
  }

  // Mixed_6a (reduction A): 17×17×256 → 8×8×896.
  {
    const b0 = cb(x, 'Mixed_6a_Branch_0_Conv2d_1a_3x3', 384, 3, 2);
    let b1 = cb(x, 'Mixed_6a_Branch_1_Conv2d_0a_1x1', 192, 1, 1, 'same');
    b1 = cb(b1, 'Mixed_6a_Branch_1_Conv2d_0b_3x3', 192, 3, 1, 'same');
    b1 = cb(b1, 'Mixed_6a_Branch_1_Conv2d_1a_3x3', 256, 3, 2);
    const b2 = o.maxPool(x, 3, 2, 'Mixed_6a_Branch_2_MaxPool_1a_3x3');
    x = o.concat([b0, b1, b2], 'Mixed_6a');
  }

  // 10 × Block17 (scale 0.1). Name quirk kept from deepface: the second branch of Block17_k is `Branch_k`.
  for (let k = 1; k <= 10; k++) {
    const p = `Block17_${k}_`;
    const b0 = cb(x, `${p}Branch_0_Conv2d_1x1`, 128, 1, 1, 'same');
    let b1 = cb(x, `${p}Branch_${k}_Conv2d_0a_1x1`, 128, 1, 1, 'same');
    b1 = cb(b1, `${p}Branch_${k}_Conv2d_0b_1x7`, 128, [1, 7], 1, 'same');
    b1 = cb(b1, `${p}Branch_${k}_Conv2d_0c_7x1`, 128, [7, 1], 1, 'same');
    const mixed = up(o.concat([b0, b1], `${p}Concatenate`), `${p}Conv2d_1x1`, 896);
    x = o.residual(x, mixed, 0.1, { ...merge(), relu: `${p}Activation` });
  }

  // Mixed_7a (reduction B): 8×8×896 → 3×3×1792.
  {
    let b0 = cb(x, 'Mixed_7a_Branch_0_Conv2d_0a_1x1', 256, 1, 1, 'same');
    b0 = cb(b0, 'Mixed_7a_Branch_0_Conv2d_1a_3x3', 384, 3, 2);
    let b1 = cb(x, 'Mixed_7a_Branch_1_Conv2d_0a_1x1', 256, 1, 1, 'same');
    b1 = cb(b1, 'Mixed_7a_Branch_1_Conv2d_1a_3x3', 256, 3, 2);
    let b2 = cb(x, 'Mixed_7a_Branch_2_Conv2d_0a_1x1', 256, 1, 1, 'same');
    b2 = cb(b2, 'Mixed_7a_Branch_2_Conv2d_0b_3x3', 256, 3, 1, 'same');
    b2 = cb(b2, 'Mixed_7a_Branch_2_Conv2d_1a_3x3', 256, 3, 2);
    const b3 = o.maxPool(x, 3, 2, 'Mixed_7a_Branch_3_MaxPool_1a_3x3');
    x = o.concat([b0, b1, b2, b3], 'Mixed_7a');
  }

  // 5 × Block8 (scale 0.2) + Block8_6 (scale 1, no ReLU). Second branch: `Branch_k` for k ≤ 5, `Branch_1` for 6.
  for (let k = 1; k <= 6; k++) {
    const p = `Block8_${k}_`;
    const br = `${p}Branch_${k <= 5 ? k : 1}`;
    const b0 = cb(x, `${p}Branch_0_Conv2d_1x1`, 192, 1, 1, 'same');
    let b1 = cb(x, `${br}_Conv2d_0a_1x1`, 192, 1, 1, 'same');
    b1 = cb(b1, `${br}_Conv2d_0b_1x3`, 192, [1, 3], 1, 'same');
    b1 = cb(b1, `${br}_Conv2d_0c_3x1`, 192, [3, 1], 1, 'same');
    const mixed = up(o.concat([b0, b1], `${p}Concatenate`), `${p}Conv2d_1x1`, 1792);
    x = o.residual(x, mixed, k <= 5 ? 0.2 : 1, { ...merge(), ...(k <= 5 && { relu: `${p}Activation` }) });
  }

  x = o.globalAvgPool(x, 'AvgPool');
  x = o.dropout(x, 'Dropout'); // rate 0.2 in Keras; the identity at inference
  x = o.dense(x, 'Bottleneck', dim, false);
  return o.bn(x, 'Bottleneck_BatchNorm', BN_EPS, false);
}

/**
 * Inception-ResNet-v1 as in deepface's `Facenet` (dim 128) / `Facenet512` (dim 512): 160×160 RGB, prewhitened →
 * `Bottleneck_BatchNorm` output, not L2-normalised. Keras layer names, so deepface's h5 files load by name.
 *
 * @example
 * const net = await FaceNetwork.load(inceptionResnetV1(512), await readFile('facenet512_weights.h5'));
 */
export function inceptionResnetV1(dim: 128 | 512): NetworkDefinition {
  return {
    name: dim === 128 ? 'facenet' : 'facenet512',
    inputSize: [160, 160],
    outputDim: dim,
    normalized: false,
    graph: (o, x) => graph(o, x, dim),
  };
}
