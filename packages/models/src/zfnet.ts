/**
 * ZFNet (Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks", 2013): AlexNet retuned by
 * looking at what its filters see — a smaller 7x7 stride-2 first layer (instead of 11x11 stride 4) keeps
 * more mid frequencies and avoids aliasing — and won ILSVRC 2013.
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

export interface ZFNetOptions extends CommonOptions {
  /** Default `[224, 224, 3]`. Smallest: 63x63, or 12x12 with `smallInput`. */
  inputShape?: CommonOptions['inputShape'];
  /** Channel multiplier for every conv and the hidden dense layers. Default 1. */
  width?: number;
  /** Contrast normalization (LRN, size 5) after pool1 and pool2, as the paper. Default true. */
  lrn?: boolean;
  /** Dropout before fc6 and fc7. Default 0.5. */
  dropout?: number;
  /** Units of fc6 and fc7. Default `4096 * width`. */
  hiddenUnits?: number;
  /** For 28x28 to 64x64 images: conv1 3x3 stride 1 padding 1 and conv2 stride 1 padding 2. Default false. */
  smallInput?: boolean;
}

/**
 * ZFNet, the layer sizes of the paper's Figure 3: conv1 7x7/2 96 → pool 3/2 → LRN → conv2 5x5/2 256 →
 * pool 3/2 → LRN → conv3 3x3 384 → conv4 3x3 384 → conv5 3x3 256 → pool 3/2 → fc6 4096 → fc7 4096 → fc8,
 * dense (ungrouped) connections throughout. The paper does not give paddings; conv1 padding 1 and ceil-mode
 * pools reproduce every size of its figure from 224x224: 110 → 55 → 26 → 13 → 13 → 13 → 13 → 6.
 * With 1000 classes that is 62,357,608 weights (3,726,464 in the convs, 58,631,144 in the classifier).
 */
export function zfnet(options: ZFNetOptions = {}): cnn.Model {
  const {
    inputShape = [224, 224, 3],
    classes = 1000,
    width = 1,
    lrn = true,
    dropout: rate = 0.5,
    smallInput = false,
    name = 'zfnet',
    seed,
  } = options;
  const where = 'zfnet';
  checkInputShape(where, inputShape);
  checkPositiveInt(where, 'classes', classes);
  checkPositive(where, 'width', width);
  checkRate(where, 'dropout', rate);
  const hiddenUnits = options.hiddenUnits ?? scaled(4096, width);
  checkPositiveInt(where, 'hiddenUnits', hiddenUnits);

  const filters = [96, 256, 384, 384, 256].map((f) => scaled(f, width));
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
  const pool = (x: cnn.SymbolicTensor, i: number) =>
    new cnn.MaxPool2D({ name: `pool${i}`, poolSize: 3, strides: 2, ceilMode: true }).apply(x);
  const norm = (x: cnn.SymbolicTensor, i: number) =>
    lrn ? new cnn.LRN({ name: `lrn${i}`, size: 5, alpha: 1e-4 * 5, beta: 0.75, bias: 2 }).apply(x) : x;

  const input = cnn.input(inputShape, 'input');
  let x = conv(
    input,
    1,
    smallInput ? { kernelSize: 3, padding: 1 } : { kernelSize: 7, strides: 2, padding: 1 },
  );
  x = norm(pool(x, 1), 1);
  x = conv(x, 2, { kernelSize: 5, strides: smallInput ? 1 : 2, padding: smallInput ? 2 : 0 });
  x = norm(pool(x, 2), 2);
  x = conv(x, 3, {});
  x = conv(x, 4, {});
  x = conv(x, 5, {});
  x = pool(x, 5);
  x = new cnn.Flatten({ name: 'flatten' }).apply(x);
  x = dropout(x, 'drop6', rate);
  x = new cnn.Dense({ name: 'fc6', units: hiddenUnits, activation: 'relu' }).apply(x);
  x = dropout(x, 'drop7', rate);
  x = new cnn.Dense({ name: 'fc7', units: hiddenUnits, activation: 'relu' }).apply(x);
  const logits = new cnn.Dense({ name: 'fc8', units: classes }).apply(x);
  return new cnn.Model({ inputs: input, outputs: logits, name, seed });
}
