import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cnn from '@cnn/core';
import { FASHION_MNIST_CLASSES, loadMnist, take } from '@cnn/datasets';
import { loadModel } from '@cnn/node';
import { describe, expect, it } from 'vitest';
import { buildModel, modelNames } from '../src/models.js';
import { oneCycleRate } from '../src/schedule.js';
import {
  DATASET_DEFAULTS,
  evaluateSet,
  formatConfusion,
  type MnistOptions,
  trainMnist,
} from '../src/train.js';

// A short run of the main job (2,000 training + validation digits, one epoch): the whole pipeline, with real
// numbers. No augmentation here: one epoch of shifted digits is too little to learn from; augment.test.ts
// checks the augmentations. The README's figures need the full runs.
const base: MnistOptions = {
  ...DATASET_DEFAULTS.mnist,
  dataset: 'mnist',
  model: 'lenet5',
  backend: 'cpu',
  epochs: 1,
  shift: 0,
  seed: 1,
  trainSize: 2000,
  validationSize: 200,
  timeLimit: 0,
  width: 1,
  out: '',
  pictures: true,
  verbose: false,
};

describe('the main job', () => {
  it('trains on train, reports validation, tests once on the test set, writes a model that loads and agrees', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cnn-mnist-'));
    const result = await trainMnist({ ...base, out });
    expect([result.trainCount, result.validationCount, result.testCount]).toEqual([1800, 200, 8000]);
    expect(result.history).toHaveLength(1);
    // The epoch's validation accuracy is what the model scores on the 200 validation digits.
    expect(result.validationAccuracy).toBe(result.history[0]!.valAccuracy);
    expect(result.testAccuracy).toBeGreaterThan(0.75); // chance is 0.1
    // The confusion matrix accounts for every test digit, and its diagonal is the accuracy.
    const total = result.confusion.flat().reduce((a, b) => a + b, 0);
    const diagonal = result.confusion.reduce((s, row, i) => s + row[i]!, 0);
    expect(total).toBe(8000);
    expect(diagonal / total).toBeCloseTo(result.testAccuracy, 10);
    expect(formatConfusion(result.confusion).split('\n')).toHaveLength(11);

    for (const name of [
      'conv1-filters.png',
      'test-image.png',
      'feature-maps-conv1.png',
      'feature-maps-conv2.png',
      'curves.svg',
    ]) {
      expect((await stat(join(out, name))).size).toBeGreaterThan(100);
    }
    const png = await readFile(join(out, 'conv1-filters.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const svg = await readFile(join(out, 'curves.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('validation');
    expect(svg).not.toContain('>test<');

    // The saved model gives the same accuracy on the same test digits, and those are disjoint from the
    // training and validation digits (loadMnist's split, recomputed here).
    const model = await loadModel(join(out, 'model'));
    const { test } = loadMnist({ seed: 1, trainSize: 2000, validationSize: 200 });
    model.compile({ optimizer: new cnn.SGD({ learningRate: 0.1 }), loss: 'softmaxCrossEntropy' });
    const evaluation = await model.evaluate(
      cnn.tensor(test.images, [test.count, 28, 28, 1]),
      cnn.tensor(test.labels),
    );
    expect(evaluation.accuracy).toBeCloseTo(result.testAccuracy, 6);
    const saved = JSON.parse(await readFile(join(out, 'result.json'), 'utf8'));
    expect(saved.testAccuracy).toBe(result.testAccuracy);
    expect(saved.settings.validationSize).toBe(200);
  }, 120_000);

  it('the time limit stops mid-epoch; that partial epoch is still validated, and test is still run once', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cnn-mnist-limit-'));
    // 0.0001 minutes (6 ms) is over after the first batch.
    const result = await trainMnist({
      ...base,
      trainSize: 9000,
      validationSize: 100,
      epochs: 3,
      timeLimit: 0.0001,
      pictures: false,
      out,
    });
    expect(result.stoppedBy).toBe('time limit');
    expect(result.epochsRun).toBe(1);
    expect(result.bestEpoch).toBe(1);
    expect(result.validationAccuracy).toBe(result.history[0]!.valAccuracy);
    expect(result.testCount).toBe(1000);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1000);
  }, 120_000);

  it('one-cycle sets the rate every step: the rate an epoch starts with is the one of the step before', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cnn-mnist-one-cycle-'));
    // 400 training digits in batches of 100: 4 steps an epoch, 12 in the run.
    const options = {
      ...base,
      trainSize: 500,
      validationSize: 100,
      testSize: 100,
      epochs: 3,
      batchSize: 100,
      schedule: 'one-cycle' as const,
      learningRate: 0.004,
      labelSmoothing: 0.1,
      weightDecay: 0.01,
      pictures: false,
      out,
    };
    const result = await trainMnist(options);
    expect(result.history.map((e) => e.learningRate)).toEqual([
      oneCycleRate(0.004, 0), // fit logs the rate before the epoch's first step: the last one set
      oneCycleRate(0.004, 3 / 12),
      oneCycleRate(0.004, 7 / 12),
    ]);
    expect(result.testAccuracy).toBeGreaterThan(0.3); // chance is 0.1
    const saved = JSON.parse(await readFile(join(out, 'result.json'), 'utf8'));
    expect(saved.settings).toMatchObject({ schedule: 'one-cycle', labelSmoothing: 0.1, weightDecay: 0.01 });
  }, 120_000);

  it('test-time flips average each image with its mirror image, computed here by hand', async () => {
    cnn.setBackend('cpu');
    const { test } = loadMnist({ seed: 1, trainSize: 2000, validationSize: 200 });
    const set = take(test, 40);
    const model = buildModel('lenet5', { inputShape: [28, 28, 1], classes: 10, seed: 3, width: 1 });
    const mirrored = new Float32Array(set.images.length);
    for (let i = 0; i < set.count * 28; i++) {
      for (let x = 0; x < 28; x++) mirrored[i * 28 + x] = set.images[i * 28 + 27 - x]!;
    }
    const probabilitiesOf = async (images: Float32Array) =>
      cnn.softmax(model.predict(cnn.tensor(images, [set.count, 28, 28, 1]))).data();
    const [a, b] = [await probabilitiesOf(set.images), await probabilitiesOf(mirrored)];
    const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < set.count; i++) {
      const mean = Array.from({ length: 10 }, (_, c) => (a[i * 10 + c]! + b[i * 10 + c]!) / 2);
      confusion[set.labels[i]!]![mean.indexOf(Math.max(...mean))]!++;
    }
    const averaged = await evaluateSet(model, set, 10, true);
    expect(averaged.confusion).toEqual(confusion);
    // Mirroring the set first changes nothing: each image meets the same pair.
    expect((await evaluateSet(model, { ...set, images: mirrored }, 10, true)).confusion).toEqual(confusion);
    // And the plain evaluation is not the same thing (an untrained net is far from symmetric).
    expect((await evaluateSet(model, set, 10)).confusion).not.toEqual(confusion);
    model.dispose();
  });

  it('needs a validation set', async () => {
    await expect(trainMnist({ ...base, validationSize: 0, out: '' })).rejects.toThrow(
      '--validation-size must be at least 1',
    );
  });

  it('the confusion matrix names the classes', () => {
    const confusion = Array.from({ length: 10 }, (_, i) =>
      Array.from({ length: 10 }, (_, j) => (i === j ? 90 : 1)),
    );
    const lines = formatConfusion(confusion, FASHION_MNIST_CLASSES).split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatch(/^9 Ankle boot +1 +1 +1 +1 +1 +1 +1 +1 +1 +90$/);
    expect(lines[1]).toMatch(/^0 T-shirt\/top +90 +1/);
  });

  it('every --model builds for 28x28x1 and 10 classes, and outputs [n, 10] logits', () => {
    cnn.setBackend('cpu');
    for (const name of modelNames) {
      const model = buildModel(name, { inputShape: [28, 28, 1], classes: 10, seed: 1, width: 0.25 });
      const x = cnn.zeros([2, 28, 28, 1]);
      const y = model.predict(x);
      expect(y.shape, name).toEqual([2, 10]);
      x.dispose();
      y.dispose();
      model.dispose();
    }
    expect(() =>
      buildModel('alexnet-9000', { inputShape: [28, 28, 1], classes: 10, seed: 1, width: 1 }),
    ).toThrow("unknown model 'alexnet-9000' (choose one of: lenet5, vgg-bn, resnet");
  });
});
