export {
  FASHION_MNIST_DIR,
  type FashionMnistOptions,
  loadFashionMnist,
} from './fashion-mnist.js';
export { type IdxArray, type IdxType, imageSetFromIdx, parseIdx } from './idx.js';
export { fromIdx } from './idx-node.js';
export { FASHION_MNIST_CLASSES, MNIST_CLASSES, MNIST_SIZE } from './labels.js';
export { loadMnist, type MnistOptions, type MnistSplit } from './mnist.js';
export { type ImageSet, splitValidation, subset, type ThreeWaySplit, take } from './sets.js';
