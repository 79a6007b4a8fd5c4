import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { imageSetFromIdx } from './idx.js';
import { fromIdx } from './idx-node.js';
import { type ImageSet, splitValidation, type ThreeWaySplit } from './sets.js';

/** Where Debian's `dataset-fashion-mnist` package puts the four gzipped IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** Options of `loadFashionMnist`. */
export interface FashionMnistOptions {
  /** Folder with the four IDX files (gzipped or not). Default `FASHION_MNIST_DIR`. */
  dir?: string;
  /** Training images set aside (seeded, at random) as the validation set. Default 0 (none). */
  validationSize?: number;
  /** Seed of the validation split and of the training set's order. Default 0. */
  seed?: number;
}

function findFile(dir: string, name: string): string {
  for (const candidate of [join(dir, `${name}.gz`), join(dir, name)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `loadFashionMnist: ${join(dir, `${name}.gz`)} not found. Fashion-MNIST is not installed there: on Debian or Ubuntu run ` +
      `\`sudo apt-get install dataset-fashion-mnist\` (it puts the four IDX files in ${FASHION_MNIST_DIR}), or ` +
      'download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and ' +
      't10k-labels-idx1-ubyte.gz from https://github.com/zalandoresearch/fashion-mnist and pass { dir }.',
  );
}

function load(dir: string, images: string, labels: string): ImageSet {
  const set = imageSetFromIdx(fromIdx(findFile(dir, images)), fromIdx(findFile(dir, labels)));
  if (set.shape.join('x') !== '28x28x1') {
    throw new Error(`loadFashionMnist: ${images} holds images of ${set.shape.join('x')}, expected 28x28x1`);
  }
  return set;
}

/**
 * Fashion-MNIST (Zalando, MIT): 60,000 training and 10,000 test images of clothing, 28x28 grayscale in
 * [0, 1] (NHWC `[28, 28, 1]`), labels 0-9 named by `FASHION_MNIST_CLASSES`. `validationSize` training images
 * (seeded) become the validation set; the test set is the official 10,000. Node only (reads files).
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): ThreeWaySplit {
  const { dir = FASHION_MNIST_DIR, validationSize = 0, seed = 0 } = options;
  const all = load(dir, FILES.trainImages, FILES.trainLabels);
  const test = load(dir, FILES.testImages, FILES.testLabels);
  if (!Number.isInteger(validationSize) || validationSize < 0 || validationSize >= all.count) {
    throw new Error(
      `loadFashionMnist: validationSize must be an integer in [0, ${all.count - 1}], got ${validationSize}`,
    );
  }
  const { train, validation } = splitValidation(all, { validationSize, seed });
  return { train, validation, test };
}
