// Training, evaluating, switching backend and loading a saved model, on real MNIST digits, in Node.
import '@cnn/backend-cpu';
import '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { loadMnist } from '@cnn/datasets';
import { lenet5 } from '@cnn/models';
import { describe, expect, it } from 'vitest';
import type { DigitSet } from '../src/logic/digits.js';
import { modelFromFiles, modelToFiles } from '../src/logic/model-file.js';
import { Session } from '../src/logic/session.js';

const { train, test } = loadMnist({ seed: 1, trainSize: 9000 });
const subset = (set: typeof train, n: number): DigitSet => ({
  images: set.images.slice(0, n * 784),
  labels: set.labels.slice(0, n),
  count: n,
});

describe('a LeNet-5 session', () => {
  it('trains on cpu (the loss falls), moves to the reference backend with its weights, keeps training', async () => {
    const session = await Session.create(
      'cpu',
      () => lenet5({ seed: 2 }),
      {
        train: subset(train, 640),
        test: subset(test, 200),
      },
      { batchSize: 32 },
    );
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) losses.push((await session.trainStep()).loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(0, 5))).toBeGreaterThan(2);
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) * 0.7);

    const before = await Promise.all(session.model.getWeights().map((w) => w.tensor.data()));
    const digit = test.images.slice(0, 784);
    const pCpu = await session.probabilities(digit);
    await session.switchBackend('reference');
    expect(session.model.getWeights().every((w) => w.tensor.backend.name === 'reference')).toBe(true);
    const after = await Promise.all(session.model.getWeights().map((w) => w.tensor.data()));
    after.forEach((values, i) => expect(values).toEqual(before[i]));
    // The same weights on an independent backend give the same probabilities (float32 vs float64 loops).
    const pRef = await session.probabilities(digit);
    pRef.forEach((p, i) => expect(p).toBeCloseTo(pCpu[i]!, 4));

    const log = await session.trainStep();
    expect(log.backend).toBe('reference');
    expect(Number.isFinite(log.loss)).toBe(true);
    const { counts, total } = await session.evaluate(200);
    expect(total).toBe(200);
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(200);
    session.dispose();
  });

  it('reads every layer output with the shapes of the model summary', async () => {
    const session = await Session.create('cpu', () => lenet5({ seed: 2 }), { train: null, test: null });
    const outputs = await session.layerOutputs(test.images.slice(0, 784));
    expect(outputs.map((o) => `${o.name} ${o.shape.join('x')}`)).toEqual([
      'lenet5_input 28x28x1',
      'conv1 28x28x6',
      'pool1 14x14x6',
      'conv2 10x10x16',
      'pool2 5x5x16',
      'flatten 400',
      'fc1 120',
      'fc2 84',
      'fc3 10',
    ]);
    outputs.forEach((o) => expect(o.values.length).toBe(o.shape.reduce((a, b) => a * b, 1)));
    session.dispose();
  });
});

describe('a saved model in the page', () => {
  it('round-trips through model.json + weights bytes, and refuses a mismatched weights file', async () => {
    cnn.setBackend('cpu');
    const model = lenet5({ seed: 9 });
    model.initialize();
    const files = await modelToFiles(model);
    const loaded = await modelFromFiles(files.json, files.weights);
    const [a, b] = [await cnn.modelWeights(model), await cnn.modelWeights(loaded)];
    expect(b).toEqual(a);
    const other = files.weights.slice();
    other[0]! ^= 1;
    await expect(modelFromFiles(files.json, other)).rejects.toThrow(
      /SHA-256 is [0-9a-f]{64}, but model.json records/,
    );
    await expect(modelFromFiles(files.json, files.weights.slice(4))).rejects.toThrow(
      /holds \d+ bytes, but the picked file holds/,
    );
    await expect(modelFromFiles('{"format":"x"}', files.weights)).rejects.toThrow(/not a cnn-model file/);
    model.dispose();
    loaded.dispose();
  });
});
