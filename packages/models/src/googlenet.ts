/**
 * GoogLeNet / Inception v1 (Szegedy et al., "Going Deeper with Convolutions", 2014): the Inception block runs
 * 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool side by side on the same input and joins them with
 * Concat along depth, with cheap 1x1 convolutions in front to set (reduce) the depth each branch sees — 22
 * layers deep with ~12x fewer weights than AlexNet.
 */
import * as cnn from '@cnn/core';
import {
  type CommonOptions,
  checkInputShape,
  checkPositive,
  checkPositiveInt,
  checkRate,
  convUnit,
  dropout,
  scaled,
} from './common.js';

/** One Inception block's depths: `[1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj]` (the paper's Table 1). */
export type InceptionConfig = readonly [number, number, number, number, number, number];

/** GoogLeNet's inception blocks (3a to 5b) with the paper's filter counts. */
export const INCEPTION_BLOCKS: Readonly<Record<string, InceptionConfig>> = {
  '3a': [64, 96, 128, 16, 32, 32],
  '3b': [128, 128, 192, 32, 96, 64],
  '4a': [192, 96, 208, 16, 48, 64],
  '4b': [160, 112, 224, 24, 64, 64],
  '4c': [128, 128, 256, 24, 64, 64],
  '4d': [112, 144, 288, 32, 64, 64],
  '4e': [256, 160, 320, 32, 128, 128],
  '5a': [256, 160, 320, 32, 128, 128],
  '5b': [384, 192, 384, 48, 128, 128],
};

export interface GoogLeNetOptions extends CommonOptions {
  /**
   * `'torchvision'` (default): batch norm (ε 0.001) after every conv (which then has no bias), 3x3 kernels in
   * the "5x5" branch (torchvision's known deviation), no LRN, dropout 0.2.
   * `'original'`: the paper's — no batch norm, conv biases, a true 5x5 branch, LRN after the stem's first
   * pool and third conv, dropout 0.4. Neither has the auxiliary classifiers.
   */
  variant?: 'torchvision' | 'original';
  /**
   * Default `[224, 224, 3]`. Smallest: 31x31 for the torchvision layout (the maps go down to 1x1), 47x47 for
   * the original (its pool4 is 3x3), 6x6 with `smallInput`.
   */
  inputShape?: CommonOptions['inputShape'];
  /** Channel multiplier for every conv. Default 1. */
  width?: number;
  /** Overrides the variant's batch norm. */
  batchNorm?: boolean;
  /** Kernel of the third branch (`branch3.conv`): 5 (paper) or 3 (torchvision). Overrides the variant's. */
  branch3Kernel?: 3 | 5;
  /** Overrides the variant's LRN. */
  lrn?: boolean;
  /** Dropout before the classifier. Default 0.2 (torchvision) or 0.4 (paper). */
  dropout?: number;
  /** CIFAR stem: conv1 3x3 stride 1 and no pool1/pool2, so the Inception blocks see the full image. */
  smallInput?: boolean;
}

/**
 * GoogLeNet: stem `conv1` (7x7/2) → `pool1` → `conv2` (1x1) → `conv3` (3x3) → `pool2`, Inception 3a, 3b →
 * `pool3` → 4a–4e → `pool4` → 5a, 5b → `avgpool` (global) → `dropout` → `fc`. Each block
 * `inceptionNN` has `branch1` (1x1), `branch2.reduce` → `branch2.conv` (3x3), `branch3.reduce` →
 * `branch3.conv` (5x5 or 3x3), `branch4.pool` (3x3/1 max) → `branch4.proj` (1x1), joined by `concat`.
 */
export function googlenet(options: GoogLeNetOptions = {}): cnn.Model {
  const variant = options.variant ?? 'torchvision';
  const original = variant === 'original';
  const {
    inputShape = [224, 224, 3],
    classes = 1000,
    width = 1,
    batchNorm = !original,
    branch3Kernel = original ? 5 : 3,
    lrn = original,
    dropout: rate = original ? 0.4 : 0.2,
    smallInput = false,
    name = original ? 'googlenet_original' : 'googlenet',
    seed,
  } = options;
  const where = 'googlenet';
  if (variant !== 'torchvision' && variant !== 'original') {
    throw new Error(`${where}: variant must be 'torchvision' or 'original', got '${variant as string}'`);
  }
  if (branch3Kernel !== 3 && branch3Kernel !== 5) {
    throw new Error(`${where}: branch3Kernel must be 3 or 5, got ${branch3Kernel}`);
  }
  checkInputShape(where, inputShape);
  checkPositiveInt(where, 'classes', classes);
  checkPositive(where, 'width', width);
  checkRate(where, 'dropout', rate);

  const unit = (x: cnn.SymbolicTensor, name: string, filters: number, kernelSize: number, strides = 1) =>
    convUnit(x, name, {
      filters: scaled(filters, width),
      kernelSize,
      strides,
      padding: (kernelSize - 1) / 2,
      batchNorm,
      bnEpsilon: 1e-3,
    });
  const maxPool = (x: cnn.SymbolicTensor, name: string, poolSize = 3) =>
    new cnn.MaxPool2D({ name, poolSize, strides: 2, ceilMode: true }).apply(x);
  // Caffe's GoogLeNet LRN: size 5, α 1e-4 (divided by the size, as core does), β 0.75.
  const norm = (x: cnn.SymbolicTensor, name: string) =>
    lrn ? new cnn.LRN({ name, size: 5, alpha: 1e-4, beta: 0.75, bias: 1 }).apply(x) : x;

  const inception = (x: cnn.SymbolicTensor, block: string) => {
    const [c1, r3, c3, r5, c5, proj] = INCEPTION_BLOCKS[block]!;
    const p = `inception${block}`;
    const b1 = unit(x, `${p}.branch1`, c1, 1);
    const b2 = unit(unit(x, `${p}.branch2.reduce`, r3, 1), `${p}.branch2.conv`, c3, 3);
    const b3 = unit(unit(x, `${p}.branch3.reduce`, r5, 1), `${p}.branch3.conv`, c5, branch3Kernel);
    const pooled = new cnn.MaxPool2D({
      name: `${p}.branch4.pool`,
      poolSize: 3,
      strides: 1,
      padding: 1,
    }).apply(x);
    const b4 = unit(pooled, `${p}.branch4.proj`, proj, 1);
    return new cnn.Concat({ name: `${p}.concat` }).apply(b1, b2, b3, b4);
  };

  const input = cnn.input(inputShape, 'input');
  let x = smallInput ? unit(input, 'conv1', 64, 3) : unit(input, 'conv1', 64, 7, 2);
  if (!smallInput) x = maxPool(x, 'pool1');
  x = norm(x, 'lrn1');
  x = unit(x, 'conv2', 64, 1);
  x = unit(x, 'conv3', 192, 3);
  x = norm(x, 'lrn2');
  if (!smallInput) x = maxPool(x, 'pool2');
  x = inception(x, '3a');
  x = inception(x, '3b');
  x = maxPool(x, 'pool3');
  for (const block of ['4a', '4b', '4c', '4d', '4e']) x = inception(x, block);
  // torchvision pools 2x2 here, the paper 3x3 (both stride 2, ceil mode: 14x14 → 7x7).
  x = maxPool(x, 'pool4', original ? 3 : 2);
  x = inception(x, '5a');
  x = inception(x, '5b');
  x = new cnn.GlobalAveragePool({ name: 'avgpool' }).apply(x);
  x = dropout(x, 'dropout', rate);
  const logits = new cnn.Dense({ name: 'fc', units: classes }).apply(x);
  return new cnn.Model({ inputs: input, outputs: logits, name, seed });
}
