/**
 * LeNet-5 (LeCun et al., 1998): the template every later CNN follows — small convolutions that share their
 * weights across the image, pooling that shrinks it, and fully connected layers that classify the features.
 */
import * as cnn from '@cnn/core';
import { type CommonOptions, checkInputShape, checkPositiveInt } from './common.js';

export interface LeNet5Options extends CommonOptions {
  /** Default `[28, 28, 1]` (MNIST). The 1998 network took `[32, 32, 1]` with `padFirst: false`. */
  inputShape?: CommonOptions['inputShape'];
  /** Activation after every conv and hidden dense layer. Default `'relu'` (1998: a scaled tanh). */
  activation?: 'relu' | 'tanh';
  /**
   * Pad conv1 by 2 so a 28x28 image gives 28x28x6, as the 1998 network's 32x32 input did (fc1 then has
   * 16·5·5 = 400 inputs). `false`: no padding, as the PyTorch reference fixture of this repository
   * (`network_lenet5_001_n2c1h28w28`): 28 → 24 → 12 → 8 → 4, so fc1 has 16·4·4 = 256 inputs. Default true.
   */
  padFirst?: boolean;
  /** `'max'` (default, as the fixture) or `'avg'` (closer to 1998's trainable subsampling). */
  pool?: 'max' | 'avg';
}

/**
 * LeNet-5: conv 5x5x6 → pool 2 → conv 5x5x16 → pool 2 → fc 120 → fc 84 → fc `classes`.
 * Layers `conv1, pool1, conv2, pool2, flatten, fc1, fc2, fc3`, the fixture's names.
 * 61,706 weights with 400 fc1 inputs (padded 28x28, or unpadded 32x32); 44,426 unpadded on 28x28.
 */
export function lenet5(options: LeNet5Options = {}): cnn.Model {
  const {
    inputShape = [28, 28, 1],
    classes = 10,
    activation = 'relu',
    padFirst = true,
    pool = 'max',
    name = 'lenet5',
    seed,
  } = options;
  checkInputShape('lenet5', inputShape);
  checkPositiveInt('lenet5', 'classes', classes);
  const Pool = pool === 'avg' ? cnn.AvgPool2D : cnn.MaxPool2D;
  return cnn.sequential(
    inputShape,
    [
      new cnn.Conv2D({
        name: 'conv1',
        filters: 6,
        kernelSize: 5,
        padding: padFirst ? 2 : 'valid',
        activation,
      }),
      new Pool({ name: 'pool1', poolSize: 2 }),
      new cnn.Conv2D({ name: 'conv2', filters: 16, kernelSize: 5, activation }),
      new Pool({ name: 'pool2', poolSize: 2 }),
      new cnn.Flatten({ name: 'flatten' }),
      new cnn.Dense({ name: 'fc1', units: 120, activation }),
      new cnn.Dense({ name: 'fc2', units: 84, activation }),
      new cnn.Dense({ name: 'fc3', units: classes }),
    ],
    { name, seed },
  );
}
