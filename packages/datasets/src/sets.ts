import { Random } from '@cnn/core';

/**
 * Images as one flat array, `count` x height x width x channels (NHWC, values in [0, 1]), and their
 * integer class labels.
 */
export interface ImageSet {
  images: Float32Array;
  labels: Float32Array;
  count: number;
  /** Per-sample shape `[height, width, channels]`, e.g. `[28, 28, 1]`. */
  shape: [number, number, number];
}

/** Three disjoint sets: fit on `train`, choose epochs and settings on `validation`, report `test` once. */
export interface ThreeWaySplit {
  train: ImageSet;
  /** Carved (seeded) from the training data; `count` 0 when no validation set was asked for. */
  validation: ImageSet;
  test: ImageSet;
}

function checkImageSet(where: string, set: ImageSet): void {
  if (!set || typeof set !== 'object' || !Number.isInteger(set.count) || !Array.isArray(set.shape)) {
    throw new Error(
      `${where}: set must be an ImageSet ({ images, labels, count, shape }), e.g. from loadMnist()`,
    );
  }
}

const describe = (value: unknown) =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));

/** The samples at `indices` (in that order), copied. */
export function subset(set: ImageSet, indices: readonly number[]): ImageSet {
  checkImageSet('subset', set);
  const pixels = set.shape.reduce((a, b) => a * b, 1);
  const images = new Float32Array(indices.length * pixels);
  const labels = new Float32Array(indices.length);
  indices.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0 || index >= set.count) {
      throw new Error(`subset: index ${describe(index)} is not in [0, ${set.count - 1}]`);
    }
    images.set(set.images.subarray(index * pixels, (index + 1) * pixels), i * pixels);
    labels[i] = set.labels[index]!;
  });
  return { images, labels, count: indices.length, shape: [...set.shape] };
}

/**
 * The first `count` samples of a set (for learning curves on subsets). `count` must be an integer in
 * [0, set.count]: asking for more samples than the set holds is an error, not a silently smaller subset.
 */
export function take(set: ImageSet, count: number): ImageSet {
  checkImageSet('take', set);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > set.count) {
    throw new Error(
      `take: count must be an integer in [0, ${set.count}] (the set holds ${set.count} samples), got ${describe(count)}`,
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

/**
 * Carves a validation set out of training data: a seeded random `validationSize` samples become
 * `validation`, the rest `train` (both in a seeded random order). The two are disjoint and together hold
 * every sample once. Use the validation set for every choice (epochs, learning rate, early stopping) and
 * keep the test set for one final measurement.
 */
export function splitValidation(
  set: ImageSet,
  options: { validationSize: number; seed?: number },
): { train: ImageSet; validation: ImageSet } {
  checkImageSet('splitValidation', set);
  const { validationSize, seed = 0 } = options ?? ({} as { validationSize: number });
  if (!Number.isInteger(validationSize) || validationSize < 0 || validationSize >= set.count) {
    throw new Error(
      `splitValidation: validationSize must be an integer in [0, ${set.count - 1}] (the set holds ${set.count} samples and training needs at least one), got ${describe(validationSize)}`,
    );
  }
  const order = new Random(seed).shuffle(Array.from({ length: set.count }, (_, i) => i));
  return {
    validation: subset(set, order.slice(0, validationSize)),
    train: subset(set, order.slice(validationSize)),
  };
}
