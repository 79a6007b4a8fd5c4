/**
 * What `@cnn/datasets` resolves to in a browser bundle (the `browser` export condition). The loaders read
 * files with Node (`require`, `fs`, `zlib`), so they run in Node only; parsing IDX bytes you fetched
 * yourself, splitting and subsets work everywhere.
 */
import type { FashionMnistOptions } from './fashion-mnist.js';
import type { IdxArray } from './idx.js';
import type { MnistOptions, MnistSplit } from './mnist.js';
import type { ThreeWaySplit } from './sets.js';

export { type IdxArray, type IdxType, imageSetFromIdx, parseIdx } from './idx.js';
export { FASHION_MNIST_CLASSES, MNIST_CLASSES, MNIST_SIZE } from './labels.js';
export { type ImageSet, splitValidation, subset, type ThreeWaySplit, take } from './sets.js';
export type { FashionMnistOptions, MnistOptions, MnistSplit };

/** Where Debian's `dataset-fashion-mnist` package puts the IDX files (Node only). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const nodeOnly = (name: string, what: string) =>
  new Error(
    `@cnn/datasets: ${name}() runs in Node only (it reads ${what} from disk). In a browser, fetch the bytes ` +
      'yourself (e.g. an IDX file served next to your page: parseIdx(new Uint8Array(await (await fetch(url)).arrayBuffer())), ' +
      'gunzipped) and build an ImageSet { images, labels, count, shape } with imageSetFromIdx.',
  );

/** Node only: in a browser this throws, naming the alternative. */
export function loadMnist(_options: MnistOptions = {}): MnistSplit {
  throw nodeOnly('loadMnist', "the 'mnist' package's files");
}

/** Node only: in a browser this throws, naming the alternative. */
export function loadFashionMnist(_options: FashionMnistOptions = {}): ThreeWaySplit {
  throw nodeOnly('loadFashionMnist', 'the Fashion-MNIST IDX files');
}

/** Node only: in a browser this throws, naming the alternative. */
export function fromIdx(_path: string): IdxArray {
  throw nodeOnly('fromIdx', 'an IDX file');
}
