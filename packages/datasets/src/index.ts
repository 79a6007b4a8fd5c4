export { type ImageSet, loadMnist, MNIST_SIZE, type MnistSplit, take } from './mnist.js';
