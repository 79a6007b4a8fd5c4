import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as cnn from '@cnn/core';
import {
  FASHION_MNIST_CLASSES,
  type ImageSet,
  loadFashionMnist,
  loadMnist,
  MNIST_CLASSES,
  type ThreeWaySplit,
  take,
} from '@cnn/datasets';
import { saveModel } from '@cnn/node';
import { exportOnnx } from '@cnn/onnx';
import {
  type Augment,
  composeAugments,
  randomErasing,
  randomHorizontalFlip,
  randomShift,
} from './augment.js';
import { createBackend } from './backends.js';
import { buildModel } from './models.js';
import { writeCurves, writeTileGrid } from './pictures.js';
import { oneCycleRate, runProgress, type ScheduleName } from './schedule.js';

/** The data sets the main job trains on. */
export const datasetNames = ['mnist', 'fashion-mnist'] as const;
/** `'mnist'` (the `mnist` package's 10,000 digits) or `'fashion-mnist'` (Debian's 70,000 images). */
export type DatasetName = (typeof datasetNames)[number];

/** Every setting of a run. */
export interface MnistOptions {
  dataset: DatasetName;
  model: string;
  backend: string;
  /** At most this many epochs (early stopping and the time limit may stop sooner). */
  epochs: number;
  batchSize: number;
  /** Adam's learning rate: of the first epoch (exponential), or the peak (one-cycle). */
  learningRate: number;
  /**
   * 'exponential': the rate is multiplied by `learningRateDecay` after every epoch. 'one-cycle': up to the
   * peak over the first 30% of the run, then down to 0 at its end, set every step (schedule.ts).
   */
  schedule: ScheduleName;
  /** The learning rate is multiplied by this after every epoch (exponential schedule). */
  learningRateDecay: number;
  /** Softmax cross-entropy against (1 - s)·one-hot + s/classes (0 = plain). */
  labelSmoothing: number;
  /** AdamW's decoupled weight decay: w -= lr·wd·w each step (0 = none). */
  weightDecay: number;
  /** Random shifts of up to this many pixels (0 = none). */
  shift: number;
  /** Random horizontal flips (clothes, not digits). */
  flip: boolean;
  /** Random erasing: the probability per image (0 = off). */
  erase: number;
  /**
   * Test-time augmentation: the final validation and test figures average each image's class probabilities
   * with its mirror image's (for models trained with flips). The plain test accuracy is reported beside it.
   */
  testTimeFlip?: boolean;
  /** Training images set aside (seeded) for validation: epoch logs and early stopping use these only. */
  validationSize: number;
  /** mnist only: training + validation digits of the 10,000; the rest is the test set. */
  trainSize: number;
  /**
   * At most this many test images: the first of the test split (default: all of it). For quick runs of
   * the whole job in tests, where a small training set would otherwise leave thousands of test digits.
   */
  testSize?: number;
  seed: number;
  /** Stop when validation accuracy has not improved for this many epochs (0 = never). */
  patience: number;
  /** Stop training after this many minutes, mid-epoch if need be (0 = no limit). */
  timeLimit: number;
  /** Channel multiplier of vgg-bn, resnet and mobilenet. */
  width: number;
  /** vgg-bn's dropout rate after fc1 (default 0.3). */
  dropout?: number;
  out: string;
  pictures: boolean;
  /** Print the epoch lines and tables (false in tests). */
  verbose: boolean;
  /** Also write the trained model as an .onnx file here (NCHW input `image`, output `logits`, dynamic batch). */
  exportOnnx?: string;
}

/** What one run measured; `result.json` holds the same. */
export interface MnistResult {
  dataset: DatasetName;
  model: string;
  parameters: number;
  backend: string;
  trainCount: number;
  validationCount: number;
  /** Validation accuracy of the weights kept (the best epoch's). */
  validationAccuracy: number;
  /** The epoch whose weights were kept (best validation accuracy). */
  bestEpoch: number;
  epochsRun: number;
  /** Why training ended: 'epochs', 'early stopping' or 'time limit'. */
  stoppedBy: 'epochs' | 'early stopping' | 'time limit';
  /** Accuracy on the test set, measured once, after training, on the kept weights (flip-averaged with `testTimeFlip`). */
  testAccuracy: number;
  /** With `testTimeFlip`: the kept weights' plain test accuracy and their flip-averaged validation accuracy. */
  testTimeFlip?: { plainTestAccuracy: number; validationAccuracy: number };
  testCount: number;
  /** confusion[true][predicted], on the test set. */
  confusion: number[][];
  classNames: readonly string[];
  trainSeconds: number;
  totalSeconds: number;
  /** Per epoch; `valLoss` and `valAccuracy` are on the validation set (never the test set). */
  history: cnn.EpochLogs[];
  files: string[];
}

/** Defaults that depend on the data set (see the README for how they were chosen). */
export const DATASET_DEFAULTS: Record<
  DatasetName,
  Pick<
    MnistOptions,
    | 'epochs'
    | 'batchSize'
    | 'learningRate'
    | 'schedule'
    | 'learningRateDecay'
    | 'labelSmoothing'
    | 'weightDecay'
    | 'shift'
    | 'flip'
    | 'erase'
    | 'validationSize'
    | 'patience'
  >
> = {
  // Chosen on the validation set from nine LeNet-5 runs (see the README): 20 epochs, decay 0.85, shifts
  // of 1 pixel and random erasing with probability 0.25.
  mnist: {
    epochs: 20,
    batchSize: 32,
    learningRate: 0.002,
    schedule: 'exponential',
    learningRateDecay: 0.85,
    labelSmoothing: 0,
    weightDecay: 0,
    shift: 1,
    flip: false,
    erase: 0.25,
    validationSize: 1000,
    patience: 0,
  },
  // Chosen on the validation set from three LeNet-5 runs (see the README): 30 epochs of batch 32, decay
  // 0.9, shifts of 1 pixel and flips, early stopping after 6 epochs without a better validation accuracy.
  'fashion-mnist': {
    epochs: 30,
    batchSize: 32,
    learningRate: 0.002,
    schedule: 'exponential',
    learningRateDecay: 0.9,
    labelSmoothing: 0,
    weightDecay: 0,
    shift: 1,
    flip: true,
    erase: 0,
    validationSize: 5000,
    patience: 6,
  },
};

/** The three splits of a data set: train, validation (carved from training data, seeded), test. */
export function loadSplits(
  options: Pick<MnistOptions, 'dataset' | 'seed' | 'validationSize' | 'trainSize'>,
): {
  split: ThreeWaySplit;
  classNames: readonly string[];
} {
  if (options.dataset === 'mnist') {
    return {
      split: loadMnist({
        seed: options.seed,
        trainSize: options.trainSize,
        validationSize: options.validationSize,
      }),
      classNames: MNIST_CLASSES,
    };
  }
  if (options.dataset === 'fashion-mnist') {
    return {
      split: loadFashionMnist({ seed: options.seed, validationSize: options.validationSize }),
      classNames: FASHION_MNIST_CLASSES,
    };
  }
  throw new Error(`unknown dataset '${String(options.dataset)}' (choose one of: ${datasetNames.join(', ')})`);
}

/** The augmentations the options ask for, in the order shift, flip, erase. */
export function augmentations(options: Pick<MnistOptions, 'shift' | 'flip' | 'erase'>): Augment | undefined {
  const chosen: Augment[] = [];
  if (options.shift > 0) chosen.push(randomShift(options.shift));
  if (options.flip) chosen.push(randomHorizontalFlip(0.5));
  if (options.erase > 0) chosen.push(randomErasing({ probability: options.erase }));
  return composeAugments(chosen);
}

/** The class probabilities the model gives each image of a set, `[count * classes]`. */
async function probabilities(model: cnn.Model, images: Float32Array, set: ImageSet): Promise<Float32Array> {
  const x = cnn.tensor(images, [set.count, ...set.shape]);
  const probs = cnn.tidy(() => cnn.softmax(model.predict(x, { batchSize: 500 })));
  const values = Float32Array.from(await probs.data());
  probs.dispose();
  x.dispose();
  return values;
}

interface SetScore {
  accuracy: number;
  correct: number;
  confusion: number[][];
}

/** Accuracy and confusion matrix (`[true][predicted]`) of per-image class scores on a set. */
function score(scores: Float32Array, set: ImageSet, classes: number): SetScore {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < set.count; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c]! > scores[i * classes + best]!) best = c;
    const truth = set.labels[i]!;
    confusion[truth]![best]!++;
    if (best === truth) correct++;
  }
  return { accuracy: set.count ? correct / set.count : 0, correct, confusion };
}

/**
 * Accuracy and confusion matrix (`[true][predicted]`) of a model on a set. With `flipAverage`
 * (test-time augmentation), each image's class probabilities are the mean of the image's and its mirror
 * image's: for a model trained with flips, both are pictures of the same thing. The plain figures, from
 * the same pass over the unmirrored images, come with them as `plain`.
 */
export async function evaluateSet(
  model: cnn.Model,
  set: ImageSet,
  classes: number,
  flipAverage = false,
): Promise<SetScore & { plain?: SetScore }> {
  const scores = await probabilities(model, set.images, set);
  if (!flipAverage) return score(scores, set, classes);
  const plain = score(scores, set, classes);
  const mirrored = Float32Array.from(set.images);
  randomHorizontalFlip(1)(mirrored, [set.count, ...set.shape], new cnn.Random(0));
  const other = await probabilities(model, mirrored, set);
  for (let i = 0; i < scores.length; i++) scores[i] = (scores[i]! + other[i]!) / 2;
  return { ...score(scores, set, classes), plain };
}

/**
 * The main job. Three disjoint splits: the model trains on `train`, every epoch is reported on
 * `validation` (carved from the training data with the seed), the weights of the best validation epoch are
 * kept (early stopping), and only then is the test set evaluated, once. Adam with the learning rate decayed
 * every epoch, augmentation in the data pipeline. Saves the model, result.json and, for a person to look
 * at, the first-layer filters, the feature maps of one test image and the loss/accuracy curves.
 */
export async function trainMnist(options: MnistOptions): Promise<MnistResult> {
  const log = (line = '') => options.verbose && console.log(line);
  const started = performance.now();
  const backend = await createBackend(options.backend);
  cnn.setBackend(backend);
  const { split, classNames } = loadSplits(options);
  const { train, validation } = split;
  const test =
    options.testSize === undefined
      ? split.test
      : take(split.test, Math.min(options.testSize, split.test.count));
  if (validation.count === 0) {
    throw new Error(
      '--validation-size must be at least 1: epochs and early stopping are judged on validation data',
    );
  }
  log(
    `${options.dataset} on ${backend.name}: ${train.count} training, ${validation.count} validation (from the training data, seed ${options.seed}) and ${test.count} test images`,
  );

  const inputShape = train.shape;
  const model = buildModel(options.model, {
    inputShape,
    classes: classNames.length,
    seed: options.seed,
    width: options.width,
    ...(options.dropout !== undefined ? { dropout: options.dropout } : {}),
  });
  const parameters = model.countParams().total;
  log(model.summary());
  const xTrain = cnn.tensor(train.images, [train.count, ...inputShape]);
  const yTrain = cnn.tensor(train.labels, [train.count]);
  const xVal = cnn.tensor(validation.images, [validation.count, ...inputShape]);
  const yVal = cnn.tensor(validation.labels, [validation.count]);
  const optimizer = new cnn.Adam({
    learningRate:
      options.schedule === 'one-cycle' ? oneCycleRate(options.learningRate, 0) : options.learningRate,
    weightDecay: options.weightDecay,
    decoupledWeightDecay: true,
  });
  model.compile({
    optimizer,
    loss: { name: 'softmaxCrossEntropy', labelSmoothing: options.labelSmoothing },
    metrics: ['accuracy'],
  });
  const augment = augmentations(options);

  const trainStart = performance.now();
  const history: cnn.EpochLogs[] = [];
  let best = {
    epoch: 0,
    accuracy: -1,
    weights: [] as { name: string; values: Float32Array; shape: number[] }[],
  };
  // Widened on purpose: the batch callback below sets it, which TypeScript's narrowing cannot see.
  let stoppedBy = 'epochs' as MnistResult['stoppedBy'];
  const timeIsUp = () => stoppedBy === 'time limit';
  const tty = options.verbose && process.stdout.isTTY;
  const limitSeconds = options.timeLimit * 60;
  const stepsPerEpoch = Math.ceil(train.count / options.batchSize);
  let step = 0;
  for (let epoch = 1; epoch <= options.epochs && !timeIsUp(); epoch++) {
    if (options.schedule === 'exponential') {
      optimizer.learningRate = options.learningRate * options.learningRateDecay ** (epoch - 1);
    }
    // One fit call per epoch, so this loop owns the schedule, early stopping and the time limit.
    const [logs] = await model.fit(xTrain, yTrain, {
      epochs: 1,
      batchSize: options.batchSize,
      validationData: [xVal, yVal],
      augment,
      callbacks: {
        onBatchBegin: () => {
          if (options.schedule !== 'one-cycle') return;
          const seconds = (performance.now() - trainStart) / 1000;
          const progress = runProgress(step, options.epochs * stepsPerEpoch, seconds, limitSeconds);
          optimizer.learningRate = oneCycleRate(options.learningRate, progress);
          step++;
        },
        onBatchEnd: (b) => {
          // The time limit stops mid-epoch; fit still validates the batches that epoch ran.
          if (limitSeconds > 0 && (performance.now() - trainStart) / 1000 >= limitSeconds) {
            model.stopTraining = true;
            stoppedBy = 'time limit';
          }
          if (tty && (b.batch % 20 === 0 || b.batch === b.batches)) {
            process.stdout.write(
              `\repoch ${epoch}/${options.epochs} batch ${b.batch}/${b.batches} loss ${b.loss.toFixed(4)} acc ${((b.accuracy ?? 0) * 100).toFixed(1)}% ${Math.round(b.samplesPerSecond)} samples/s   `,
            );
          }
        },
      },
    });
    const epochLogs = { ...logs!, epoch, epochs: options.epochs };
    history.push(epochLogs);
    if (tty) process.stdout.write('\r\x1b[K');
    const val = epochLogs.valAccuracy ?? 0;
    const partial = timeIsUp() ? ' (cut by the time limit)' : '';
    log(
      `epoch ${epoch}/${options.epochs}${partial}: loss ${epochLogs.loss.toFixed(4)}, train acc ${pct(epochLogs.accuracy ?? 0)} | validation loss ${(epochLogs.valLoss ?? 0).toFixed(4)}, acc ${pct(val)} | lr ${optimizer.learningRate.toPrecision(3)} | ${epochLogs.seconds.toFixed(0)} s, ${Math.round(epochLogs.samplesPerSecond)} samples/s`,
    );
    if (val > best.accuracy) {
      best = {
        epoch,
        accuracy: val,
        weights: await Promise.all(
          model.variables.map(async (v) => ({
            name: v.name,
            values: Float32Array.from(await v.read().data()),
            shape: [...v.spec.shape],
          })),
        ),
      };
    } else if (options.patience > 0 && epoch - best.epoch >= options.patience) {
      stoppedBy = 'early stopping';
      break;
    }
  }
  const trainSeconds = (performance.now() - trainStart) / 1000;
  if (best.epoch > 0 && best.epoch !== history.length) {
    model.setWeights(best.weights.map((w) => ({ name: w.name, tensor: cnn.tensor(w.values, w.shape) })));
    log(`kept the weights of epoch ${best.epoch} (best validation accuracy ${pct(best.accuracy)})`);
  }

  // The test set, once, on the weights chosen by validation.
  const flipAverage = options.testTimeFlip ?? false;
  const {
    accuracy: testAccuracy,
    correct,
    confusion,
    plain,
  } = await evaluateSet(model, test, classNames.length, flipAverage);
  const testTimeFlip = plain
    ? {
        plainTestAccuracy: plain.accuracy,
        validationAccuracy: (await evaluateSet(model, validation, classNames.length, true)).accuracy,
      }
    : undefined;

  await mkdir(options.out, { recursive: true });
  const files: string[] = [];
  const saved = await saveModel(model, join(options.out, 'model'));
  files.push(saved.modelJson, saved.weightsFile);
  if (options.exportOnnx) {
    // Any ONNX runtime can serve it: NCHW [N,1,28,28] in, logits out (apps/mnist/test checks onnxruntime-web's accuracy).
    await mkdir(dirname(options.exportOnnx), { recursive: true });
    await writeFile(
      options.exportOnnx,
      await exportOnnx(model, { inputNames: ['image'], outputNames: ['logits'] }),
    );
    files.push(options.exportOnnx);
  }
  if (options.pictures) {
    files.push(
      ...(await writePictures(model, test, options.out, history, `${options.model} on ${options.dataset}`)),
    );
  }
  const result: MnistResult = {
    dataset: options.dataset,
    model: options.model,
    parameters,
    backend: backend.name,
    trainCount: train.count,
    validationCount: validation.count,
    validationAccuracy: best.accuracy,
    bestEpoch: best.epoch,
    epochsRun: history.length,
    stoppedBy,
    testAccuracy,
    ...(testTimeFlip ? { testTimeFlip } : {}),
    testCount: test.count,
    confusion,
    classNames,
    trainSeconds,
    totalSeconds: (performance.now() - started) / 1000,
    history,
    files,
  };
  const resultPath = join(options.out, 'result.json');
  const { verbose: _verbose, ...settings } = options;
  await writeFile(resultPath, `${JSON.stringify({ ...result, settings }, null, 1)}\n`);
  files.push(resultPath);
  log();
  log('confusion matrix on the test set (rows: true class, columns: predicted class)');
  log(formatConfusion(confusion, classNames));
  log();
  log(
    `validation accuracy: ${pct(best.accuracy)} (epoch ${best.epoch} of ${history.length}, stopped by ${stoppedBy}; ${validation.count} images)`,
  );
  if (testTimeFlip) {
    log(
      `validation accuracy with test-time flips: ${pct(testTimeFlip.validationAccuracy)} (the same weights)`,
    );
  }
  log(
    `test accuracy: ${pct(testAccuracy)} (${correct}/${test.count} test images, evaluated once, after training${flipAverage ? '; each image averaged with its mirror image' : ''})`,
  );
  if (testTimeFlip) log(`test accuracy without test-time flips: ${pct(testTimeFlip.plainTestAccuracy)}`);
  log(
    `model ${options.model}: ${parameters} parameters; time: ${trainSeconds.toFixed(1)} s training, ${result.totalSeconds.toFixed(1)} s in all, on ${backend.name}`,
  );
  log(`wrote: ${files.join(', ')}`);

  for (const t of [xTrain, yTrain, xVal, yVal]) t.dispose();
  optimizer.dispose();
  model.dispose();
  return result;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Rows: true class (index and name); columns: predicted class (index). */
export function formatConfusion(
  confusion: number[][],
  classNames: readonly string[] = MNIST_CLASSES,
): string {
  const cell = (v: string | number) => String(v).padStart(5);
  const nameWidth = Math.max(...classNames.map((n) => n.length)) + 3;
  const head = 'true \\ predicted'.padEnd(nameWidth);
  const lines = [`${head}${confusion.map((_, c) => cell(c)).join('')}`];
  confusion.forEach((row, k) =>
    lines.push(
      `${(classNames[k] === String(k) ? String(k) : `${k} ${classNames[k] ?? ''}`).padEnd(nameWidth)}${row.map(cell).join('')}`,
    ),
  );
  return lines.join('\n');
}

async function writePictures(
  model: cnn.Model,
  test: ImageSet,
  out: string,
  history: cnn.EpochLogs[],
  title: string,
): Promise<string[]> {
  const files: string[] = [];
  const [height, width] = test.shape;
  const pixels = height * width * test.shape[2];
  // The first few conv layers: a ResNet has twenty, and the first ones are what a person can read.
  const convNodes = model.nodes.filter((n) => n.layer.className === 'Conv2D').slice(0, 4);
  // First-layer filters: [kh, kw, inC, filters] -> one tile per filter (input channel 0).
  const kernel = model.variables.find((v) => v.name === `${convNodes[0]!.layer.name}/kernel`)!;
  const [kh, kw, inC, filters] = kernel.spec.shape as [number, number, number, number];
  const k = await kernel.read().data();
  const tiles = Array.from({ length: filters }, (_, f) =>
    Float32Array.from({ length: kh * kw }, (_, p) => k[(p * inC + 0) * filters + f]!),
  );
  const filtersPath = join(out, 'conv1-filters.png');
  await writeTileGrid(filtersPath, tiles, kh, kw, { scale: 16, columns: Math.min(filters, 16) });
  files.push(filtersPath);

  // Feature maps of the first test image at each conv layer: a model over the same layers, reading them.
  const probe = new cnn.Model({
    inputs: model.inputs,
    outputs: convNodes.map((n) => n.output),
    name: 'probe',
  });
  const image = test.images.slice(0, pixels);
  const x = cnn.tensor(image, [1, ...test.shape]);
  const outputs = cnn.tidy(() => probe.forward([x], { training: false, random: probe.random, updates: [] }));
  const imagePath = join(out, 'test-image.png');
  await writeTileGrid(imagePath, [image], height, width, { scale: 6 });
  files.push(imagePath);
  for (let i = 0; i < outputs.length; i++) {
    const [, h, w, c] = outputs[i]!.shape as [number, number, number, number];
    const values = await outputs[i]!.data();
    const channelTiles = Array.from({ length: c }, (_, ch) =>
      Float32Array.from({ length: h * w }, (_, p) => values[p * c + ch]!),
    );
    const path = join(out, `feature-maps-${convNodes[i]!.layer.name}.png`);
    await writeTileGrid(path, channelTiles, h, w, {
      scale: Math.max(2, Math.round(112 / h)),
      columns: Math.min(c, 8),
    });
    files.push(path);
  }
  outputs.forEach((t) => t.dispose());
  x.dispose();
  const curvesPath = join(out, 'curves.svg');
  await writeCurves(curvesPath, history, title);
  files.push(curvesPath);
  return files;
}
