import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx } from '../src/index.js';
import { agreement, nhwcToNchw, randomData, runOrt, useCpu } from './helpers.js';

/** Exports `model`, runs it in onnxruntime-web on a seeded batch, and compares with ours. */
async function againstOrt(model: cnn.Model, opset: number, batch = 2) {
  model.initialize();
  const perSample = model.inputs[0]!.shape as [number, number, number];
  const data = randomData(batch * perSample.reduce((a, b) => a * b, 1), opset);
  const x = cnn.tensor(data, [batch, ...perSample]);
  const ours = await model.predict(x).data();
  expect(new Set(ours).size).toBeGreaterThan(ours.length / 2);
  const bytes = await exportOnnx(model, { opset, inputNames: ['x'], outputNames: ['y'] });
  const [h, w, c] = perSample;
  const out = (
    await runOrt(bytes, { x: { data: nhwcToNchw(data, [batch, h, w, c]), dims: [batch, c, h, w] } })
  ).y!;
  const outShape = model.outputs[0]!.shape;
  const oursOnnx = outShape.length === 3 ? nhwcToNchw(ours, [batch, ...outShape]) : ours;
  const result = agreement(oursOnnx, out.data, data.length / batch + model.countParams().total);
  return { result, bytes, x, ours };
}

describe("core's newer layers export to ONNX (and import back where ONNX has the op)", () => {
  beforeAll(() => useCpu());

  it('Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, ZeroPadding2D, Cropping2D, Reshape, ReLU6, keepDims pooling, SpatialDropout2D', async () => {
    for (const opset of [11, 13, 18]) {
      const x = cnn.input([9, 9, 4]);
      let h = new cnn.ZeroPadding2D({
        padding: [
          [1, 2],
          [0, 1],
        ],
      }).apply(x);
      h = new cnn.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, activation: 'relu6' }).apply(h);
      h = new cnn.SeparableConv2D({ kernelSize: 3, filters: 6, padding: 'same', strides: 2 }).apply(h);
      h = new cnn.SpatialDropout2D({ rate: 0.3 }).apply(h);
      h = new cnn.Conv2DTranspose({
        filters: 5,
        kernelSize: 3,
        strides: 2,
        padding: [1, 1, 1, 1],
        outputPadding: 1,
      }).apply(h);
      h = new cnn.Cropping2D({
        cropping: [
          [1, 0],
          [0, 1],
        ],
      }).apply(h);
      const same = new cnn.Conv2DTranspose({
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'tanh',
      }).apply(h);
      const pooled = new cnn.GlobalAveragePool({ keepDims: true }).apply(same);
      const flat = new cnn.Reshape({ targetShape: [3] }).apply(pooled);
      const model = new cnn.Model({
        inputs: x,
        outputs: new cnn.Dense({ units: 4 }).apply(flat),
        seed: opset,
      });
      const { result, bytes, x: input, ours } = await againstOrt(model, opset);
      console.log(
        `newer layers, opset ${opset}: worst |ours - onnxruntime| = ${result.worst.toExponential(2)}`,
      );
      expect(result.pass).toBe(true);
      const imported = importOnnx(bytes).model;
      expect(imported.layers.some((l) => l.className === 'Conv2DTranspose')).toBe(true);
      expect(imported.layers.some((l) => l.className === 'Activation')).toBe(true); // relu6
      expect(Array.from(await imported.predict(input).data())).toEqual(Array.from(ours));
    }
  });

  it('UpSampling2D, nearest and bilinear (ONNX Resize; export only)', async () => {
    for (const interpolation of ['nearest', 'bilinear'] as const) {
      const model = cnn.sequential(
        [5, 6, 3],
        [
          new cnn.UpSampling2D({ size: [2, 3], interpolation }),
          new cnn.Conv2D({ filters: 2, kernelSize: 3 }),
        ],
        { seed: 4 },
      );
      const { result } = await againstOrt(model, 13);
      console.log(
        `UpSampling2D ${interpolation}: worst |ours - onnxruntime| = ${result.worst.toExponential(2)}`,
      );
      expect(result.pass).toBe(true);
    }
  });
});
