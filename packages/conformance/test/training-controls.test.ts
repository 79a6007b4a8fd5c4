import { reference } from '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';

// fit's controls (callbacks, stopping, schedules, validation split, class weights, initial epoch, data
// sets), the metrics and multi-output models. Expected values come from independent host computations
// in float64 (or from the rules Keras documents), never from the library compared with itself.

beforeAll(() => cnn.setBackend(reference()));

const IN = 4;
const CLASSES = 3;

function net(seed = 3): cnn.Model {
  return cnn.sequential(
    [IN],
    [
      new cnn.Dense({ name: 'h', units: 8, activation: 'tanh' }),
      new cnn.Dense({ name: 'out', units: CLASSES }),
    ],
    { name: 'mlp', seed },
  );
}

/** n seeded samples whose class is the largest of the first three features. */
function data(n: number, seed = 5): { x: Float32Array; y: Float32Array } {
  const rng = new cnn.Random(seed);
  const x = Float32Array.from({ length: n * IN }, () => rng.normal());
  const y = Float32Array.from({ length: n }, (_, i) => {
    const row = x.subarray(i * IN, i * IN + CLASSES);
    return row.indexOf(Math.max(...row));
  });
  return { x, y };
}

const tensors = (n: number, seed = 5) => {
  const { x, y } = data(n, seed);
  return { x: cnn.tensor(x, [n, IN]), y: cnn.tensor(y, [n]) };
};

async function weights(model: cnn.Model): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map((w) => w.tensor.data()));
}

describe('callbacks', () => {
  it('hooks run in Keras order with their logs, and every promise is awaited', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const { x, y } = tensors(10);
    const events: string[] = [];
    const slow = () => new Promise<void>((r) => setTimeout(r, 1));
    const history = await model.fit(x, y, {
      epochs: 2,
      batchSize: 4,
      callbacks: {
        onTrainBegin: async (info) => {
          await slow();
          events.push(`trainBegin ${info.epochs} ${info.batches} ${info.samples} ${info.model === model}`);
        },
        onEpochBegin: async (e) => {
          await slow();
          events.push(`epochBegin ${e}`);
        },
        onBatchBegin: async (b) => {
          await slow();
          events.push(`batchBegin ${b.epoch}.${b.batch}/${b.batches} size ${b.size}`);
        },
        onBatchEnd: (l) => void events.push(`batchEnd ${l.epoch}.${l.batch}`),
        onEpochEnd: (l) => void events.push(`epochEnd ${l.epoch}`),
        onTrainEnd: (h) => void events.push(`trainEnd ${h.length}`),
      },
    });
    expect(history).toHaveLength(2);
    expect(events.slice(0, 9)).toEqual([
      'trainBegin 2 3 10 true',
      'epochBegin 1',
      'batchBegin 1.1/3 size 4',
      'batchEnd 1.1',
      'batchBegin 1.2/3 size 4',
      'batchEnd 1.2',
      'batchBegin 1.3/3 size 2',
      'batchEnd 1.3',
      'epochEnd 1',
    ]);
    expect(events.at(-1)).toBe('trainEnd 2');
    expect(events).toHaveLength(1 + 2 * (1 + 6 + 1) + 1);
  });

  it('model.stopTraining from onBatchEnd stops after that batch and keeps the history', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const { x, y } = tensors(12);
    let steps = 0;
    const history = await model.fit(x, y, {
      epochs: 5,
      batchSize: 4,
      callbacks: {
        onBatchEnd: (l) => {
          steps++;
          if (l.epoch === 2 && l.batch === 2) model.stopTraining = true;
        },
      },
    });
    expect(steps).toBe(3 + 2);
    expect(history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(Number.isFinite(history[1]!.loss)).toBe(true);
    // The flag is reset when the next fit starts.
    const again = await model.fit(x, y, { epochs: 2, batchSize: 12 });
    expect(again).toHaveLength(2);
  });

  it('an error in onTrainBegin stops fit before any weight changes', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const { x, y } = tensors(8);
    const before = await weights(model);
    await expect(model.fit(x, y, { callbacks: cnn.earlyStopping({ monitor: 'valLoss' }) })).rejects.toThrow(
      "earlyStopping: monitor 'valLoss' is not among the epoch logs of this fit (loss); pass validationData or validationSplit",
    );
    expect(await weights(model)).toEqual(before);
  });
});

describe('earlyStopping', () => {
  it('stops after `patience` epochs without improvement (Keras rules), on a scripted monitor', async () => {
    // The loss is replaced by a script through a wrapper callback, so the stopping rule is checked exactly.
    const script = [5, 4, 4.5, 3.9, 3.95, 3.92, 3.91, 1];
    const run = async (patience: number, minDelta: number) => {
      const model = net().compile({
        optimizer: new cnn.SGD({ learningRate: 0.01 }),
        loss: 'softmaxCrossEntropy',
      });
      const { x, y } = tensors(4);
      const stopper = cnn.earlyStopping({ monitor: 'loss', patience, minDelta });
      const scripted: cnn.Callbacks = {
        onTrainBegin: (info) => stopper.onTrainBegin!(info),
        onEpochEnd: (logs) => stopper.onEpochEnd!({ ...logs, loss: script[logs.epoch - 1]! }),
      };
      const history = await model.fit(x, y, { epochs: script.length, batchSize: 4, callbacks: scripted });
      return { epochs: history.length, stopped: stopper.stoppedEpoch, best: stopper.bestEpoch };
    };
    // patience 0: epoch 3 (4.5) does not improve on 4 -> stop at 3.
    expect(await run(0, 0)).toEqual({ epochs: 3, stopped: 3, best: 2 });
    // patience 2: 3 worse, 4 improves (3.9), 5, 6 worse -> stop at 6... 6 (3.92) is worse than 3.9: wait 2.
    expect(await run(2, 0)).toEqual({ epochs: 6, stopped: 6, best: 4 });
    // patience 3 with minDelta 0.2: only drops of more than 0.2 count: 4 (from 5), then nothing until 8.
    expect(await run(3, 0.2)).toEqual({ epochs: 5, stopped: 5, best: 2 });
  });

  it('restoreBestWeights puts back the best epoch weights (validation loss on a split)', async () => {
    const { x, y } = tensors(24);
    const make = () =>
      net(7).compile({ optimizer: new cnn.SGD({ learningRate: 0.5 }), loss: 'softmaxCrossEntropy' });
    // A run that records the weights after every epoch, to know what "best" should give.
    const probe = make();
    const perEpoch: Float32Array[][] = [];
    const probed = await probe.fit(x, y, {
      epochs: 6,
      batchSize: 6,
      validationSplit: 0.25,
      callbacks: { onEpochEnd: async () => void perEpoch.push(await weights(probe)) },
    });
    const losses = probed.map((h) => h.valLoss!);
    const model = make();
    model.ensureInitialized();
    const live = cnn.memory().numTensors;
    const stopper = cnn.earlyStopping({ monitor: 'valLoss', patience: 10, restoreBestWeights: true });
    const history = await model.fit(x, y, {
      epochs: 6,
      batchSize: 6,
      validationSplit: 0.25,
      callbacks: stopper,
    });
    expect(history.map((h) => h.valLoss)).toEqual(losses);
    const best = losses.indexOf(Math.min(...losses));
    expect(stopper.bestEpoch).toBe(best + 1);
    expect(await weights(model)).toEqual(perEpoch[best]);
    // The split's tensors, the snapshots and every step's temporaries are gone; the weights were replaced.
    expect(cnn.memory().numTensors).toBe(live);
  });

  it('refuses bad options up front', () => {
    expect(() => cnn.earlyStopping({ monitor: 'val_loss' as 'valLoss' })).toThrow(
      "earlyStopping: unknown monitor 'val_loss'",
    );
    expect(() => cnn.earlyStopping({ patience: -1 })).toThrow(
      'earlyStopping: patience must be an integer >= 0, got -1',
    );
  });
});

describe('learningRateScheduler', () => {
  it('sets the rate before each epoch; an SGD step then moves the weights by lr·g', async () => {
    const model = net().compile({ optimizer: new cnn.SGD({ learningRate: 1 }), loss: 'softmaxCrossEntropy' });
    const { x, y } = tensors(6);
    const history = await model.fit(x, y, {
      epochs: 3,
      batchSize: 6,
      shuffle: false,
      callbacks: cnn.learningRateScheduler((epoch) => 0.1 / epoch),
    });
    expect(history.map((h) => h.learningRate)).toEqual([0.1, 0.05, 0.1 / 3]);
    // The next step of a twin model at the last rate, with the gradient computed independently.
    const w0 = await weights(model);
    const { grads } = cnn.valueAndGrads(
      (...ws) => {
        const h = cnn.tanh(cnn.add(cnn.matMul(x, ws[0]!), ws[1]!));
        return cnn.softmaxCrossEntropy(cnn.add(cnn.matMul(h, ws[2]!), ws[3]!), y);
      },
      model.getWeights().map((w) => w.tensor),
    );
    const g = await Promise.all(grads.map((t) => t.data()));
    await model.fit(x, y, {
      epochs: 4,
      initialEpoch: 3,
      batchSize: 6,
      shuffle: false,
      callbacks: cnn.learningRateScheduler((e) => 0.1 / e),
    });
    const w1 = await weights(model);
    for (let k = 0; k < w0.length; k++) {
      for (let i = 0; i < w0[k]!.length; i++) {
        expect(w1[k]![i]!).toBeCloseTo(w0[k]![i]! - 0.025 * g[k]![i]!, 6);
      }
    }
  });

  it('a schedule that returns a bad rate stops fit with a message naming it', async () => {
    const model = net().compile({ optimizer: new cnn.SGD({ learningRate: 1 }), loss: 'softmaxCrossEntropy' });
    const { x, y } = tensors(4);
    await expect(
      model.fit(x, y, { epochs: 3, callbacks: cnn.learningRateScheduler((e) => (e === 2 ? -1 : 0.1)) }),
    ).rejects.toThrow('learningRateScheduler: schedule(2) returned -1');
  });
});

describe('validationSplit, classWeight, initialEpoch', () => {
  it('validationSplit holds out the last samples (before shuffling), as Keras', async () => {
    const { x, y } = tensors(10);
    const a = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.2 }),
      loss: 'softmaxCrossEntropy',
      metrics: ['accuracy'],
    });
    const b = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.2 }),
      loss: 'softmaxCrossEntropy',
      metrics: ['accuracy'],
    });
    const { x: xs, y: ys } = data(10);
    const head = { x: cnn.tensor(xs.slice(0, 7 * IN), [7, IN]), y: cnn.tensor(ys.slice(0, 7), [7]) };
    const tail = { x: cnn.tensor(xs.slice(7 * IN), [3, IN]), y: cnn.tensor(ys.slice(7), [3]) };
    // floor(10 · 0.7) = 7 train, the last 3 validate: the same as passing them explicitly.
    const split = await a.fit(x, y, { epochs: 2, batchSize: 4, validationSplit: 0.3 });
    const explicit = await b.fit(head.x, head.y, {
      epochs: 2,
      batchSize: 4,
      validationData: [tail.x, tail.y],
    });
    expect(split.map((h) => [h.loss, h.valLoss, h.valAccuracy])).toEqual(
      explicit.map((h) => [h.loss, h.valLoss, h.valAccuracy]),
    );
    await expect(a.fit(x, y, { validationSplit: 1 })).rejects.toThrow(
      'fit: validationSplit must be in (0, 1), got 1',
    );
    await expect(a.fit(x, y, { validationSplit: 0.95 })).rejects.toThrow(
      'fit: validationSplit 0.95 of 10 samples leaves 0 to train and 10 to validate; both need at least one',
    );
    await expect(a.fit(x, y, { validationSplit: 0.5, validationData: [tail.x, tail.y] })).rejects.toThrow(
      'fit: pass validationData or validationSplit, not both',
    );
  });

  it('classWeight scales each sample loss: mean(w_i · loss_i), checked against a host float64 loss', async () => {
    const n = 6;
    const { x, y } = tensors(n);
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 1e-9 }),
      loss: 'softmaxCrossEntropy',
    });
    const history = await model.fit(x, y, {
      epochs: 1,
      batchSize: n,
      shuffle: false,
      classWeight: { 0: 2, 2: 0.5 },
    });
    const logits = await model.predict(x).data();
    const labels = await y.data();
    let expected = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(logits.subarray(i * CLASSES, (i + 1) * CLASSES));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      const w = [2, 1, 0.5][labels[i]!]!;
      expected += (w * (lse - row[labels[i]!]!)) / n;
    }
    expect(history[0]!.loss).toBeCloseTo(expected, 5);
    await expect(model.fit(x, y, { classWeight: { 3: 1 } })).rejects.toThrow(
      'fit: classWeight has class 3; classes are 0 to 2',
    );
    await expect(model.fit(x, y, { classWeight: [1, -1] })).rejects.toThrow(
      'fit: classWeight of class 1 must be a finite number >= 0, got -1',
    );
  });

  it('initialEpoch resumes: epochs numbered from initialEpoch + 1, the same weights as one longer fit', async () => {
    const { x, y } = tensors(8);
    const make = () =>
      net().compile({
        optimizer: new cnn.SGD({ learningRate: 0.3, momentum: 0.5 }),
        loss: 'softmaxCrossEntropy',
      });
    const whole = make();
    await whole.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false });
    const resumed = make();
    await resumed.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false });
    const rest = await resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, shuffle: false });
    expect(rest.map((h) => h.epoch)).toEqual([3, 4]);
    expect(await weights(resumed)).toEqual(await weights(whole));
    await expect(resumed.fit(x, y, { epochs: 2, initialEpoch: 2 })).rejects.toThrow(
      'fit: initialEpoch 2 leaves nothing to train: epochs (2) is the last epoch, not a count',
    );
  });
});

describe('fitDataset', () => {
  it('trains on an async iterable exactly as fit on the same batches, and streams with a flat tensor count', async () => {
    const n = 12;
    const { x: xs, y: ys } = data(n);
    const batch = (b: number) => ({
      xs: cnn.tensor(xs.slice(b * 4 * IN, (b + 1) * 4 * IN), [4, IN]),
      ys: cnn.tensor(ys.slice(b * 4, (b + 1) * 4), [4]),
    });
    const dataset = {
      async *[Symbol.asyncIterator]() {
        for (let b = 0; b < 3; b++) yield batch(b);
      },
    };
    const streamed = net().compile({
      optimizer: new cnn.Adam({ learningRate: 0.01 }),
      loss: 'softmaxCrossEntropy',
      metrics: ['accuracy'],
    });
    const counts: number[] = [];
    const history = await streamed.fitDataset(dataset, {
      epochs: 3,
      callbacks: { onEpochEnd: () => void counts.push(cnn.memory().numTensors) },
    });
    const inMemory = net().compile({
      optimizer: new cnn.Adam({ learningRate: 0.01 }),
      loss: 'softmaxCrossEntropy',
      metrics: ['accuracy'],
    });
    const { x, y } = tensors(n);
    const fitted = await inMemory.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false });
    expect(history.map((h) => [h.loss, h.accuracy])).toEqual(fitted.map((h) => [h.loss, h.accuracy]));
    expect(await weights(streamed)).toEqual(await weights(inMemory));
    expect(new Set(counts).size).toBe(1);
    const evaluated = await streamed.evaluateDataset(dataset);
    const direct = await streamed.evaluate(x, y);
    expect(evaluated.loss).toBeCloseTo(direct.loss, 6);
    expect(evaluated.accuracy).toBe(direct.accuracy);
  });

  it('a one-shot generator, a short stream and a bad batch are refused with what to do', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const good = () => ({ xs: cnn.zeros([2, IN]), ys: cnn.tensor([0, 1]) });
    async function* once() {
      yield good();
    }
    await expect(model.fitDataset(once(), { epochs: 2 })).rejects.toThrow(
      'a one-shot iterator (e.g. an async generator object) cannot be read again',
    );
    await expect(model.fitDataset([good(), good()], { epochs: 1, batchesPerEpoch: 3 })).rejects.toThrow(
      'fitDataset: the data set ended after 2 batch(es) of epoch 1; batchesPerEpoch is 3',
    );
    const error = await model
      .fitDataset([good(), { xs: cnn.zeros([2, IN]), ys: cnn.tensor([0, 5]) }], { epochs: 1 })
      .catch((e: unknown) => e as cnn.TrainingError);
    expect(error).toBeInstanceOf(cnn.TrainingError);
    expect((error as cnn.TrainingError).message).toContain(
      'fitDataset (batch 2): label 5 of sample 1 is not a class index in [0, 2]',
    );
    expect((error as cnn.TrainingError).at).toEqual({ epoch: 1, batch: 2, step: 1 });
  });

  it('batchesPerEpoch continues one endless stream across epochs', async () => {
    const model = net().compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    let made = 0;
    const stream = {
      *[Symbol.iterator]() {
        for (;;) {
          made++;
          yield [cnn.randomNormal([3, IN], 0, 1, { seed: made }), cnn.tensor([0, 1, 2])] as const;
        }
      },
    };
    const history = await model.fitDataset(stream, { epochs: 3, batchesPerEpoch: 2 });
    expect(history).toHaveLength(3);
    expect(made).toBe(6);
  });
});

describe('metrics and losses', () => {
  it('topKAccuracy and confusionMatrix match host counts (ties count as in the top k, like in_top_k)', async () => {
    const scores = [
      [0.1, 0.5, 0.4, 0.0],
      [0.3, 0.3, 0.2, 0.2],
      [0.9, 0.05, 0.03, 0.02],
      [0.2, 0.2, 0.2, 0.4],
      [0.1, 0.2, 0.3, 0.4],
    ];
    const labels = [2, 1, 3, 0, 0];
    const p = cnn.tensor(scores);
    const l = cnn.tensor(labels);
    // Host: the true class is in the top k when fewer than k classes score strictly higher.
    for (const k of [1, 2, 3]) {
      const hits = labels.filter((c, i) => scores[i]!.filter((s) => s > scores[i]![c]!).length < k).length;
      expect((await cnn.topKAccuracy(p, l, k).data())[0]).toBeCloseTo(hits / labels.length, 6);
    }
    expect(() => cnn.topKAccuracy(p, l, 5)).toThrow(
      'topKAccuracy: k must be an integer in [1, 4] (the class count), got 5',
    );
    const matrix = await cnn.confusionMatrix(l, p, 4);
    const expected = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
    labels.forEach((c, i) => expected[c]![scores[i]!.indexOf(Math.max(...scores[i]!))]!++);
    expect(matrix).toEqual(expected);
    expect(await cnn.confusionMatrix(l, cnn.tensor([2, 0, 0, 3, 3]), 4)).toEqual([
      [0, 0, 0, 2],
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [1, 0, 0, 0],
    ]);
    await expect(cnn.confusionMatrix(l, cnn.tensor([2, 0, 0, 3, 4]), 4)).rejects.toThrow(
      'confusionMatrix: prediction 4 of sample 4 is not a class index in [0, 3]',
    );
  });

  it('compile takes topKAccuracy and the new losses; fit logs them, evaluate matches the host metric', async () => {
    const { x, y } = tensors(9);
    const model = net().compile({
      optimizer: new cnn.RMSprop({ learningRate: 0.01, clipNorm: 1 }),
      loss: { name: 'softmaxCrossEntropy', labelSmoothing: 0.1 },
      metrics: ['accuracy', { name: 'topKAccuracy', k: 2 }],
    });
    const history = await model.fit(x, y, { epochs: 2, batchSize: 3, validationData: [x, y] });
    expect(history[1]!.topKAccuracy).toBeGreaterThanOrEqual(history[1]!.accuracy!);
    const result = await model.evaluate(x, y);
    expect(result.topKAccuracy).toBe(history[1]!.valTopKAccuracy);
    expect(result.topKAccuracy).toBeCloseTo((await cnn.topKAccuracy(model.predict(x), y, 2).data())[0]!, 6);
    expect(result.loss).toBeCloseTo(
      (await cnn.smoothedSoftmaxCrossEntropy(model.predict(x), y, 0.1).data())[0]!,
      6,
    );
    expect(() =>
      model.compile({
        optimizer: new cnn.SGD({ learningRate: 1 }),
        loss: { name: 'huber', labelSmoothing: 0.1 },
      }),
    ).toThrow('compile: labelSmoothing applies to softmaxCrossEntropy only, not huber');
    expect(() =>
      model.compile({
        optimizer: new cnn.SGD({ learningRate: 1 }),
        loss: 'softmaxCrossEntropy',
        metrics: [{ name: 'topKAccuracy', k: 4 }],
      }),
    ).toThrow('compile: topKAccuracy k must be an integer in [1, 3] (the classes of output 0), got 4');
    expect(() => new cnn.RMSprop({ clipNorm: 0 })).toThrow(
      'RMSprop: clipNorm must be a finite number > 0, got 0',
    );
    expect(() => new cnn.Adagrad({ clipValue: -1 })).toThrow(
      'Adagrad: clipValue must be a finite number > 0, got -1',
    );
  });
});

describe('multi-output models', () => {
  function twoHeads(): cnn.Model {
    const input = cnn.input([IN], 'in');
    const h = new cnn.Dense({ name: 'trunk', units: 6, activation: 'relu' }).apply(input);
    const classes = new cnn.Dense({ name: 'classes', units: CLASSES }).apply(h);
    const value = new cnn.Dense({ name: 'value', units: 1 }).apply(h);
    return new cnn.Model({ inputs: input, outputs: [classes, value], name: 'heads', seed: 9 });
  }

  it('predictAll returns every output; predict refuses instead of returning only the first', () => {
    const model = twoHeads();
    const x = cnn.randomNormal([5, IN], 0, 1, { seed: 1 });
    const [a, b] = model.predictAll(x, { batchSize: 2 });
    expect(a!.shape).toEqual([5, CLASSES]);
    expect(b!.shape).toEqual([5, 1]);
    const [wholeA] = model.predictAll(x);
    expect(Array.from(a!.dataSync())).toEqual(Array.from(wholeA!.dataSync()));
    expect(() => model.predict(x)).toThrow(
      "predict: model 'heads' has 2 outputs (classes, value); use predictAll, which returns every output",
    );
  });

  it('fit minimises the sum of per-output losses; evaluate reports each output and the sum', async () => {
    const model = twoHeads();
    model.compile({
      optimizer: new cnn.Adam({ learningRate: 0.01 }),
      loss: ['softmaxCrossEntropy', { name: 'huber', delta: 0.5 }],
      metrics: ['accuracy'],
    });
    const { x, y } = tensors(8);
    const target = cnn.randomNormal([8, 1], 0, 1, { seed: 4 });
    const history = await model.fit(x, [y, target], { epochs: 3, batchSize: 4 });
    expect(history[2]!.outputs!.map((o) => o.name)).toEqual(['classes', 'value']);
    const result = await model.evaluate(x, [y, target]);
    const [logits, value] = model.predictAll(x);
    const ce = (await cnn.softmaxCrossEntropy(logits!, y).data())[0]!;
    const huber = (await cnn.huberLoss(value!, target, 0.5).data())[0]!;
    expect(result.outputs![0]!.loss).toBeCloseTo(ce, 6);
    expect(result.outputs![1]!.loss).toBeCloseTo(huber, 6);
    expect(result.loss).toBeCloseTo(ce + huber, 6);
    // The classification head reports accuracy (a host count); the regression head none.
    const truth = await y.data();
    const rows = await logits!.data();
    const hits = Array.from(truth).filter((c, i) => {
      const row = Array.from(rows.subarray(i * CLASSES, (i + 1) * CLASSES));
      return row[c]! === Math.max(...row);
    }).length;
    expect(result.outputs![0]!.accuracy).toBeCloseTo(hits / 8, 6);
    expect(result.outputs![1]!.accuracy).toBeUndefined();
    await expect(model.evaluate(x, y)).rejects.toThrow(
      "evaluate: model 'heads' has 2 output(s), got 1 targets",
    );
    expect(() => model.compile({ optimizer: new cnn.SGD({ learningRate: 1 }), loss: ['huber'] })).toThrow(
      'compile: the model has 2 output(s) but 1 losses were given (one for all, or one per output)',
    );
  });
});
