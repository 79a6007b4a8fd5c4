/**
 * What `@cnn/datasets` resolves to in a browser bundle (the `browser` export condition). The MNIST loader
 * reads the `mnist` package's JSON files with Node's `require`, so it runs in Node only; the rest works.
 */
import type { ImageSet, MnistSplit } from './mnist.js';

export type { ImageSet, MnistSplit };

/** The height and width of an MNIST digit. */
export const MNIST_SIZE = 28;

/** Node only: in a browser this throws, naming the alternative. */
export function loadMnist(_options: { seed?: number; trainSize?: number } = {}): MnistSplit {
  throw new Error(
    "@cnn/datasets: loadMnist() runs in Node only (it reads the 'mnist' package's files from disk). In a " +
      'browser, fetch the digits yourself (e.g. a JSON or binary file served next to your page) and build an ' +
      'ImageSet { images, labels, count, shape: [28, 28, 1] } from them.',
  );
}

/** The first `count` samples of a set (for learning curves on subsets). */
export function take(set: ImageSet, count: number): ImageSet {
  const pixels = MNIST_SIZE * MNIST_SIZE;
  const n = Math.min(count, set.count);
  return { ...set, images: set.images.slice(0, n * pixels), labels: set.labels.slice(0, n), count: n };
}
