import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';

// Bad input must fail in core, before any kernel runs, with a message naming the op, the argument and
// the expected vs actual value.
describe('bad input is rejected with a clear error', () => {
  beforeAll(() => cnn.setBackend(cpu()));
  const image = () => cnn.zeros([1, 8, 8, 3]);

  it('conv2d: channel mismatch names both counts and the filter shape', () => {
    expect(() => cnn.conv2d(image(), cnn.zeros([3, 3, 4, 16]))).toThrow(
      'conv2d: input has 3 channels but filter expects 4 (filter shape [3,3,4,16])',
    );
  });
  it('conv2d: wrong rank', () => {
    expect(() => cnn.conv2d(cnn.zeros([8, 8, 3]), cnn.zeros([3, 3, 3, 4]))).toThrow(
      'conv2d: input must have rank 4, got rank 3 (shape [8,8,3])',
    );
  });
  it('conv2d: groups that do not divide the channels', () => {
    expect(() => cnn.conv2d(image(), cnn.zeros([3, 3, 1, 4]), { groups: 2 })).toThrow(
      'conv2d: input channels 3 are not divisible by groups 2',
    );
  });
  it('conv2d: zero or negative strides and dilations', () => {
    expect(() => cnn.conv2d(image(), cnn.zeros([3, 3, 3, 4]), { strides: 0 })).toThrow(
      'conv2d: stride height must be a positive integer, got 0',
    );
    expect(() => cnn.conv2d(image(), cnn.zeros([3, 3, 3, 4]), { dilations: [1, -2] })).toThrow(
      'conv2d: dilation width must be a positive integer, got -2',
    );
  });
  it('conv2d: negative pads and pads not smaller than the kernel', () => {
    expect(() => cnn.conv2d(image(), cnn.zeros([3, 3, 3, 4]), { padding: -1 })).toThrow(
      'conv2d: pad top must be a non-negative integer, got -1',
    );
    expect(() => cnn.conv2d(image(), cnn.zeros([3, 3, 3, 4]), { padding: [0, 3, 0, 0] })).toThrow(
      'conv2d: pad left = 3 is not smaller than the kernel extent 3',
    );
  });
  it('conv2d: an output size that would be zero or negative', () => {
    expect(() => cnn.conv2d(cnn.zeros([1, 2, 8, 3]), cnn.zeros([5, 3, 3, 4]))).toThrow(
      'conv2d: output height would be -2: input height 2 + pads 0+0 is smaller than the kernel extent 5',
    );
  });
  it('zero-size kernels', () => {
    expect(() => cnn.conv2d(image(), cnn.zeros([0, 3, 3, 4]))).toThrow(
      'conv2d: kernel size height must be a positive integer, got 0',
    );
    expect(() => cnn.maxPool2d(image(), { kernel: [2, 0] })).toThrow(
      'maxPool2d: kernel size width must be a positive integer, got 0',
    );
  });
  it('pooling: pad not smaller than the window, and an empty output', () => {
    expect(() => cnn.maxPool2d(image(), { kernel: 2, padding: 2 })).toThrow(
      'maxPool2d: pad top = 2 is not smaller than the kernel extent 2',
    );
    expect(() => cnn.avgPool2d(cnn.zeros([1, 2, 2, 1]), { kernel: 3 })).toThrow(
      'avgPool2d: output height would be 0',
    );
  });
  it('matMul and dense: inner sizes', () => {
    expect(() => cnn.matMul(cnn.zeros([2, 3]), cnn.zeros([4, 5]))).toThrow(
      'matMul: inner sizes differ: a [2,3] has 3 columns but b [4,5] has 4 rows',
    );
    expect(() => cnn.dense(cnn.zeros([2, 3]), cnn.zeros([4, 5]))).toThrow(
      'dense: input has 3 features but weights expect 4 (weights shape [4,5])',
    );
  });
  it('broadcasting mismatch names both shapes', () => {
    expect(() => cnn.add(cnn.zeros([2, 3]), cnn.zeros([4]))).toThrow(
      'add: shapes [2,3] and [4] cannot be broadcast (axis 1: 3 vs 4)',
    );
  });
  it('disposed tensors', () => {
    const x = image();
    x.dispose();
    expect(() => cnn.relu(x)).toThrow('relu: x (shape [1,8,8,3]) has been disposed');
    expect(() => x.dataSync()).toThrow('dataSync: tensor (shape [1,8,8,3]) has been disposed');
    const w = cnn.zeros([3, 3, 3, 4]);
    w.dispose();
    expect(() => cnn.conv2d(image(), w)).toThrow('conv2d: filter (shape [3,3,3,4]) has been disposed');
  });
  it('NaN, negative and fractional sizes in a shape', () => {
    expect(() => cnn.zeros([2, Number.NaN])).toThrow(
      'zeros: shape [2,NaN] has an invalid size NaN at axis 1',
    );
    expect(() => cnn.zeros([-1, 2])).toThrow('zeros: shape [-1,2] has an invalid size -1 at axis 0');
    expect(() => cnn.reshape(cnn.zeros([2, 3]), [2.5, 2])).toThrow(
      'reshape: shape [2.5,2] has an invalid size 2.5 at axis 0',
    );
    expect(() => cnn.tensor([1, 2, 3], [2, 2])).toThrow('tensor: shape [2,2] needs 4 values, got 3');
  });
  it('batchNorm: vectors that do not match the channels', () => {
    const v = cnn.zeros([4]);
    expect(() => cnn.batchNorm(image(), v, v, v, v)).toThrow(
      'batchNorm: mean has shape [4] but x [1,8,8,3] has 3 channels (last axis)',
    );
  });
  it('concat, slice, transpose, axes', () => {
    expect(() => cnn.concat([cnn.zeros([2, 3]), cnn.zeros([3, 3])], 1)).toThrow(
      'concat: inputs[1] has shape [3,3] but inputs[0] has [2,3]; all dims except axis 1 must match',
    );
    expect(() => cnn.slice(cnn.zeros([4]), [2], [3])).toThrow(
      'slice: axis 0 of shape [4] cannot take 3 elements from 2',
    );
    expect(() => cnn.transpose(cnn.zeros([2, 3]), [0, 0])).toThrow(
      'transpose: perm [0,0] is not a permutation of 2 axes',
    );
    expect(() => cnn.softmax(cnn.zeros([2, 3]), 2)).toThrow(
      'softmax: axis 2 is out of range for a tensor of rank 2',
    );
  });
  it('losses: labels of the wrong shape or out of range', () => {
    const logits = cnn.zeros([2, 3]);
    expect(() => cnn.softmaxCrossEntropy(logits, cnn.zeros([3]))).toThrow(
      'softmaxCrossEntropy: labels have shape [3]',
    );
    expect(() => cnn.softmaxCrossEntropy(logits, cnn.tensor([0, 3]))).toThrow(
      'softmaxCrossEntropy: label 3 at index 1 is not a class index in [0, 2]',
    );
  });
  it('tensors from different backends are not mixed silently', () => {
    const other = cnn.zeros([2], cpu());
    // Two instances of one backend kind are told apart by their ids, and the error says how to move.
    expect(() => cnn.add(cnn.zeros([2]), other)).toThrow(
      /add: inputs live on different backends \('cpu#\d+' and 'cpu#\d+'\); move one with moveTo/,
    );
  });
  it('valueAndGrads needs a scalar or an explicit dy', () => {
    expect(() => cnn.valueAndGrads((x) => cnn.relu(x!), [cnn.zeros([2])])).toThrow(
      'valueAndGrads: f must return a scalar to differentiate, got shape [2]; pass dy',
    );
  });
  it('a failed op leaves no tensor behind inside tidy', () => {
    const before = cnn.memory().numTensors;
    expect(() => cnn.tidy(() => cnn.conv2d(image(), cnn.zeros([3, 3, 4, 4])))).toThrow();
    expect(cnn.memory().numTensors).toBe(before);
  });
});

describe('bad input to models is rejected with a clear error', () => {
  beforeAll(() => cnn.setBackend(cpu()));
  const build = () =>
    cnn
      .sequential(
        [4, 4, 1],
        [
          new cnn.Conv2D({ name: 'conv', filters: 2, kernelSize: 3 }),
          new cnn.Flatten(),
          new cnn.Dense({ name: 'fc', units: 3 }),
        ],
        {
          name: 'tiny',
        },
      )
      .compile({ optimizer: new cnn.SGD({ learningRate: 0.1 }), loss: 'softmaxCrossEntropy' });

  it('fit and predict with the wrong input shape', async () => {
    const model = build();
    await expect(model.fit(cnn.zeros([2, 5, 4, 1]), cnn.tensor([0, 1]))).rejects.toThrow(
      "fit: input 'tiny_input' expects shape [batch,4,4,1], got [2,5,4,1]",
    );
    expect(() => model.predict(cnn.zeros([4, 4, 1]))).toThrow(
      "predict: input 'tiny_input' expects shape [batch,4,4,1], got [4,4,1]",
    );
  });
  it('labels out of range, or not matching the samples', async () => {
    const model = build();
    await expect(model.fit(cnn.zeros([2, 4, 4, 1]), cnn.tensor([0, 3]))).rejects.toThrow(
      'fit: label 3 of sample 1 is not a class index in [0, 2]',
    );
    await expect(model.fit(cnn.zeros([2, 4, 4, 1]), cnn.tensor([0.5, 1]))).rejects.toThrow(
      'fit: label 0.5 of sample 0',
    );
    await expect(model.fit(cnn.zeros([2, 4, 4, 1]), cnn.tensor([0, 1, 2]))).rejects.toThrow(
      'fit: x has 2 samples but y has 3',
    );
  });
  it('a batch size or epoch count of 0', async () => {
    const model = build();
    await expect(model.fit(cnn.zeros([2, 4, 4, 1]), cnn.tensor([0, 1]), { batchSize: 0 })).rejects.toThrow(
      'fit: batchSize must be a positive integer, got 0',
    );
    await expect(model.fit(cnn.zeros([2, 4, 4, 1]), cnn.tensor([0, 1]), { epochs: 0 })).rejects.toThrow(
      'fit: epochs must be a positive integer, got 0',
    );
    expect(() => model.predict(cnn.zeros([2, 4, 4, 1]), { batchSize: 0 })).toThrow(
      'predict: batchSize must be a positive integer, got 0',
    );
  });
  it('NaN data is refused before training, naming the sample', async () => {
    const model = build();
    const x = cnn.tensor(new Float32Array(32).fill(Number.NaN), [2, 4, 4, 1]);
    await expect(model.fit(x, cnn.tensor([0, 1]), { epochs: 2 })).rejects.toThrow(
      'fit: x holds NaN in sample 0',
    );
  });
  it('fit before compile', async () => {
    const model = cnn.sequential([3], [new cnn.Dense({ units: 2 })]);
    await expect(model.fit(cnn.zeros([1, 3]), cnn.tensor([0]))).rejects.toThrow(
      'fit: call model.compile({ optimizer, loss }) first',
    );
  });
});
