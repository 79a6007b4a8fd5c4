import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';

/** Samples as one flat array, `count` x `shape`, with integer class labels. */
export interface LabeledSet {
  images: Float32Array;
  labels: Float32Array;
  count: number;
  shape: readonly number[];
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seed of the initial weights and of the shuffling. */
  seed: number;
}

export interface TrainResult {
  /** Accuracy on each evaluation set, in the order given. */
  accuracies: number[];
  /** Mean training loss of the last epoch. */
  finalLoss: number;
  params: number;
  /** Gradient steps taken. */
  steps: number;
  seconds: number;
}

/**
 * Builds the model from `layers`, trains it with Adam on `train` and returns its accuracy on each of `evals`.
 * Every tensor it makes (data, weights, optimizer state) is disposed before it returns.
 */
export async function trainAndEvaluate(
  layers: cnn.Layer[],
  train: LabeledSet,
  evals: LabeledSet[],
  options: TrainOptions,
): Promise<TrainResult> {
  const started = performance.now();
  const model = cnn.sequential(train.shape, layers, { seed: options.seed });
  // Explicit, so the weights come from `options.seed` however the core schedules its lazy initialization
  // (before core ce350ec, `fit` on a never-run model failed with "variable ... has no value yet").
  model.initialize();
  const optimizer = new cnn.Adam({ learningRate: options.learningRate });
  model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  const toTensors = (set: LabeledSet): [cnn.Tensor, cnn.Tensor] => [
    cnn.tensor(set.images, [set.count, ...set.shape]),
    cnn.tensor(set.labels, [set.count]),
  ];
  const [x, y] = toTensors(train);
  try {
    const history = await model.fit(x, y, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      shuffle: true,
    });
    const accuracies: number[] = [];
    for (const set of evals) {
      const [ex, ey] = toTensors(set);
      try {
        accuracies.push((await model.evaluate(ex, ey)).accuracy);
      } finally {
        ex.dispose();
        ey.dispose();
      }
    }
    return {
      accuracies,
      finalLoss: history.at(-1)!.loss,
      params: model.countParams().total,
      steps: options.epochs * Math.ceil(train.count / options.batchSize),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    x.dispose();
    y.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/** Makes sure a backend is set (the CPU backend unless the caller chose another one). */
export function ensureBackend(): void {
  try {
    cnn.getBackend();
  } catch {
    cnn.setBackend(cpu());
  }
}
