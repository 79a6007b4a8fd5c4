import * as cnn from '@cnn/core';
import {
  alexnet,
  densenet,
  googlenet,
  lenet5,
  mobilenetV1,
  mobilenetV2,
  resnet,
  vgg,
  zfnet,
} from '@cnn/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx } from '../src/index.js';
import { agreement, nhwcToNchw, randomData, randomizeStatistics, runOrt, useCpu } from './helpers.js';

/** The zoo's small variants (as packages/models trains them), each exported at its own opset. */
const zoo: { name: string; opset: number; build: () => cnn.Model }[] = [
  { name: 'LeNet-5', opset: 11, build: () => lenet5({ seed: 1 }) },
  {
    name: 'LeNet-5 (tanh, avg pool)',
    opset: 21,
    build: () => lenet5({ padFirst: false, activation: 'tanh', pool: 'avg', seed: 2 }),
  },
  {
    name: 'AlexNet 1/16',
    opset: 13,
    build: () =>
      alexnet({
        inputShape: [32, 32, 3],
        classes: 10,
        width: 1 / 16,
        hiddenUnits: 64,
        smallInput: true,
        seed: 3,
      }),
  },
  {
    name: 'AlexNet original 1/16 (LRN, groups)',
    opset: 17,
    build: () =>
      alexnet({
        variant: 'original',
        inputShape: [32, 32, 3],
        classes: 10,
        width: 1 / 16,
        hiddenUnits: 64,
        smallInput: true,
        seed: 4,
      }),
  },
  {
    name: 'ZFNet 1/16 (ceil mode)',
    opset: 12,
    build: () =>
      zfnet({
        inputShape: [32, 32, 3],
        classes: 10,
        width: 1 / 16,
        hiddenUnits: 64,
        smallInput: true,
        seed: 5,
      }),
  },
  {
    name: 'VGG-11 BN 1/16',
    opset: 15,
    build: () =>
      vgg({
        depth: 11,
        inputShape: [32, 32, 3],
        classes: 10,
        width: 1 / 16,
        batchNorm: true,
        hiddenUnits: 32,
        seed: 6,
      }),
  },
  {
    name: 'GoogLeNet 1/16',
    opset: 18,
    build: () => googlenet({ inputShape: [32, 32, 3], classes: 10, width: 1 / 16, seed: 7 }),
  },
  {
    name: 'GoogLeNet original 1/16',
    opset: 14,
    build: () =>
      googlenet({
        variant: 'original',
        inputShape: [32, 32, 3],
        classes: 10,
        width: 1 / 16,
        smallInput: true,
        seed: 8,
      }),
  },
  {
    name: 'ResNet-18 1/16',
    opset: 19,
    build: () =>
      resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10, width: 1 / 16, smallInput: true, seed: 9 }),
  },
  {
    name: 'DenseNet 1/16',
    opset: 20,
    build: () =>
      densenet({
        blockConfig: [2, 2],
        growthRate: 4,
        inputShape: [32, 32, 3],
        classes: 10,
        smallInput: true,
        seed: 10,
      }),
  },
  {
    name: 'MobileNet v1 0.25 (depthwise convs)',
    opset: 16,
    build: () => mobilenetV1({ inputShape: [32, 32, 3], classes: 10, alpha: 0.25, seed: 11 }),
  },
  {
    name: 'MobileNet v2 0.35 (ReLU6, inverted residuals)',
    opset: 11,
    build: () => mobilenetV2({ inputShape: [32, 32, 3], classes: 10, alpha: 0.35, seed: 12 }),
  },
];

describe('zoo models exported to ONNX agree with onnxruntime-web and import back bit-identically', () => {
  beforeAll(() => useCpu());

  for (const entry of zoo) {
    it(`${entry.name} at opset ${entry.opset}`, async () => {
      const model = entry.build();
      model.initialize();
      randomizeStatistics(model, entry.opset);
      const shape = [3, ...model.inputs[0]!.shape];
      const data = randomData(
        shape.reduce((a, b) => a * b, 1),
        entry.opset,
      );
      const x = cnn.tensor(data, shape);
      const ours = await model.predict(x).data();
      // A dead network (every output equal) would agree trivially.
      expect(new Set(ours).size).toBeGreaterThan(ours.length / 2);
      const bytes = await exportOnnx(model, {
        opset: entry.opset,
        inputNames: ['image'],
        outputNames: ['logits'],
      });
      const [n, h, w, c] = shape as [number, number, number, number];
      const out = await runOrt(bytes, { image: { data: nhwcToNchw(data, shape), dims: [n, c, h, w] } });
      expect(out.logits!.dims).toEqual([n, model.outputs[0]!.shape[0]]);
      const terms = data.length / n + model.countParams().total;
      const result = agreement(ours, out.logits!.data, terms);
      console.log(
        `${entry.name} opset ${entry.opset}: worst |ours - onnxruntime| = ${result.worst.toExponential(2)} (${(result.ratio * 100).toFixed(2)}% of the bound)`,
      );
      expect(result.pass).toBe(true);

      const imported = importOnnx(bytes);
      expect(imported.inputs[0]).toMatchObject({ name: 'image', onnxShape: ['N', c, h, w], layout: 'NHWC' });
      const again = await imported.model.predict(x).data();
      expect(Array.from(again)).toEqual(Array.from(ours));
      // Dynamic batch: a batch of 1 runs in both runtimes too.
      const one = data.slice(0, h * w * c);
      const single = await runOrt(bytes, {
        image: { data: nhwcToNchw(one, [1, h, w, c]), dims: [1, c, h, w] },
      });
      expect(single.logits!.dims).toEqual([1, model.outputs[0]!.shape[0]]);
      model.dispose();
      imported.model.dispose();
      x.dispose();
    });
  }
});
