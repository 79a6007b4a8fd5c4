#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError } from 'commander';
import { backendNames } from './backends.js';
import { modelNames } from './models.js';
import { scheduleNames } from './schedule.js';
import { DATASET_DEFAULTS, datasetNames, type MnistOptions, trainMnist } from './train.js';

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

const nonNegative = (value: string) => {
  const n = Number(value);
  if (!(n >= 0)) throw new InvalidArgumentError('expected 0 or a positive number');
  return n;
};
/** A rate in [0, 1): label smoothing, dropout. */
const rateBelowOne = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('expected a number in [0, 1)');
  return n;
};
const probability = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a probability in [0, 1]');
  return n;
};
/** A default as "mnist / fashion-mnist" (they differ by data set). */
const d = (key: keyof typeof DATASET_DEFAULTS.mnist) => {
  const [a, b] = [DATASET_DEFAULTS.mnist[key], DATASET_DEFAULTS['fashion-mnist'][key]];
  return a === b ? String(a) : `${a} / ${b}`;
};

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command()
  .name('cnn-mnist')
  .version(version)
  .description(
    'Trains a CNN on real images: the 10,000 MNIST digits of the mnist package (a seeded 7,000 / 1,000 / 2,000 ' +
      'train / validation / test split) or Fashion-MNIST (60,000 training images, of which a seeded 5,000 are the ' +
      'validation set, and the 10,000 test images; apt-get install dataset-fashion-mnist). Every epoch is reported ' +
      'on the validation set, which also picks the epoch whose weights are kept; the test set is evaluated once, at ' +
      'the end: its accuracy and confusion matrix are printed, and the model, the first-layer filters, the feature ' +
      'maps of one test image and the loss/accuracy curves are written. Defaults depend on --dataset (shown as ' +
      'mnist / fashion-mnist).',
  )
  .option('-d, --dataset <name>', `data set: ${datasetNames.join(', ')}`, 'mnist')
  .option('-m, --model <name>', `model: ${modelNames.join(', ')}`, 'lenet5')
  .option('-b, --backend <name>', `backend to train on: ${backendNames.join(', ')}`, 'cpu')
  .option(
    '-e, --epochs <n>',
    `at most this many passes over the training images (default: ${d('epochs')})`,
    integer,
  )
  .option('--batch-size <n>', `images per gradient step (default: ${d('batchSize')})`, integer)
  .option(
    '--learning-rate <x>',
    `Adam learning rate: of the first epoch, or one-cycle's peak (default: ${d('learningRate')})`,
    positive,
  )
  .option(
    '--schedule <name>',
    `learning-rate schedule: exponential (the rate times --learning-rate-decay after each epoch) or one-cycle (up to the peak over the first 30% of the run, then down to 0 by its last step or its --time-limit, whichever comes first) (default: ${d('schedule')})`,
  )
  .option(
    '--learning-rate-decay <x>',
    `exponential schedule: factor applied to the learning rate after each epoch (default: ${d('learningRateDecay')})`,
    positive,
  )
  .option(
    '--label-smoothing <s>',
    `softmax cross-entropy against (1 - s) one-hot + s / classes, 0 = off (default: ${d('labelSmoothing')})`,
    rateBelowOne,
  )
  .option(
    '--weight-decay <x>',
    `AdamW's decoupled weight decay (w -= lr * x * w each step), 0 = off (default: ${d('weightDecay')})`,
    nonNegative,
  )
  .option(
    '--shift <n>',
    `augmentation: shift training images by up to n pixels, 0 = off (default: ${d('shift')})`,
    integerFrom(0),
  )
  .option('--flip', 'augmentation: random horizontal flips (default: off / on)')
  .option('--no-flip', 'no horizontal flips')
  .option(
    '--erase <p>',
    `augmentation: random erasing with probability p, 0 = off (default: ${d('erase')})`,
    probability,
  )
  .option(
    '--test-time-flip',
    "test-time augmentation: the final validation and test accuracies average each image's class probabilities with its mirror image's (for models trained with flips); the plain test accuracy is printed too",
  )
  .option(
    '--validation-size <n>',
    `training images set aside (seeded) as the validation set (default: ${d('validationSize')})`,
    integer,
  )
  .option(
    '--patience <n>',
    `early stopping: stop after n epochs without a better validation accuracy, 0 = never (default: ${d('patience')})`,
    integerFrom(0),
  )
  .option(
    '--time-limit <minutes>',
    'stop training after this many minutes, mid-epoch if need be (0 = none)',
    nonNegative,
    0,
  )
  .option('--width <x>', 'channel multiplier of vgg-bn, resnet and mobilenet', positive, 1)
  .option('--dropout <p>', "vgg-bn's dropout rate after fc1 (default: 0.3)", rateBelowOne)
  .option(
    '--seed <n>',
    'seed of the splits, the initial weights, the shuffling and the augmentation',
    integer,
    1,
  )
  .option(
    '--train-size <n>',
    'mnist only: training + validation digits of the 10,000 (the rest are the test set)',
    integer,
    8000,
  )
  .option(
    '-o, --out <dir>',
    'folder for the model, the pictures and result.json (default: out/<dataset>-<model>)',
  )
  .option('--no-pictures', 'skip the PNG and SVG pictures')
  .option(
    '--export-onnx <file>',
    'also write the trained model as an .onnx file (input image [N,1,28,28], output logits)',
  )
  .parse();

type Parsed = Omit<MnistOptions, 'verbose' | 'out' | keyof typeof DATASET_DEFAULTS.mnist> &
  Partial<typeof DATASET_DEFAULTS.mnist> & { out?: string };
const parsed = program.opts<Parsed>();
if (!datasetNames.includes(parsed.dataset)) {
  program.error(`error: --dataset must be one of ${datasetNames.join(', ')}, got '${parsed.dataset}'`);
}
if (parsed.schedule !== undefined && !scheduleNames.includes(parsed.schedule)) {
  program.error(`error: --schedule must be one of ${scheduleNames.join(', ')}, got '${parsed.schedule}'`);
}
if (!modelNames.includes(parsed.model)) {
  program.error(`error: --model must be one of ${modelNames.join(', ')}, got '${parsed.model}'`);
}
const defaults = DATASET_DEFAULTS[parsed.dataset];
// commander gives flip = true for --flip, false for --no-flip, and true by default (from --no-flip): only
// an explicit flag on the command line overrides the data set's default.
const flipGiven = program.getOptionValueSource('flip') === 'cli';
const options: MnistOptions = {
  ...parsed,
  ...Object.fromEntries(
    Object.entries(defaults).map(([key, value]) => [key, parsed[key as keyof typeof defaults] ?? value]),
  ),
  flip: flipGiven ? Boolean(parsed.flip) : defaults.flip,
  out: parsed.out ?? `out/${parsed.dataset}-${parsed.model}`,
  verbose: true,
} as MnistOptions;

if (options.dataset === 'mnist' && options.validationSize >= options.trainSize) {
  program.error(
    `error: --validation-size ${options.validationSize} leaves no training digits of --train-size ${options.trainSize}; choose at most ${options.trainSize - 1}`,
  );
}
const trainImages =
  options.dataset === 'mnist' ? options.trainSize - options.validationSize : 60000 - options.validationSize;
if (options.batchSize > trainImages)
  program.error(
    `error: --batch-size ${options.batchSize} is larger than the training set (${trainImages} images); choose at most ${trainImages}`,
  );

try {
  await trainMnist(options);
} catch (error) {
  console.error(`cnn-mnist: ${(error as Error).message}`);
  process.exit(1);
}
