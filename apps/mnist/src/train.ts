import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as cnn from '@cnn/core';
import { loadMnist } from '@cnn/datasets';
import { lenet5 } from '@cnn/models';
import { progressBar, saveModel } from '@cnn/node';
import { randomShift } from './augment.js';
import { createBackend } from './backends.js';
import { writeCurves, writeTileGrid } from './pictures.js';

export interface MnistOptions {
  backend: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** The learning rate is multiplied by this after every epoch. */
  learningRateDecay: number;
  /** Random shifts of up to this many pixels (0 = none). */
  shift: number;
  seed: number;
  trainSize: number;
  out: string;
  pictures: boolean;
  /** Print the progress bar and tables (false in tests). */
  verbose: boolean;
}

export interface MnistResult {
  backend: string;
  testAccuracy: number;
  testCount: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  trainSeconds: number;
  totalSeconds: number;
  history: cnn.EpochLogs[];
  files: string[];
}

/**
 * The main job: LeNet-5 trained on the 8,000/2,000 seeded split of the mnist package's real digits, with
 * Adam (learning rate decayed every epoch) and random shifts of the training digits. Reports test accuracy on the held-out digits, a confusion matrix and the time taken; saves the model
 * and, for a person to look at, the learned first-layer filters, the feature maps of one test digit at each
 * conv layer, and the loss/accuracy curves.
 */
export async function trainMnist(options: MnistOptions): Promise<MnistResult> {
  const log = (line = '') => options.verbose && console.log(line);
  const started = performance.now();
  const backend = await createBackend(options.backend);
  cnn.setBackend(backend);
  const { train, test } = loadMnist({ seed: options.seed, trainSize: options.trainSize });
  log(
    `backend ${backend.name}; ${train.count} training and ${test.count} test digits (seed ${options.seed})`,
  );

  const model = lenet5({ inputShape: [28, 28, 1], classes: 10, seed: options.seed });
  log(model.summary());
  const xTrain = cnn.tensor(train.images, [train.count, 28, 28, 1]);
  const yTrain = cnn.tensor(train.labels, [train.count]);
  const xTest = cnn.tensor(test.images, [test.count, 28, 28, 1]);
  const yTest = cnn.tensor(test.labels, [test.count]);
  const optimizer = new cnn.Adam({ learningRate: options.learningRate });
  model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });

  const trainStart = performance.now();
  const history = await model.fit(xTrain, yTrain, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    validationData: [xTest, yTest],
    augment: options.shift > 0 ? randomShift(options.shift) : undefined,
    callbacks: [
      {
        onEpochBegin: (epoch) =>
          (optimizer.learningRate = options.learningRate * options.learningRateDecay ** (epoch - 1)),
      },
      ...(options.verbose ? [progressBar()] : []),
    ],
  });
  const trainSeconds = (performance.now() - trainStart) / 1000;

  const logits = model.predict(xTest, { batchSize: 500 });
  const scores = await logits.data();
  logits.dispose();
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (scores[i * 10 + c]! > scores[i * 10 + best]!) best = c;
    const truth = test.labels[i]!;
    confusion[truth]![best]!++;
    if (best === truth) correct++;
  }
  const testAccuracy = correct / test.count;

  await mkdir(options.out, { recursive: true });
  const files: string[] = [];
  const saved = await saveModel(model, join(options.out, 'model'));
  files.push(saved.modelJson, saved.weightsFile);
  if (options.pictures) files.push(...(await writePictures(model, test.images, options.out, history)));

  const result: MnistResult = {
    backend: backend.name,
    testAccuracy,
    testCount: test.count,
    confusion,
    trainSeconds,
    totalSeconds: (performance.now() - started) / 1000,
    history,
    files,
  };
  await writeFile(join(options.out, 'result.json'), `${JSON.stringify({ ...result, history }, null, 1)}\n`);
  files.push(join(options.out, 'result.json'));
  log();
  log(formatConfusion(confusion));
  log();
  log(`test accuracy: ${(testAccuracy * 100).toFixed(2)}% (${correct}/${test.count} held-out digits)`);
  log(
    `time: ${trainSeconds.toFixed(1)} s training, ${result.totalSeconds.toFixed(1)} s in all, on ${backend.name}`,
  );
  log(`wrote: ${files.join(', ')}`);

  for (const t of [xTrain, yTrain, xTest, yTest]) t.dispose();
  optimizer.dispose();
  model.dispose();
  return result;
}

/** Rows: true digit; columns: predicted digit. */
export function formatConfusion(confusion: number[][]): string {
  const cell = (v: string | number) => String(v).padStart(5);
  const lines = [`true\\pred${[...Array(10).keys()].map(cell).join('')}`];
  confusion.forEach((row, digit) => lines.push(`${String(digit).padStart(9)}${row.map(cell).join('')}`));
  return lines.join('\n');
}

async function writePictures(
  model: cnn.Model,
  testImages: Float32Array,
  out: string,
  history: cnn.EpochLogs[],
): Promise<string[]> {
  const files: string[] = [];
  const convNodes = model.nodes.filter((n) => n.layer.className === 'Conv2D');
  // First-layer filters: [kh, kw, 1, filters] -> one tile per filter.
  const kernel = model.variables.find((v) => v.name === `${convNodes[0]!.layer.name}/kernel`)!;
  const [kh, kw, inC, filters] = kernel.spec.shape as [number, number, number, number];
  const k = await kernel.read().data();
  const tiles = Array.from({ length: filters }, (_, f) =>
    Float32Array.from({ length: kh * kw }, (_, p) => k[(p * inC + 0) * filters + f]!),
  );
  const filtersPath = join(out, 'conv1-filters.png');
  await writeTileGrid(filtersPath, tiles, kh, kw, { scale: 16 });
  files.push(filtersPath);

  // Feature maps of the first test digit at each conv layer: a model over the same layers, reading them.
  const probe = new cnn.Model({
    inputs: model.inputs,
    outputs: convNodes.map((n) => n.output),
    name: 'probe',
  });
  const digit = cnn.tensor(testImages.slice(0, 784), [1, 28, 28, 1]);
  const outputs = cnn.tidy(() =>
    probe.forward([digit], { training: false, random: probe.random, updates: [] }),
  );
  const digitPath = join(out, 'digit.png');
  await writeTileGrid(digitPath, [testImages.slice(0, 784)], 28, 28, { scale: 6 });
  files.push(digitPath);
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
  digit.dispose();
  const curvesPath = join(out, 'curves.svg');
  await writeCurves(curvesPath, history);
  files.push(curvesPath);
  return files;
}
