#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError } from 'commander';
import { backendNames } from './backends.js';
import { trainMnist } from './train.js';

/** A commander parser for integers >= min. */
const integerFrom = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(
      min === 0 ? 'expected 0 or a positive integer' : 'expected a positive integer',
    );
  return n;
};
const integer = integerFrom(1);
const positive = (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
};

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command()
  .name('cnn-mnist')
  .version(version)
  .description(
    'Trains LeNet-5 on the 10,000 real MNIST digits of the mnist package (a seeded 8,000/2,000 split), then prints\n' +
      'the test accuracy on the held-out digits, a confusion matrix and the time taken, and writes the model,\n' +
      'the learned first-layer filters, the feature maps of one test digit and the loss/accuracy curves.',
  )
  .option('-b, --backend <name>', `backend to train on: ${backendNames.join(', ')}`, 'cpu')
  .option('-e, --epochs <n>', 'passes over the training digits', integer, 12)
  .option('--batch-size <n>', 'digits per gradient step (at most --train-size)', integer, 32)
  .option('--learning-rate <x>', 'Adam learning rate of the first epoch', positive, 0.002)
  .option('--learning-rate-decay <x>', 'factor applied to the learning rate after each epoch', positive, 0.75)
  .option('--shift <n>', 'augmentation: shift training digits by up to n pixels (0 = off)', integerFrom(0), 2)
  .option('--seed <n>', 'seed of the split, the initial weights and the shuffling', integer, 1)
  .option('--train-size <n>', 'training digits (the rest of the 10,000 are the test set)', integer, 8000)
  .option('-o, --out <dir>', 'folder for the model, the pictures and result.json', 'out/mnist')
  .option('--no-pictures', 'skip the PNG and SVG pictures')
  .parse();

const options = program.opts<{
  backend: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  learningRateDecay: number;
  shift: number;
  seed: number;
  trainSize: number;
  out: string;
  pictures: boolean;
}>();

if (options.batchSize > options.trainSize)
  program.error(
    `error: --batch-size ${options.batchSize} is larger than the training set (--train-size ${options.trainSize} digits); choose at most ${options.trainSize}`,
  );

try {
  await trainMnist({ ...options, verbose: true });
} catch (error) {
  console.error(`cnn-mnist: ${(error as Error).message}`);
  process.exit(1);
}
