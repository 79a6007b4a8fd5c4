/**
 * MobileNets: convolutions factored for phones.
 * - v1 (Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications",
 *   2017): every 3x3 conv after the stem is depthwise-separable, a depthwise 3x3 (one filter per channel)
 *   then a pointwise 1x1 (mixing channels), each with batch norm and ReLU: about 8 to 9 times fewer
 *   multiply-adds than a full 3x3 conv.
 * - v2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", 2018): inverted residual
 *   blocks, a 1x1 expansion (x6) to a wide layer, a depthwise 3x3 there, and a linear 1x1 projection back to
 *   a narrow bottleneck, with the skip connection between the narrow ends; ReLU6 everywhere but after the
 *   projection.
 * Layer names and the head follow Keras's `keras.applications.MobileNet` / `MobileNetV2`, whose
 * parameter counts the tests check.
 */
import * as cnn from '@cnn/core';
import { type CommonOptions, checkInputShape, checkPositive, checkPositiveInt, checkRate } from './common.js';

/** Options of `mobilenetV1`. */
export interface MobileNetV1Options extends CommonOptions {
  /** Default `[224, 224, 3]`. */
  inputShape?: CommonOptions['inputShape'];
  /** Width multiplier α: every layer's channels times this (the paper's 1.0, 0.75, 0.5, 0.25). Default 1. */
  alpha?: number;
  /** Depthwise filters per channel (Keras `depth_multiplier`). Default 1. */
  depthMultiplier?: number;
  /** Dropout before the classifier (Keras: 1e-3). */
  dropout?: number;
}

/** v1's separable blocks after the stem: pointwise filters (at α = 1) and the depthwise stride. */
export const MOBILENET_V1_BLOCKS: readonly (readonly [filters: number, stride: number])[] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

/** Conv (no bias: batch norm's beta takes its place) → batch norm → ReLU6. */
function convBnRelu6(
  x: cnn.SymbolicTensor,
  conv: cnn.Layer,
  bnName: string,
  reluName: string | null,
  epsilon: number,
): cnn.SymbolicTensor {
  const y = new cnn.BatchNorm({ name: bnName, epsilon }).apply(conv.apply(x));
  return reluName ? new cnn.ActivationLayer({ name: reluName, activation: 'relu6' }).apply(y) : y;
}

/**
 * MobileNet v1 (Keras layout): `conv1` (3x3/2, 32·α) → 13 blocks `conv_dw_i` (depthwise 3x3) → `conv_pw_i`
 * (1x1), each followed by `_bn` and `_relu` (ReLU6) → global average pool → dropout → `predictions`
 * (Dense, logits). At α = 1, 224x224, 1000 classes: 4,231,976 trainable weights.
 */
export function mobilenetV1(options: MobileNetV1Options = {}): cnn.Model {
  const {
    inputShape = [224, 224, 3],
    classes = 1000,
    alpha = 1,
    depthMultiplier = 1,
    dropout = 1e-3,
    name = `mobilenet_${alpha}_${inputShape[0]}`,
    seed,
  } = options;
  const where = 'mobilenetV1';
  checkInputShape(where, inputShape);
  checkPositiveInt(where, 'classes', classes);
  checkPositive(where, 'alpha', alpha);
  checkPositiveInt(where, 'depthMultiplier', depthMultiplier);
  checkRate(where, 'dropout', dropout);
  // Keras's batch norm epsilon in MobileNet v1.
  const eps = 1e-3;
  const width = (c: number) => Math.max(1, Math.floor(c * alpha));
  const x = cnn.input(inputShape, 'input');
  let y = convBnRelu6(
    x,
    new cnn.Conv2D({
      name: 'conv1',
      filters: width(32),
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: 'heNormal',
    }),
    'conv1_bn',
    'conv1_relu',
    eps,
  );
  MOBILENET_V1_BLOCKS.forEach(([filters, stride], i) => {
    const b = i + 1;
    y = convBnRelu6(
      y,
      new cnn.DepthwiseConv2D({
        name: `conv_dw_${b}`,
        kernelSize: 3,
        strides: stride,
        padding: 'same',
        depthMultiplier,
        useBias: false,
        kernelInitializer: 'heNormal',
      }),
      `conv_dw_${b}_bn`,
      `conv_dw_${b}_relu`,
      eps,
    );
    y = convBnRelu6(
      y,
      new cnn.Conv2D({
        name: `conv_pw_${b}`,
        filters: width(filters),
        kernelSize: 1,
        useBias: false,
        kernelInitializer: 'heNormal',
      }),
      `conv_pw_${b}_bn`,
      `conv_pw_${b}_relu`,
      eps,
    );
  });
  y = new cnn.GlobalAveragePool({ name: 'global_average_pooling2d' }).apply(y);
  if (dropout > 0) y = new cnn.Dropout({ name: 'dropout', rate: dropout }).apply(y);
  // Keras applies a 1x1 conv to the pooled 1x1 map; a Dense layer is the same weights and count.
  y = new cnn.Dense({ name: 'predictions', units: classes }).apply(y);
  return new cnn.Model({ inputs: x, outputs: y, name, seed });
}

/** Options of `mobilenetV2`. */
export interface MobileNetV2Options extends CommonOptions {
  /** Default `[224, 224, 3]`. */
  inputShape?: CommonOptions['inputShape'];
  /** Width multiplier α (0.35 to 1.4 in the paper). Default 1. */
  alpha?: number;
}

/** v2's stages: expansion t, output channels c (at α = 1), repeats n, first stride s (Table 2 of the paper). */
export const MOBILENET_V2_STAGES: readonly (readonly [t: number, c: number, n: number, s: number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** The closest multiple of `divisor` to `v`, never below 90% of v (the reference implementation's rounding). */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/**
 * MobileNet v2 (Keras layout): `Conv1` (3x3/2) → 17 inverted residual blocks (`block_i_expand` 1x1 →
 * `block_i_depthwise` 3x3 → `block_i_project` 1x1, linear; `block_i_add` where shapes allow; the first
 * block, `expanded_conv`, has no expansion) → `Conv_1` (1x1, 1280) → global average pool → `predictions`
 * (Dense, logits). At α = 1, 224x224, 1000 classes: 3,504,872 trainable weights.
 */
export function mobilenetV2(options: MobileNetV2Options = {}): cnn.Model {
  const {
    inputShape = [224, 224, 3],
    classes = 1000,
    alpha = 1,
    name = `mobilenetv2_${alpha}_${inputShape[0]}`,
    seed,
  } = options;
  const where = 'mobilenetV2';
  checkInputShape(where, inputShape);
  checkPositiveInt(where, 'classes', classes);
  checkPositive(where, 'alpha', alpha);
  // Keras's batch norm epsilon in MobileNetV2.
  const eps = 1e-3;
  const conv = (layerName: string, filters: number, kernelSize: number, strides = 1) =>
    new cnn.Conv2D({
      name: layerName,
      filters,
      kernelSize,
      strides,
      padding: 'same',
      useBias: false,
      kernelInitializer: 'heNormal',
    });
  const x = cnn.input(inputShape, 'input');
  let y = convBnRelu6(x, conv('Conv1', makeDivisible(32 * alpha), 3, 2), 'bn_Conv1', 'Conv1_relu', eps);
  let block = 0;
  for (const [t, c, n, s] of MOBILENET_V2_STAGES) {
    const out = makeDivisible(c * alpha);
    for (let r = 0; r < n; r++) {
      const inChannels = y.shape[2]!;
      const prefix = block === 0 ? 'expanded_conv_' : `block_${block}_`;
      const stride = r === 0 ? s : 1;
      const blockInput = y;
      let h = y;
      if (t !== 1) {
        h = convBnRelu6(
          h,
          conv(`${prefix}expand`, inChannels * t, 1),
          `${prefix}expand_BN`,
          `${prefix}expand_relu`,
          eps,
        );
      }
      h = convBnRelu6(
        h,
        new cnn.DepthwiseConv2D({
          name: `${prefix}depthwise`,
          kernelSize: 3,
          strides: stride,
          padding: 'same',
          useBias: false,
          kernelInitializer: 'heNormal',
        }),
        `${prefix}depthwise_BN`,
        `${prefix}depthwise_relu`,
        eps,
      );
      // The linear bottleneck: no ReLU after the projection (it would destroy information in few channels).
      h = convBnRelu6(h, conv(`${prefix}project`, out, 1), `${prefix}project_BN`, null, eps);
      if (stride === 1 && inChannels === out) h = new cnn.Add({ name: `${prefix}add` }).apply(blockInput, h);
      y = h;
      block++;
    }
  }
  // The last 1x1 conv keeps 1280 channels for α <= 1 (the paper), and widens with α > 1.
  const last = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  y = convBnRelu6(y, conv('Conv_1', last, 1), 'Conv_1_bn', 'out_relu', eps);
  y = new cnn.GlobalAveragePool({ name: 'global_average_pooling2d' }).apply(y);
  y = new cnn.Dense({ name: 'predictions', units: classes }).apply(y);
  return new cnn.Model({ inputs: x, outputs: y, name, seed });
}
