/**
 * Weight sharing saves training data: test accuracy on 2,000 held-out MNIST digits against the number of
 * training digits, for a fully connected net and a small CNN (LeNet-5) with fewer weights, trained the same
 * way (Adam, same batch size, same number of samples seen).
 */
import * as cnn from '@cnn/core';
import { type ImageSet, loadMnist, take } from '@cnn/datasets';
import { trainAndEvaluate } from './train.js';

export type MnistNet = 'fc' | 'cnn';

export interface DataEfficiencyOptions {
  /** Training set sizes (each the first N of the seeded 8,000 training digits). */
  sizes?: number[];
  /** Samples each net sees per size, at least: epochs = max(minEpochs, ceil(samplesPerSize / size)). */
  samplesPerSize?: number;
  minEpochs?: number;
  /** Test digits (the first N of the 2,000 held-out ones). */
  testSize?: number;
  batchSize?: number;
  learningRate?: number;
  /** Seed of the train/test split, the initial weights and the shuffling. */
  seed?: number;
  onResult?: (row: DataEfficiencyRow) => void;
}

export interface DataEfficiencyRow {
  trainSize: number;
  epochs: number;
  /** Gradient steps per net. */
  steps: number;
  fc: number;
  cnn: number;
  fcSeconds: number;
  cnnSeconds: number;
}

export interface DataEfficiencyResult {
  options: Required<Omit<DataEfficiencyOptions, 'onResult'>>;
  params: Record<MnistNet, number>;
  descriptions: Record<MnistNet, string>;
  rows: DataEfficiencyRow[];
}

export const DATA_EFFICIENCY_DEFAULTS: Required<Omit<DataEfficiencyOptions, 'onResult'>> = {
  sizes: [100, 300, 1000, 8000],
  samplesPerSize: 8000,
  minEpochs: 3,
  testSize: 2000,
  batchSize: 32,
  learningRate: 3e-3,
  seed: 1,
};

/** `--quick`: three small sizes and half the training steps. */
export const DATA_EFFICIENCY_QUICK: Partial<DataEfficiencyOptions> = {
  sizes: [100, 300, 1000],
  samplesPerSize: 4000,
  minEpochs: 2,
};

export const MNIST_NET_DESCRIPTIONS: Record<MnistNet, string> = {
  fc: 'FC 784-128-10',
  cnn: 'CNN LeNet-5',
};

/** FC: 784-128-10 (101,770 weights). CNN: LeNet-5 (conv 5x5x6 same, pool, conv 5x5x16, pool, 120, 84, 10; 61,706). */
export function mnistNet(kind: MnistNet): cnn.Layer[] {
  if (kind === 'fc') {
    return [
      new cnn.Flatten(),
      new cnn.Dense({ units: 128, activation: 'relu' }),
      new cnn.Dense({ units: 10 }),
    ];
  }
  return [
    new cnn.Conv2D({ filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
    new cnn.MaxPool2D({ poolSize: 2 }),
    new cnn.Conv2D({ filters: 16, kernelSize: 5, activation: 'relu' }),
    new cnn.MaxPool2D({ poolSize: 2 }),
    new cnn.Flatten(),
    new cnn.Dense({ units: 120, activation: 'relu' }),
    new cnn.Dense({ units: 84, activation: 'relu' }),
    new cnn.Dense({ units: 10 }),
  ];
}

export function epochsFor(size: number, options: { samplesPerSize: number; minEpochs: number }): number {
  return Math.max(options.minEpochs, Math.ceil(options.samplesPerSize / size));
}

/** Trains both nets on each training-set size and measures them on the held-out digits. */
export async function runDataEfficiencyExperiment(
  options: DataEfficiencyOptions = {},
): Promise<DataEfficiencyResult> {
  const { onResult, ...rest } = options;
  const opts = { ...DATA_EFFICIENCY_DEFAULTS, ...rest };
  const { train, test: allTest } = loadMnist({ seed: opts.seed });
  for (const size of opts.sizes) {
    if (!Number.isInteger(size) || size <= 0 || size > train.count)
      throw new Error(
        `data-efficiency: training size must be an integer in [1, ${train.count}], got ${size}`,
      );
  }
  const test: ImageSet = take(allTest, opts.testSize);
  const params = { fc: 0, cnn: 0 };
  const rows: DataEfficiencyRow[] = [];
  for (const size of opts.sizes) {
    const subset = take(train, size);
    const epochs = epochsFor(size, opts);
    const results = {} as Record<MnistNet, { accuracy: number; seconds: number; steps: number }>;
    for (const net of ['fc', 'cnn'] as const) {
      const r = await trainAndEvaluate(mnistNet(net), subset, [test], {
        epochs,
        batchSize: opts.batchSize,
        learningRate: opts.learningRate,
        seed: opts.seed,
      });
      params[net] = r.params;
      results[net] = { accuracy: r.accuracies[0]!, seconds: r.seconds, steps: r.steps };
    }
    const row: DataEfficiencyRow = {
      trainSize: size,
      epochs,
      steps: results.cnn.steps,
      fc: results.fc.accuracy,
      cnn: results.cnn.accuracy,
      fcSeconds: results.fc.seconds,
      cnnSeconds: results.cnn.seconds,
    };
    rows.push(row);
    onResult?.(row);
  }
  return { options: opts, params, descriptions: MNIST_NET_DESCRIPTIONS, rows };
}
