/**
 * AlexNet (Krizhevsky, Sutskever & Hinton, 2012): LeNet's recipe scaled up to ImageNet — five conv layers with
 * ReLU, overlapping max pooling, dropout in a wide classifier, trained on GPUs — won ILSVRC 2012 and started
 * the deep learning era of computer vision.
 */
import * as cnn from '@cnn/core';
import {
  type CommonOptions,
  checkInputShape,
  checkPositive,
  checkPositiveInt,
  checkRate,
  dropout,
  scaled,
} from './common.js';

export interface AlexNetOptions extends CommonOptions {
  /**
   * `'torchvision'` (default): 64/192/384/256/256 filters, conv1 padded by 2, no LRN, no groups
   * (torchvision's `alexnet`, from Krizhevsky's 2014 "one weird trick" single-GPU version).
   * `'original'`: the 2012 paper's 96/256/384/384/256 filters, conv1 unpadded on 227x227, LRN after conv1
   * and conv2, and conv2/conv4/conv5 split into two groups (the two GPUs).
   */
  variant?: 'torchvision' | 'original';
  /**
   * Default `[224, 224, 3]` (torchvision) or `[227, 227, 3]` (original: the size that gives 55x55 after
   * conv1). Smallest: 63x63, or 15x15 with `smallInput`.
   */
  inputShape?: CommonOptions['inputShape'];
  /** Channel multiplier for every conv and the hidden dense layers. Default 1. */
  width?: number;
  /** Local response normalization after conv1 and conv2 (size 5, α 1e-4, β 0.75, k 2). Default: original only. */
  lrn?: boolean;
  /** The two-GPU grouping of conv2, conv4, conv5 (groups = 2). Default: original only. */
  groups?: boolean;
  /** Dropout before fc1 and fc2. Default 0.5. */
  dropout?: number;
  /** Units of fc1 and fc2. Default `4096 * width`. */
  hiddenUnits?: number;
  /**
   * For 28x28 to 64x64 images: conv1 becomes 5x5 stride 1 padding 2 (11x11 stride 4 would leave nothing for
   * the three 3x3/2 pools). Default false.
   */
  smallInput?: boolean;
}

/**
 * AlexNet: conv1 → pool1 → conv2 → pool2 → conv3 → conv4 → conv5 → pool5 → fc1 → fc2 → fc3.
 * The classifier takes the flattened last feature map: at 224x224 (torchvision) or 227x227 (original) it is
 * 6x6x256, the size torchvision's adaptive average pool produces, so the weights and counts are the same
 * (torchvision: 61,100,840). Other input sizes give a different fc1 (there is no adaptive pool in core).
 */
export function alexnet(options: AlexNetOptions = {}): cnn.Model {
  const variant = options.variant ?? 'torchvision';
  const original = variant === 'original';
  const {
    inputShape = original ? [227, 227, 3] : [224, 224, 3],
    classes = 1000,
    width = 1,
    lrn = original,
    groups = original,
    dropout: rate = 0.5,
    smallInput = false,
    name = original ? 'alexnet_original' : 'alexnet',
    seed,
  } = options;
  const where = 'alexnet';
  if (variant !== 'torchvision' && variant !== 'original') {
    throw new Error(`${where}: variant must be 'torchvision' or 'original', got '${variant as string}'`);
  }
  checkInputShape(where, inputShape);
  checkPositiveInt(where, 'classes', classes);
  checkPositive(where, 'width', width);
  checkRate(where, 'dropout', rate);
  const hiddenUnits = options.hiddenUnits ?? scaled(4096, width);
  checkPositiveInt(where, 'hiddenUnits', hiddenUnits);

  const g = groups ? 2 : 1;
  const filters = (original ? [96, 256, 384, 384, 256] : [64, 192, 384, 256, 256]).map((f) =>
    scaled(f, width, g),
  );
  const conv = (x: cnn.SymbolicTensor, i: number, config: Partial<cnn.Conv2DConfig>) =>
    new cnn.Conv2D({
      name: `conv${i}`,
      filters: filters[i - 1]!,
      kernelSize: 3,
      padding: 1,
      activation: 'relu',
      kernelInitializer: 'heNormal',
      ...config,
    }).apply(x);
  const norm = (x: cnn.SymbolicTensor, i: number) =>
    // Core's LRN divides alpha by size (PyTorch/ONNX); the paper's α = 1e-4 multiplies the plain sum.
    lrn ? new cnn.LRN({ name: `lrn${i}`, size: 5, alpha: 1e-4 * 5, beta: 0.75, bias: 2 }).apply(x) : x;
  const pool = (x: cnn.SymbolicTensor, i: number) =>
    new cnn.MaxPool2D({ name: `pool${i}`, poolSize: 3, strides: 2 }).apply(x);

  const input = cnn.input(inputShape, 'input');
  let x = smallInput
    ? conv(input, 1, { kernelSize: 5, padding: 2 })
    : conv(input, 1, { kernelSize: 11, strides: 4, padding: original ? 0 : 2 });
  x = pool(norm(x, 1), 1);
  x = conv(x, 2, { kernelSize: 5, padding: 2, groups: g });
  x = pool(norm(x, 2), 2);
  x = conv(x, 3, {});
  x = conv(x, 4, { groups: g });
  x = conv(x, 5, { groups: g });
  x = pool(x, 5);
  x = new cnn.Flatten({ name: 'flatten' }).apply(x);
  x = dropout(x, 'drop1', rate);
  x = new cnn.Dense({ name: 'fc1', units: hiddenUnits, activation: 'relu' }).apply(x);
  x = dropout(x, 'drop2', rate);
  x = new cnn.Dense({ name: 'fc2', units: hiddenUnits, activation: 'relu' }).apply(x);
  const logits = new cnn.Dense({ name: 'fc3', units: classes }).apply(x);
  return new cnn.Model({ inputs: input, outputs: logits, name, seed });
}
