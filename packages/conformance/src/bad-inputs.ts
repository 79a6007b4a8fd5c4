import { reference } from '@cnn/backend-reference';
import type { Backend, Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';

/**
 * Bad inputs and what they get: the reproducers of the robustness issue (conformance's robustness and
 * bad-input tests) and one representative of every class the fuzzers draw (test/fuzz.test.ts). Each is run
 * by `tools/bad-inputs-table.mjs`, which writes the messages to docs/bad-inputs.md, and by
 * test/bad-inputs.test.ts, which checks that every one is refused with an Error (never a TypeError or
 * RangeError) and that docs/bad-inputs.md is what the generator writes now.
 *
 * A case with `knownIssue` is a reported bug: it is listed with what it does now, and the test checks it
 * still does, so that the fix moves it into the main table.
 */
export interface BadInputCase {
  /** What part of the library: training, compile, model, ops, layers, tensors, ... */
  area: string;
  /** A short description of the bad input (a call, where that is short). */
  input: string;
  run: () => unknown | Promise<unknown>;
  /** A reported bug: the case currently gets no clear Error. */
  knownIssue?: string;
}

export interface BadInputResult {
  area: string;
  input: string;
  /** 'refused': an Error of class Error (or a subclass of it such as TrainingError) was thrown or rejected. */
  outcome: 'refused' | 'returned' | 'wrong error class';
  /** The error's class name (Error, TrainingError, TypeError, ...). */
  errorName: string;
  /** The message, with backend instance numbers (`cpu#3`) normalised to `#N`. */
  message: string;
  knownIssue?: string;
}

const z = (...shape: number[]) => cnn.zeros(shape);
const image = () => z(1, 8, 8, 3);
const disposed = (...shape: number[]) => {
  const t = z(...shape);
  t.dispose();
  return t;
};

/** The robustness tests' net: 6x6x1 images, 3 classes. */
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
const compiled = (learningRate = 0.1) =>
  net().compile({ optimizer: new cnn.SGD({ learningRate }), loss: 'softmaxCrossEntropy' });
const images = (n: number, seed = 2) => cnn.randomNormal([n, 6, 6, 1], 0, 1, { seed });
const labels = (n: number) =>
  cnn.tensor(
    Float32Array.from({ length: n }, (_, i) => i % 3),
    [n],
  );

/** The bad-input tests' tiny net: 4x4x1 images, 3 classes. */
function tiny(): cnn.Model {
  return cnn
    .sequential(
      [4, 4, 1],
      [
        new cnn.Conv2D({ name: 'conv', filters: 2, kernelSize: 3 }),
        new cnn.Flatten(),
        new cnn.Dense({ name: 'fc', units: 3 }),
      ],
      { name: 'tiny' },
    )
    .compile({ optimizer: new cnn.SGD({ learningRate: 0.1 }), loss: 'softmaxCrossEntropy' });
}

/** A one-layer model with a bad layer config, run on a batch of two. */
function layer(make: () => cnn.Layer, inputShape = [6, 6, 2]) {
  return () => {
    const model = cnn.sequential(inputShape, [make()], { name: 'm' });
    try {
      return model.predict(cnn.zeros([2, ...inputShape]));
    } finally {
      model.dispose();
    }
  };
}

/** Runs `f` with the element limit lowered to `limit`. */
function underLimit(limit: number, f: () => unknown) {
  return () => {
    const before = cnn.getMaxTensorSize();
    cnn.setMaxTensorSize(limit);
    try {
      return f();
    } finally {
      cnn.setMaxTensorSize(before);
    }
  };
}

export function badInputCases(): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (area: string, input: string, run: () => unknown, knownIssue?: string) =>
    cases.push({ area, input, run, ...(knownIssue ? { knownIssue } : {}) });

  // ---- training: fit never leaves the weights ruined (robustness.test.ts) ----
  add('training', 'one NaN pixel in sample 9 of x', async () => {
    const values = await images(12).data();
    values[9 * 36 + 5] = Number.NaN;
    return compiled().fit(cnn.tensor(values, [12, 6, 6, 1]), labels(12), { batchSize: 4, shuffle: false });
  });
  add('training', 'every value of x is NaN', () =>
    tiny().fit(cnn.tensor(new Float32Array(32).fill(Number.NaN), [2, 4, 4, 1]), cnn.tensor([0, 1])),
  );
  add('training', 'a learning rate of 1e38 on inputs of size 100: the first step overflows', () =>
    compiled(1e38).fit(cnn.mul(images(8), 100), labels(8), { batchSize: 4, shuffle: false }),
  );
  // ---- compile and optimizers ----
  const sgd = () => new cnn.SGD({ learningRate: 0.1 });
  add('compile', "loss: 'bogus'", () =>
    net().compile({ optimizer: sgd(), loss: 'bogus' as 'meanSquaredError' }),
  );
  add('compile', "metrics: ['f1']", () =>
    net().compile({ optimizer: sgd(), loss: 'softmaxCrossEntropy', metrics: ['f1' as 'accuracy'] }),
  );
  add('compile', 'optimizer: {}', () =>
    net().compile({ optimizer: {} as cnn.Optimizer, loss: 'softmaxCrossEntropy' }),
  );
  add(
    'optimizers',
    'new SGD({ learningRate: 0.1, momentum: 5 })',
    () => new cnn.SGD({ learningRate: 0.1, momentum: 5 }),
  );
  add('optimizers', 'new Adam({ beta1: 1 })', () => new cnn.Adam({ beta1: 1 }));
  add('optimizers', 'new Adam({ beta2: 1.5 })', () => new cnn.Adam({ beta2: 1.5 }));
  add('optimizers', 'new SGD({ learningRate: -1 })', () => new cnn.SGD({ learningRate: -1 }));
  add('optimizers', 'new Adam({ learningRate: NaN })', () => new cnn.Adam({ learningRate: Number.NaN }));
  add('optimizers', 'sgd.learningRate = 0', () => {
    sgd().learningRate = 0;
  });
  // ---- fit, predict, evaluate: data, labels, options (robustness.test.ts, bad-input.test.ts) ----
  add('fit', 'validationData images of the wrong shape [2,5,5,1]', () =>
    compiled().fit(images(6), labels(6), { validationData: [z(2, 5, 5, 1), labels(2)] }),
  );
  add('fit', 'validationData label 7 of 3 classes', () =>
    compiled().fit(images(6), labels(6), { validationData: [images(2), cnn.tensor([0, 7])] }),
  );
  add('fit', 'a fractional class label 0.5', () => compiled().fit(images(2), cnn.tensor([0.5, 1])));
  add('fit', 'a one-hot row that sums to 2', () =>
    compiled().fit(
      images(2),
      cnn.tensor([
        [1, 1, 0],
        [0, 0, 1],
      ]),
    ),
  );
  add('fit', 'a probability row holding 2 and -1', () =>
    compiled().fit(
      images(2),
      cnn.tensor([
        [2, -1, 0],
        [0, 0, 1],
      ]),
    ),
  );
  add('fit', 'a second fit while one runs', async () => {
    const model = compiled();
    const first = model.fit(images(8), labels(8), { epochs: 2, batchSize: 2 });
    try {
      return await model.fit(images(8), labels(8));
    } finally {
      await first;
    }
  });
  add('fit', 'input of shape [2,5,4,1] for [batch,4,4,1]', () =>
    tiny().fit(z(2, 5, 4, 1), cnn.tensor([0, 1])),
  );
  add('fit', 'label 3 of 3 classes', () => tiny().fit(z(2, 4, 4, 1), cnn.tensor([0, 3])));
  add('fit', '2 samples and 3 labels', () => tiny().fit(z(2, 4, 4, 1), cnn.tensor([0, 1, 2])));
  add('fit', 'batchSize: 0', () => tiny().fit(z(2, 4, 4, 1), cnn.tensor([0, 1]), { batchSize: 0 }));
  add('fit', 'epochs: 0', () => tiny().fit(z(2, 4, 4, 1), cnn.tensor([0, 1]), { epochs: 0 }));
  add('fit', 'fit before compile', () =>
    cnn.sequential([3], [new cnn.Dense({ units: 2 })]).fit(z(1, 3), cnn.tensor([0])),
  );
  add('predict', 'input of shape [4,4,1] (no batch axis)', () => tiny().predict(z(4, 4, 1)));
  add('predict', 'batchSize: 0', () => tiny().predict(z(2, 4, 4, 1), { batchSize: 0 }));
  const gone = () => {
    const model = compiled();
    model.predict(images(1)).dispose();
    model.dispose();
    return model;
  };
  add('model', 'predict on a disposed model', () => gone().predict(images(1)));
  add('model', 'fit on a disposed model', () => gone().fit(images(2), labels(2)));
  add('model', 'evaluate on a disposed model', () => gone().evaluate(images(2), labels(2)));
  add('evaluate', 'a NaN in sample 1', async () => {
    const values = await images(3).data();
    values[40] = Number.NaN;
    return compiled().evaluate(cnn.tensor(values, [3, 6, 6, 1]), labels(3));
  });
  add('evaluate', 'an empty set', () => compiled().evaluate(z(0, 6, 6, 1), z(0)));

  // ---- ops (bad-input.test.ts, robustness.test.ts) ----
  add('conv2d', 'cnn.conv2d(zeros([1,8,8,3]), zeros([3,3,4,16]))', () => cnn.conv2d(image(), z(3, 3, 4, 16)));
  add('conv2d', 'cnn.conv2d(zeros([8,8,3]), zeros([3,3,3,4]))', () => cnn.conv2d(z(8, 8, 3), z(3, 3, 3, 4)));
  add('conv2d', 'cnn.conv2d(zeros([1,8,8,3]), zeros([3,3,1,4]), { groups: 2 })', () =>
    cnn.conv2d(image(), z(3, 3, 1, 4), { groups: 2 }),
  );
  add('conv2d', '{ strides: 0 }', () => cnn.conv2d(image(), z(3, 3, 3, 4), { strides: 0 }));
  add('conv2d', '{ dilations: [1, -2] }', () => cnn.conv2d(image(), z(3, 3, 3, 4), { dilations: [1, -2] }));
  add('conv2d', '{ padding: -1 }', () => cnn.conv2d(image(), z(3, 3, 3, 4), { padding: -1 }));
  add('conv2d', '{ padding: [0, 3, 0, 0] } with a 3x3 kernel', () =>
    cnn.conv2d(image(), z(3, 3, 3, 4), { padding: [0, 3, 0, 0] }),
  );
  add('conv2d', 'input height 2 for a kernel height 5', () => cnn.conv2d(z(1, 2, 8, 3), z(5, 3, 3, 4)));
  add('conv2d', 'a filter of height 0', () => cnn.conv2d(image(), z(0, 3, 3, 4)));
  add('conv2d', 'a disposed filter', () => cnn.conv2d(image(), disposed(3, 3, 3, 4)));
  add('conv2d', 'output channels 3 with groups 2', () =>
    cnn.conv2d(z(1, 5, 5, 4), z(3, 3, 2, 3), { groups: 2 }),
  );
  add('conv2d', "{ padding: 'full' }", () =>
    cnn.conv2d(image(), z(3, 3, 3, 4), { padding: 'full' as 'same' }),
  );
  add('conv2d', '{ padding: [1, 1, 1] }', () =>
    cnn.conv2d(image(), z(3, 3, 3, 4), { padding: [1, 1, 1] as unknown as number }),
  );
  add('conv2d', '{ groups: NaN }', () => cnn.conv2d(image(), z(3, 3, 3, 4), { groups: Number.NaN }));
  add('conv2d', "a string for the filter: cnn.conv2d(x, 'w')", () =>
    cnn.conv2d(image(), 'w' as unknown as Tensor),
  );
  add('conv2dTranspose', '{ outputSize: [5.5, 6] }', () =>
    cnn.conv2dTranspose(z(1, 3, 3, 2), z(3, 3, 2, 2), { outputSize: [5.5, 6] }),
  );
  add('conv2dTranspose', '{ strides: 0 }', () =>
    cnn.conv2dTranspose(z(1, 3, 3, 2), z(3, 3, 2, 2), { strides: 0 }),
  );
  add('conv2dTranspose', '{ outputSize: [0, 0] }', () =>
    cnn.conv2dTranspose(z(1, 3, 3, 2), z(3, 3, 2, 2), { outputSize: [0, 0] }),
  );
  add('conv2dTranspose', 'outputSize [2,2] for a 5x5 input and a 3x3 filter', () =>
    cnn.conv2dTranspose(z(1, 5, 5, 2), z(3, 3, 2, 2), { outputSize: [2, 2] }),
  );
  add('conv2dTranspose', '{ outputSize: [NaN, 5] }', () =>
    cnn.conv2dTranspose(z(1, 3, 3, 2), z(3, 3, 2, 2), { outputSize: [Number.NaN, 5] }),
  );
  add('conv2dTranspose', '{ strides: 2, outputPadding: 2 }', () =>
    cnn.conv2dTranspose(z(1, 3, 3, 2), z(3, 3, 2, 2), { strides: 2, outputPadding: 2 }),
  );
  add('pooling', 'maxPool2d { kernel: [2, 0] }', () => cnn.maxPool2d(image(), { kernel: [2, 0] }));
  add('pooling', 'maxPool2d { kernel: 2, padding: 2 }', () =>
    cnn.maxPool2d(image(), { kernel: 2, padding: 2 }),
  );
  add('pooling', 'avgPool2d of a 2x2 image with a 3x3 window', () =>
    cnn.avgPool2d(z(1, 2, 2, 1), { kernel: 3 }),
  );
  add('pooling', 'avgPool2d { kernel: 2, strides: [1, 1.5] }', () =>
    cnn.avgPool2d(image(), { kernel: 2, strides: [1, 1.5] }),
  );
  add('pooling', 'maxPool2d without options.kernel', () => cnn.maxPool2d(image(), {} as cnn.Pool2DOptions));
  add('pooling', 'maxPool2d of a rank-3 tensor', () => cnn.maxPool2d(z(8, 8, 3), { kernel: 2 }));
  add('matMul', 'cnn.matMul(zeros([2,3]), zeros([4,5]))', () => cnn.matMul(z(2, 3), z(4, 5)));
  add('matMul', 'batch dims 2 and 3 do not broadcast', () => cnn.matMul(z(2, 2, 3), z(3, 3, 2)));
  add('matMul', 'a scalar operand', () => cnn.matMul(z(), z(2, 2)));
  add('dense', 'cnn.dense(zeros([2,3]), zeros([4,5]))', () => cnn.dense(z(2, 3), z(4, 5)));
  add('elementwise', 'cnn.add(zeros([2,3]), zeros([4]))', () => cnn.add(z(2, 3), z(4)));
  add('elementwise', 'cnn.add(undefined, x)', () =>
    cnn.add(undefined as unknown as Tensor, cnn.tensor([1, 2])),
  );
  add('elementwise', 'cnn.add(2, disposed tensor)', () => cnn.add(2, disposed(2)));
  add('elementwise', 'cnn.where(zeros([3]), zeros([2]), 0)', () => cnn.where(z(3), z(2), 0));
  add('elementwise', 'tensors of two backend instances', () => cnn.add(z(2), cnn.zeros([2], reference())));
  add('activations', 'cnn.relu(disposed tensor)', () => cnn.relu(disposed(1, 8, 8, 3)));
  add('activations', 'cnn.leakyRelu(x, NaN)', () => cnn.leakyRelu(z(2), Number.NaN));
  add('activations', "cnn.gelu(x, 'fast')", () => cnn.gelu(z(2), 'fast' as 'none'));
  add('normalization', 'batchNorm mean of shape [4] for 3 channels', () => {
    const v = z(4);
    return cnn.batchNorm(image(), v, v, v, v);
  });
  add('normalization', 'batchNorm epsilon -1', () => {
    const v = z(3);
    return cnn.batchNorm(image(), v, v, v, v, -1);
  });
  add('normalization', 'lrn { size: 0 }', () => cnn.lrn(image(), { size: 0 }));
  add('normalization', 'lrn of a rank-2 tensor', () => cnn.lrn(z(2, 3), { size: 3 }));
  add('reductions', 'cnn.sum(zeros([2,3]), 3)', () => cnn.sum(z(2, 3), 3));
  add('reductions', 'cnn.softmax(zeros([2,3]), 2)', () => cnn.softmax(z(2, 3), 2));
  add('reductions', 'cnn.mean(zeros([2,3]), 1.5)', () => cnn.mean(z(2, 3), 1.5));
  add('layout', 'concat of [2,3] and [3,3] on axis 1', () => cnn.concat([z(2, 3), z(3, 3)], 1));
  add('layout', 'concat([x, null])', () => cnn.concat([z(2, 2), null as unknown as Tensor], 0));
  add('layout', 'slice 3 elements from 2 of [4]', () => cnn.slice(z(4), [2], [3]));
  add('layout', 'transpose perm [0, 0]', () => cnn.transpose(z(2, 3), [0, 0]));
  add('layout', 'expandDims axis 4 of a rank-2 tensor', () => cnn.expandDims(z(2, 3), 4));
  add('layout', 'flatten axis 3 of a rank-2 tensor', () => cnn.flatten(z(2, 3), 3));
  add('layout', 'pad by 1.5', () => cnn.pad(z(2, 2), [1.5, 0], [0, 0]));
  add('layout', 'broadcastTo [2] from [3]', () => cnn.broadcastTo(z(3), [2]));
  add('losses', 'softmaxCrossEntropy labels of shape [3] for 2 rows', () =>
    cnn.softmaxCrossEntropy(z(2, 3), z(3)),
  );
  add('losses', 'softmaxCrossEntropy label 3 of 3 classes', () =>
    cnn.softmaxCrossEntropy(z(2, 3), cnn.tensor([0, 3])),
  );
  add('autograd', 'valueAndGrads of a non-scalar without dy', () =>
    cnn.valueAndGrads((x) => cnn.relu(x!), [z(2)]),
  );

  // ---- tensors and shapes ----
  add('tensors', 'zeros([2, NaN])', () => cnn.zeros([2, Number.NaN]));
  add('tensors', 'zeros([-1, 2])', () => cnn.zeros([-1, 2]));
  add('tensors', 'randomNormal([2, Infinity])', () => cnn.randomNormal([2, Number.POSITIVE_INFINITY]));
  add('tensors', 'reshape to [2.5, 2]', () => cnn.reshape(z(2, 3), [2.5, 2]));
  add('tensors', 'reshape to [-1, -1]', () => cnn.reshape(z(2, 3), [-1, -1]));
  add('tensors', 'tensor([1, 2, 3], [2, 2])', () => cnn.tensor([1, 2, 3], [2, 2]));
  add('tensors', 'tensor([[1], [2, 3], []])', () => cnn.tensor([[1], [2, 3], []]));
  add('tensors', "tensor([1, 'a'])", () => cnn.tensor([1, 'a' as unknown as number]));
  add('tensors', 'tensor([[1, 2], 3])', () => cnn.tensor([[1, 2], 3 as unknown as number[]]));
  add('tensors', 'tensor(undefined)', () => cnn.tensor(undefined as unknown as number[]));
  add('tensors', 'dataSync of a disposed tensor', () => disposed(1, 8, 8, 3).dataSync());
  add('tensors', 'zeros([65536, 65536]): over the default size limit', () => cnn.zeros([65536, 65536]));
  add(
    'tensors',
    'matMul of [40,1] and [1,40] under setMaxTensorSize(1000)',
    underLimit(1000, () => cnn.matMul(z(40, 1), z(1, 40))),
  );
  add('tensors', 'setMaxTensorSize(0)', () => cnn.setMaxTensorSize(0));

  // ---- layers ----
  add(
    'layers',
    'Conv2D { filters: 0 }',
    layer(() => new cnn.Conv2D({ name: 'bad', filters: 0, kernelSize: 3 })),
  );
  add(
    'layers',
    'Conv2D { kernelSize: 9 } on a 6x6 input',
    layer(() => new cnn.Conv2D({ name: 'bad', filters: 2, kernelSize: 9 })),
  );
  add(
    'layers',
    "Conv2D { activation: 'nope' }",
    layer(() => new cnn.Conv2D({ name: 'bad', filters: 2, kernelSize: 3, activation: 'nope' as 'relu' })),
  );
  add(
    'layers',
    'Dense { units: -1 }',
    layer(() => new cnn.Dense({ name: 'bad', units: -1 }), [6]),
  );
  add(
    'layers',
    'MaxPool2D { poolSize: 0 }',
    layer(() => new cnn.MaxPool2D({ name: 'bad', poolSize: 0 })),
  );
  add(
    'layers',
    'BatchNorm { momentum: 2 }',
    layer(() => new cnn.BatchNorm({ name: 'bad', momentum: 2 })),
  );
  add(
    'layers',
    'Dropout { rate: 1 }',
    layer(() => new cnn.Dropout({ name: 'bad', rate: 1 }), [6]),
  );

  // ---- reported by the fuzzers and fixed in core ----
  add('conv2d options', 'conv2d { strides: null }', () =>
    cnn.conv2d(image(), z(3, 3, 3, 4), { strides: null as unknown as number }),
  );
  add('conv2d options', 'conv2d { padding: true }', () =>
    cnn.conv2d(image(), z(3, 3, 3, 4), { padding: true as unknown as number }),
  );
  add('reductions', "cnn.sum(zeros([2]), '0')", () => cnn.sum(z(2), '0' as unknown as number));
  add('layout', "cnn.concat('x', 0)", () => cnn.concat('x' as unknown as Tensor[], 0));
  add(
    'layers',
    'Conv2D { kernelSize: null }',
    layer(() => new cnn.Conv2D({ name: 'bad', filters: 2, kernelSize: null as unknown as number })),
  );
  add('conv2d options', 'depthwiseConv2d { strides: 0 }', () =>
    cnn.depthwiseConv2d(image(), z(3, 3, 1, 3), { strides: 0 }),
  );
  add('backends', 'dense with weights on another backend instance', () =>
    cnn.dense(z(2, 3), cnn.zeros([3, 2], reference())),
  );
  add('pooling', 'maxPool2d whose dilated window sees only padding', () =>
    cnn.maxPool2d(cnn.ones([1, 1, 1, 1]), { kernel: [1, 3], dilations: [1, 2], padding: [0, 3, 0, 3] }),
  );
  return cases;
}

/** Runs one case: how it was refused (or not). */
export async function runBadInput(c: BadInputCase): Promise<BadInputResult> {
  const base = { area: c.area, input: c.input, ...(c.knownIssue ? { knownIssue: c.knownIssue } : {}) };
  try {
    const result = await c.run();
    const what = result instanceof cnn.Tensor ? `a tensor of shape [${result.shape}]` : typeof result;
    if (result instanceof cnn.Tensor) result.dispose();
    return { ...base, outcome: 'returned', errorName: '', message: `returned ${what}` };
  } catch (error) {
    const e = error as Error;
    const message = normalise(e instanceof Error ? e.message : String(e));
    const errorName = e instanceof Error ? e.name : typeof e;
    const ok =
      e instanceof Error &&
      !(e instanceof TypeError) &&
      !(e instanceof RangeError) &&
      !(e instanceof SyntaxError);
    return { ...base, outcome: ok ? 'refused' : 'wrong error class', errorName, message };
  }
}

/** Backend instance numbers vary with what ran before: `cpu#3` becomes `cpu#N`. */
function normalise(message: string): string {
  return message.replace(/#\d+/g, '#N');
}

/** Runs every case on `backend` (default: a fresh reference backend), restoring the selected backend. */
export async function runBadInputs(backend: Backend = reference()): Promise<BadInputResult[]> {
  let previous: Backend | null = null;
  try {
    previous = cnn.getBackend();
  } catch {}
  cnn.setBackend(backend);
  try {
    const results: BadInputResult[] = [];
    for (const c of badInputCases()) results.push(await runBadInput(c));
    return results;
  } finally {
    if (previous) cnn.setBackend(previous);
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** docs/bad-inputs.md, from the results. */
export function badInputsMarkdown(results: readonly BadInputResult[]): string {
  const main = results.filter((r) => !r.knownIssue);
  const known = results.filter((r) => r.knownIssue);
  const message = (r: BadInputResult) =>
    `${r.errorName && r.errorName !== 'Error' ? `${r.errorName}: ` : ''}${cell(r.message)}`;
  return [
    '# Bad inputs and the errors they get',
    '',
    'Generated by `node tools/bad-inputs-table.mjs` from `packages/conformance/src/bad-inputs.ts`; do not edit by hand',
    '(`packages/conformance/test/bad-inputs.test.ts` fails when this file is stale). Every case runs on the reference',
    'backend; backend instance numbers are written `#N`. The cases are the reproducers of the robustness tests and one',
    'representative of every class of bad input the fuzzers draw (`packages/conformance/test/fuzz.test.ts`,',
    '`packages/node/test/file-fuzz.test.ts` for model files).',
    '',
    `Every one of these ${main.length} bad inputs is refused with an Error (a TrainingError where the name says so), never a`,
    'TypeError or RangeError, before any harm is done:',
    '',
    '| area | bad input | the error message it gets |',
    '| --- | --- | --- |',
    ...main.map((r) => `| ${r.area} | ${cell(r.input)} | ${message(r)} |`),
    '',
    '## Known issues',
    '',
    `Reported, not yet fixed (${known.length}): what these inputs get now.`,
    '',
    '| bad input | what happens now | why |',
    '| --- | --- | --- |',
    ...known.map(
      (r) =>
        `| ${cell(r.input)} | ${r.outcome === 'returned' ? cell(r.message) : message(r)} | ${cell(r.knownIssue!)} |`,
    ),
    '',
  ].join('\n');
}
