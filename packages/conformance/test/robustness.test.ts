import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';

// Training and ops refuse bad input before it does harm, and a step that would ruin the weights is never
// applied. Each case here is a reproducer from the robustness issue.

/** A small conv net on 6x6x1 images, 3 classes. */
function net(seed = 1): cnn.Model {
  return cnn.sequential(
    [6, 6, 1],
    [
      new cnn.Conv2D({ name: 'conv', filters: 4, kernelSize: 3, activation: 'relu' }),
      new cnn.Flatten({ name: 'flat' }),
      new cnn.Dense({ name: 'fc', units: 3 }),
    ],
    { name: 'small', seed },
  );
}

const images = (n: number, seed = 2) => cnn.randomNormal([n, 6, 6, 1], 0, 1, { seed });
const labels = (n: number) =>
  cnn.tensor(
    Float32Array.from({ length: n }, (_, i) => i % 3),
    [n],
  );

async function weightsOf(model: cnn.Model): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map((w) => w.tensor.data()));
}

async function nonFinite(model: cnn.Model): Promise<number> {
  return (await weightsOf(model)).reduce((n, w) => n + w.filter((v) => !Number.isFinite(v)).length, 0);
}

beforeAll(() => cnn.setBackend(cpu()));

describe('fit never leaves the weights ruined', () => {
  it('one NaN pixel in sample 9 is refused before the first step, naming the sample', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const values = await images(12).data();
    values[9 * 36 + 5] = Number.NaN;
    const before = await weightsOf(model.initialize());
    await expect(
      model.fit(cnn.tensor(values, [12, 6, 6, 1]), labels(12), { batchSize: 4, shuffle: false }),
    ).rejects.toThrow('fit: x holds NaN in sample 9');
    expect(await weightsOf(model)).toEqual(before);
  });

  it('a learning rate of 1e6: the step that overflows is not applied; the error carries the history', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 1e6 }),
      loss: 'softmaxCrossEntropy',
    });
    const x = images(12);
    const y = labels(12);
    let error: cnn.TrainingError | null = null;
    try {
      await model.fit(x, y, { batchSize: 4, epochs: 50, shuffle: false });
    } catch (e) {
      error = e as cnn.TrainingError;
    }
    expect(error).toBeInstanceOf(cnn.TrainingError);
    expect(error!.message).toMatch(/that step was not applied/);
    expect(error!.history.length).toBe(error!.at.epoch - 1);
    expect(await nonFinite(model)).toBe(0);
  });

  it('a refused step leaves weights and optimizer state exactly as before it', async () => {
    // Twin models and optimizers take the same sane steps; then one is pushed into a step whose update
    // overflows (the forward pass is still finite), which must change nothing, momentum included.
    const make = () => {
      const optimizer = new cnn.SGD({ learningRate: 1e-3, momentum: 0.9 });
      return { optimizer, model: net().compile({ optimizer, loss: 'softmaxCrossEntropy' }) };
    };
    const a = make();
    const b = make();
    const x = cnn.mul(images(8), 100);
    const y = labels(8);
    for (const twin of [a, b]) await twin.model.fit(x, y, { batchSize: 4, epochs: 2, shuffle: false });
    const saved = await weightsOf(a.model);
    a.optimizer.learningRate = 1e37;
    const error = await a.model.fit(x, y, { batchSize: 4, shuffle: false }).catch((e) => e);
    expect(error).toBeInstanceOf(cnn.TrainingError);
    expect(error.message).toMatch(/a gradient or an updated weight became non-finite at epoch 1, batch 1/);
    expect(await weightsOf(a.model)).toEqual(saved);
    a.optimizer.learningRate = 1e-3;
    for (const twin of [a, b]) await twin.model.fit(x, y, { batchSize: 4, shuffle: false });
    expect(await weightsOf(a.model)).toEqual(await weightsOf(b.model));
  });
});

describe('fit and compile validate everything before the first step', () => {
  it('an unknown loss, metric or optimizer is refused at compile', () => {
    const model = net();
    const sgd = new cnn.SGD({ learningRate: 0.1 });
    expect(() => model.compile({ optimizer: sgd, loss: 'bogus' as 'meanSquaredError' })).toThrow(
      "compile: unknown loss 'bogus'",
    );
    expect(() =>
      model.compile({ optimizer: sgd, loss: 'softmaxCrossEntropy', metrics: ['f1' as 'accuracy'] }),
    ).toThrow("compile: unknown metric 'f1'");
    expect(() => model.compile({ optimizer: {} as cnn.Optimizer, loss: 'softmaxCrossEntropy' })).toThrow(
      'compile: optimizer must be an Optimizer',
    );
  });

  it('optimizer hyperparameters out of range are refused', () => {
    expect(() => new cnn.SGD({ learningRate: 0.1, momentum: 5 })).toThrow(
      'SGD: momentum must be in [0, 1), got 5',
    );
    expect(() => new cnn.Adam({ beta1: 1 })).toThrow('Adam: beta1 must be in [0, 1), got 1');
    expect(() => new cnn.Adam({ beta2: 1.5 })).toThrow('Adam: beta2 must be in [0, 1), got 1.5');
    expect(() => new cnn.SGD({ learningRate: -1 })).toThrow(
      'SGD: learningRate must be a finite number >= 0, got -1',
    );
    expect(() => new cnn.Adam({ learningRate: Number.NaN })).toThrow(
      'Adam: learningRate must be a finite number >= 0',
    );
    const sgd = new cnn.SGD({ learningRate: 0.1 });
    expect(() => {
      sgd.learningRate = 0;
    }).toThrow('SGD: learningRate must be a finite number > 0, got 0');
  });

  it('validationData is checked before training, not after an epoch', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const before = await weightsOf(model.initialize());
    await expect(
      model.fit(images(6), labels(6), { validationData: [cnn.zeros([2, 5, 5, 1]), labels(2)] }),
    ).rejects.toThrow("fit (validationData): input 'small_input' expects shape [batch,6,6,1], got [2,5,5,1]");
    await expect(
      model.fit(images(6), labels(6), { validationData: [images(2), cnn.tensor([0, 7])] }),
    ).rejects.toThrow('fit (validationData): label 7 of sample 1 is not a class index in [0, 2]');
    expect(await weightsOf(model)).toEqual(before);
  });

  it('labels that are neither class indices nor one-hot / probability rows are refused', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    await expect(model.fit(images(2), cnn.tensor([0.5, 1])), 'fractional class').rejects.toThrow(
      'fit: label 0.5 of sample 0 is not a class index in [0, 2]',
    );
    await expect(
      model.fit(
        images(2),
        cnn.tensor([
          [1, 1, 0],
          [0, 0, 1],
        ]),
      ),
    ).rejects.toThrow('fit: y row 0 sums to 2; one-hot / probability rows sum to 1');
    await expect(
      model.fit(
        images(2),
        cnn.tensor([
          [2, -1, 0],
          [0, 0, 1],
        ]),
      ),
    ).rejects.toThrow('fit: y row 0 holds 2');
    // soft labels are fine
    await model.fit(
      images(2),
      cnn.tensor([
        [0.2, 0.8, 0],
        [0, 0, 1],
      ]),
    );
  });

  it('a batch size larger than the data trains on one batch of every sample', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const steps: number[] = [];
    await model.fit(images(5), labels(5), {
      batchSize: 64,
      callbacks: { onBatchEnd: (logs) => void steps.push(logs.batches) },
    });
    expect(steps).toEqual([1]);
  });

  it('a second fit while one runs is refused', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const first = model.fit(images(8), labels(8), { epochs: 2, batchSize: 2 });
    await expect(model.fit(images(8), labels(8))).rejects.toThrow("fit: model 'small' is already training");
    await first;
    await model.fit(images(8), labels(8)); // free again afterwards
  });

  it('a disposed model refuses to predict or fit instead of re-initialising its weights', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    model.predict(images(1)).dispose();
    model.dispose();
    expect(() => model.predict(images(1))).toThrow("predict: model 'small' has been disposed");
    await expect(model.fit(images(2), labels(2))).rejects.toThrow("fit: model 'small' has been disposed");
    await expect(model.evaluate(images(2), labels(2))).rejects.toThrow(
      "evaluate: model 'small' has been disposed",
    );
  });

  it('evaluate refuses NaN inputs and an empty set', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const values = await images(3).data();
    values[40] = Number.NaN;
    await expect(model.evaluate(cnn.tensor(values, [3, 6, 6, 1]), labels(3))).rejects.toThrow(
      'evaluate: x holds NaN in sample 1',
    );
    await expect(model.evaluate(cnn.zeros([0, 6, 6, 1]), cnn.zeros([0]))).rejects.toThrow(
      'evaluate: x has no samples',
    );
  });
});

describe('ops refuse bad arguments with their own message', () => {
  it('softmaxCrossEntropy is finite, with a finite gradient, for valid extreme logits', async () => {
    for (const row of [
      [0, Number.NEGATIVE_INFINITY],
      [3e38, -3e38],
    ]) {
      const logits = cnn.tensor([row]);
      const { value, grads } = cnn.valueAndGrads(
        (z) => cnn.softmaxCrossEntropy(z!, cnn.tensor([0])),
        [logits],
      );
      expect(Math.abs((await value.data())[0]!)).toBe(0);
      expect(Array.from(await grads[0]!.data(), Math.abs)).toEqual([0, 0]);
      const oneHot = cnn.softmaxCrossEntropy(logits, cnn.tensor([[1, 0]]));
      expect(Math.abs((await oneHot.data())[0]!)).toBe(0);
    }
  });

  it('conv2dTranspose checks each argument on its own', () => {
    const x = cnn.zeros([1, 3, 3, 2]);
    const w = cnn.zeros([3, 3, 2, 2]);
    expect(() => cnn.conv2dTranspose(x, w, { outputSize: [5.5, 6] })).toThrow(
      'conv2dTranspose: outputSize height must be a positive integer, got 5.5',
    );
    expect(() => cnn.conv2dTranspose(x, w, { strides: 0 })).toThrow(
      'conv2dTranspose: stride height must be a positive integer, got 0',
    );
    expect(() => cnn.conv2dTranspose(x, w, { outputSize: [0, 0] })).toThrow(
      'conv2dTranspose: outputSize height must be a positive integer, got 0',
    );
    expect(() => cnn.conv2dTranspose(cnn.zeros([1, 5, 5, 2]), w, { outputSize: [2, 2] })).toThrow(
      'conv2dTranspose: outputSize [2,2] is too small for this input and filter: the output can be no smaller than [3,3] (the full output is [7,7])',
    );
    expect(() => cnn.conv2dTranspose(x, w, { outputSize: [Number.NaN, 5] })).toThrow(
      'conv2dTranspose: outputSize height must be a positive integer, got NaN',
    );
  });

  it('tensor() refuses ragged and non-numeric values', () => {
    expect(() => cnn.tensor([[1], [2, 3], []])).toThrow(
      'tensor: values are ragged: values[1] has 2 entries where the first row at that depth has 1',
    );
    expect(() => cnn.tensor([1, 'a' as unknown as number])).toThrow(
      "tensor: values[1] is the string 'a', expected a number",
    );
    expect(() => cnn.tensor([[1, 2], 3 as unknown as number[]])).toThrow(
      'tensor: values[1] is number, expected an array of 2',
    );
    expect(() => cnn.tensor(undefined as unknown as number[])).toThrow(
      'tensor: values must be a number, an array or a Float32Array',
    );
  });

  it('binary ops name a missing operand and leak nothing on a disposed one', () => {
    const x = cnn.tensor([1, 2]);
    expect(() => cnn.add(undefined as unknown as cnn.Tensor, x)).toThrow(
      'add: a must be a Tensor, got undefined',
    );
    const gone = cnn.tensor([1, 2]);
    gone.dispose();
    const before = cnn.memory().numTensors;
    for (let i = 0; i < 5; i++)
      expect(() => cnn.add(2, gone)).toThrow('add: b (shape [2]) has been disposed');
    expect(cnn.memory().numTensors).toBe(before);
  });
});
