#!/usr/bin/env node
/**
 * `experiments stroke` and `experiments data-efficiency`: the seed's claims about weight sharing (translation
 * invariance, less training data), measured. Tables go to stdout, progress to stderr.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DATA_EFFICIENCY_DEFAULTS,
  DATA_EFFICIENCY_QUICK,
  type DataEfficiencyOptions,
  runDataEfficiencyExperiment,
} from './data-efficiency.js';
import { dataEfficiencyTable, strokeTable } from './report.js';
import { type ConvPadding, runStrokeExperiment, STROKE_DEFAULTS } from './stroke.js';
import { percent } from './table.js';
import { ensureBackend } from './train.js';

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
}

function positiveInt(value: string): number {
  const n = int(value);
  if (n <= 0) throw new InvalidArgumentError('not a positive integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('not a positive number');
  return n;
}

function intList(value: string): number[] {
  return value.split(',').map((v) => positiveInt(v.trim()));
}

function writeJson(file: string | undefined, experiment: string, result: object): void {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify({ experiment, ...result }, null, 2)}\n`);
  console.error(`wrote ${file}`);
}

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command('experiments')
  .version(version)
  .description('Weight sharing, measured: a CNN against a fully connected net on the same data.')
  .showHelpAfterError();

program
  .command('stroke')
  .description(
    'Find the 横折 stroke (2x2 window: top-left, top-right, bottom-right) in small binary images. Train on ink in the left half, test on seen (left) and unseen (right) positions.',
  )
  .option('--sizes <list>', 'image sizes, even, >= 4', intList, STROKE_DEFAULTS.sizes)
  .option('--train-samples <n>', 'training images per size', positiveInt, STROKE_DEFAULTS.trainSamples)
  .option(
    '--test-samples <n>',
    'test images per size and per test set',
    positiveInt,
    STROKE_DEFAULTS.testSamples,
  )
  .option('--epochs <n>', 'training epochs', positiveInt, STROKE_DEFAULTS.epochs)
  .option('--learning-rate <lr>', 'Adam learning rate', positiveNumber, STROKE_DEFAULTS.learningRate)
  .option('--hidden <n>', 'hidden units of the fully connected net', positiveInt, STROKE_DEFAULTS.hidden)
  .option('--filters <n>', '2x2 filters of the CNN', positiveInt, STROKE_DEFAULTS.filters)
  .addOption(
    new Option('--padding <kind>', "CNN zero padding: 'full' (1 pixel around) or 'valid' (none)")
      .choices(['full', 'valid'])
      .default(STROKE_DEFAULTS.padding),
  )
  .option('--seed <n>', 'seed of the data, the weights and the shuffling', int, STROKE_DEFAULTS.seed)
  .option('--json <file>', 'also write the numbers to this JSON file')
  .action(async (o) => {
    ensureBackend();
    const result = await runStrokeExperiment({
      sizes: o.sizes,
      trainSamples: o.trainSamples,
      testSamples: o.testSamples,
      epochs: o.epochs,
      learningRate: o.learningRate,
      hidden: o.hidden,
      filters: o.filters,
      padding: o.padding as ConvPadding,
      seed: o.seed,
      onResult: (r) =>
        console.error(
          `  ${r.size}x${r.size} ${r.net}: seen ${percent(r.seen)}, unseen ${percent(r.unseen)} (${r.seconds.toFixed(1)} s)`,
        ),
    });
    console.log(strokeTable(result));
    writeJson(o.json, 'stroke', result);
  });

program
  .command('data-efficiency')
  .description(
    'MNIST test accuracy vs number of training digits for a fully connected net and a LeNet-5 CNN.',
  )
  .option(
    '--quick',
    `fast subset: sizes ${DATA_EFFICIENCY_QUICK.sizes!.join(',')}, --samples-per-size ${DATA_EFFICIENCY_QUICK.samplesPerSize}, --min-epochs ${DATA_EFFICIENCY_QUICK.minEpochs}`,
  )
  .option(
    '--sizes <list>',
    `training set sizes, <= 8000 (default: ${DATA_EFFICIENCY_DEFAULTS.sizes.join(',')})`,
    intList,
  )
  .option(
    '--samples-per-size <n>',
    `epochs = max(min epochs, ceil(n / size)) (default: ${DATA_EFFICIENCY_DEFAULTS.samplesPerSize})`,
    positiveInt,
  )
  .option('--min-epochs <n>', `epochs at least (default: ${DATA_EFFICIENCY_DEFAULTS.minEpochs})`, positiveInt)
  .option(
    '--test-size <n>',
    'held-out digits to test on (<= 2000)',
    positiveInt,
    DATA_EFFICIENCY_DEFAULTS.testSize,
  )
  .option('--learning-rate <lr>', 'Adam learning rate', positiveNumber, DATA_EFFICIENCY_DEFAULTS.learningRate)
  .option(
    '--seed <n>',
    'seed of the split, the weights and the shuffling',
    int,
    DATA_EFFICIENCY_DEFAULTS.seed,
  )
  .option('--json <file>', 'also write the numbers to this JSON file')
  .action(async (o) => {
    ensureBackend();
    const options: DataEfficiencyOptions = {
      ...(o.quick ? DATA_EFFICIENCY_QUICK : {}),
      testSize: o.testSize,
      learningRate: o.learningRate,
      seed: o.seed,
    };
    if (o.sizes) options.sizes = o.sizes;
    if (o.samplesPerSize) options.samplesPerSize = o.samplesPerSize;
    if (o.minEpochs) options.minEpochs = o.minEpochs;
    const result = await runDataEfficiencyExperiment({
      ...options,
      onResult: (r) =>
        console.error(
          `  ${r.trainSize} digits, ${r.epochs} epochs: FC ${percent(r.fc)} (${r.fcSeconds.toFixed(1)} s), CNN ${percent(r.cnn)} (${r.cnnSeconds.toFixed(1)} s)`,
        ),
    });
    console.log(dataEfficiencyTable(result));
    writeJson(o.json, 'data-efficiency', result);
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(`experiments: ${(error as Error).message}`);
  process.exitCode = 1;
}
