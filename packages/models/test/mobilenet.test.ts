import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeDivisible, mobilenetV1, mobilenetV2 } from '../src/index.js';
import { batchNormChannels, shapeOf } from './helpers.js';

describe('MobileNet full variants: the published parameter counts', () => {
  it('v1 1.0-224: 4,231,976 trainable (Howard et al. 2017 Table 1 "4.2M"; Keras MobileNet summary)', () => {
    // keras.applications.MobileNet(alpha=1.0, input_shape=(224, 224, 3), classes=1000).summary():
    // Total params 4,253,864, Trainable 4,231,976, Non-trainable 21,888 (the batch norms' running
    // mean and variance). Howard et al. 2017, Table 1/8: "1.0 MobileNet-224 ... 4.2 million parameters".
    const model = mobilenetV1();
    const { total, trainable } = model.countParams();
    expect(trainable).toBe(4_231_976);
    expect(total).toBe(4_253_864);
    expect(total - trainable).toBe(2 * batchNormChannels(model));
    // 224 halves five times: the last map is 7x7x1024 (Table 1).
    expect(shapeOf(model, 'conv1')).toEqual([112, 112, 32]);
    expect(shapeOf(model, 'conv_pw_13_relu')).toEqual([7, 7, 1024]);
    expect(model.layers.filter((l) => l.className === 'DepthwiseConv2D')).toHaveLength(13);
  });

  it('v2 1.0-224: 3,504,872 trainable (Sandler et al. 2018 Table 4 "3.4M"; Keras MobileNetV2 summary)', () => {
    // keras.applications.MobileNetV2(alpha=1.0, input_shape=(224, 224, 3), classes=1000).summary():
    // Total params 3,538,984, Trainable 3,504,872, Non-trainable 34,112. Sandler et al. 2018, Table 4 gives
    // "3.4M" for MobileNetV2 (1.0) at 224; Keras's summary is the exact figure we match.
    const model = mobilenetV2();
    const { total, trainable } = model.countParams();
    expect(trainable).toBe(3_504_872);
    expect(total).toBe(3_538_984);
    expect(total - trainable).toBe(2 * batchNormChannels(model));
    expect(shapeOf(model, 'out_relu')).toEqual([7, 7, 1280]);
    // 17 bottleneck blocks (Table 2: 1+2+3+4+3+3+1), 10 of them with the residual Add.
    expect(model.layers.filter((l) => l.className === 'DepthwiseConv2D')).toHaveLength(17);
    expect(model.layers.filter((l) => l.className === 'Add')).toHaveLength(10);
    expect(makeDivisible(32 * 0.35)).toBe(16);
    expect(makeDivisible(24 * 0.35)).toBe(8);
  });

  it('summary lists the depthwise layers with their weights', () => {
    const text = mobilenetV1().summary();
    // depthwise 3x3 over 32 channels: 3·3·32 = 288 weights, no bias.
    expect(text).toMatch(/conv_dw_1 \(DepthwiseConv2D\)\s+\[batch,112,112,32\]\s+288/);
    expect(text).toContain('Trainable params: 4,231,976');
  });

  it('bad options name the builder and the option', () => {
    expect(() => mobilenetV1({ alpha: 0 })).toThrow(/mobilenetV1: alpha must be a positive number/);
    expect(() => mobilenetV2({ classes: 2.5 })).toThrow(/mobilenetV2: classes must be a positive integer/);
  });
});

describe('MobileNet small variants train on the CPU backend', () => {
  beforeAll(() => cnn.setBackend(cpu()));

  /** Fits one fixed tiny batch for a few epochs: the training loss must fall, and nothing may leak. */
  async function lossFalls(model: cnn.Model): Promise<{ first: number; last: number }> {
    const n = 8;
    const classes = model.outputs[0]!.shape[0]!;
    const x = cnn.randomNormal([n, ...model.inputs[0]!.shape], 0, 1, { seed: 3 });
    const y = cnn.tensor(
      Float32Array.from({ length: n }, (_, i) => i % classes),
      [n],
    );
    model.compile({ optimizer: new cnn.Adam({ learningRate: 0.01 }), loss: 'softmaxCrossEntropy' });
    // The first fit creates the weights and Adam's moments; after it the live-tensor count stays flat.
    const first = await model.fit(x, y, { epochs: 1, batchSize: n, shuffle: false });
    const before = cnn.memory().numTensors;
    const rest = await model.fit(x, y, { epochs: 5, batchSize: n, shuffle: false });
    expect(cnn.memory().numTensors).toBe(before);
    const losses = [...first, ...rest].map((h) => h.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    x.dispose();
    y.dispose();
    model.dispose();
    return { first: losses[0]!, last: losses.at(-1)! };
  }

  it('v1 α = 0.25 at 32x32, 4 classes', async () => {
    const model = mobilenetV1({ inputShape: [32, 32, 3], classes: 4, alpha: 0.25, dropout: 0, seed: 1 });
    expect(shapeOf(model, 'conv_pw_13_relu')).toEqual([1, 1, 256]);
    const { first, last } = await lossFalls(model);
    expect(last).toBeLessThan(first * 0.8);
  });

  it('v2 α = 0.35 at 32x32, 4 classes', async () => {
    const model = mobilenetV2({ inputShape: [32, 32, 3], classes: 4, alpha: 0.35, seed: 2 });
    expect(shapeOf(model, 'out_relu')).toEqual([1, 1, 1280]);
    const { first, last } = await lossFalls(model);
    expect(last).toBeLessThan(first * 0.8);
  });
});
