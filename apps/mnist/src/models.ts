import * as cnn from '@cnn/core';
import * as zoo from '@cnn/models';

/** The models `--model` picks from. */
export const modelNames = ['lenet5', 'vgg-bn', 'resnet', 'mobilenet'];

/** What a model builder takes: the image shape, the classes, the seed, a channel multiplier. */
export interface ModelChoice {
  inputShape: [number, number, number];
  classes: number;
  seed: number;
  /** Channel multiplier of vgg-bn, resnet and mobilenet (lenet5 has fixed widths). */
  width: number;
  /** vgg-bn's dropout rate after fc1 (default 0.3). */
  dropout?: number;
}

/**
 * A small VGG-style net for 28x28 images, the benchmark's "2 Conv+pooling+BN" entry grown by one conv: 3x3
 * convs of 16, 64 and 64 filters (times `width`), each followed by batch norm and ReLU, the first two by a
 * 2x2 max pool (28 -> 14 -> 7), then fc 128 + ReLU, dropout (0.3 by default), fc `classes`. The zoo's
 * vgg() needs 32x32 (five pools).
 *
 * Shaped by what a step costs on a CPU. At 28x28 every op is a memory-bound pass over big maps, so the
 * first block has few filters, and it pools straight after its conv: batch norm and ReLU then run on a
 * quarter of the pixels (without the third conv, the classic conv, BN, ReLU, pool order with 32 first
 * filters took 1.8x as long per image). The filters go where maps are small and a conv is one dense
 * matrix product: the 7x7 conv costs about what the second block's does.
 */
export function vggBn(choice: ModelChoice): cnn.Model {
  const { inputShape, classes, seed, width, dropout = 0.3 } = choice;
  const conv = (b: number, filters: number) =>
    new cnn.Conv2D({
      name: `block${b}.conv`,
      filters: zoo.scaled(filters, width),
      kernelSize: 3,
      padding: 1,
      useBias: false, // batch norm's beta is the bias
      kernelInitializer: 'heNormal',
    });
  const normalized = (b: number) => [
    new cnn.BatchNorm({ name: `block${b}.bn` }),
    new cnn.ReLU({ name: `block${b}.relu` }),
  ];
  const pool = (b: number) => new cnn.MaxPool2D({ name: `block${b}.pool`, poolSize: 2 });
  return cnn.sequential(
    inputShape,
    [
      conv(1, 16),
      pool(1),
      ...normalized(1),
      conv(2, 64),
      pool(2),
      ...normalized(2),
      conv(3, 64),
      ...normalized(3),
      new cnn.Flatten({ name: 'flatten' }),
      new cnn.Dense({ name: 'fc1', units: 128, activation: 'relu' }),
      new cnn.Dropout({ name: 'drop1', rate: dropout }),
      new cnn.Dense({ name: 'fc2', units: classes }),
    ],
    { name: 'vgg_bn_small', seed },
  );
}

/** Builds the model `name` (one of `modelNames`) for the data set's images. */
export function buildModel(name: string, choice: ModelChoice): cnn.Model {
  const { inputShape, classes, seed, width } = choice;
  switch (name) {
    case 'lenet5':
      return zoo.lenet5({ inputShape, classes, seed });
    case 'vgg-bn':
      return vggBn(choice);
    case 'resnet':
      // ResNet-18 with the CIFAR stem (3x3 conv, no max pool), a quarter of the channels by default:
      // 28 -> 28, 14, 7, 4 through the four stages.
      return zoo.resnet({ depth: 18, smallInput: true, inputShape, classes, seed, width: width / 4 });
    case 'mobilenet':
      // MobileNetV2 at α = 0.35 (Keras's smallest) by default: 28 -> 14, 7, 4, 2, 1 through its strides.
      return zoo.mobilenetV2({ inputShape, classes, seed, alpha: 0.35 * width });
  }
  throw new Error(`unknown model '${name}' (choose one of: ${modelNames.join(', ')})`);
}
