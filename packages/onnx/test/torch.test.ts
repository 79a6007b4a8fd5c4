import { readdirSync, readFileSync } from 'node:fs';
import { reference } from '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx, inspectOnnx } from '../src/index.js';
import { agreement, nchwToNhwc, runOrt, useCpu } from './helpers.js';

const dir = new URL('./fixtures/torch/', import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => f.slice(0, -5))
  .sort();

interface TorchCase {
  source: string;
  input: { shape: number[]; data: number[] };
  output: { shape: number[]; data: number[] };
}

describe('models exported by torch.onnx.export (tools/onnx-torch) import and agree with onnxruntime-web and PyTorch', () => {
  beforeAll(() => useCpu());

  it('the generator wrote several architectures at opsets 11, 13 and 17', () => {
    expect(names.length).toBeGreaterThanOrEqual(9);
    for (const opset of [11, 13, 17]) expect(names.some((n) => n.endsWith(`opset${opset}`))).toBe(true);
  });

  for (const name of names) {
    it(name, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));
      const fx = JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')) as TorchCase;
      const { model, inputs, outputs, opset } = importOnnx(bytes);
      expect(opset).toBe(Number(name.match(/opset(\d+)/)![1]));
      expect(inputs[0]!.onnxShape[0]).toBe('N');
      const x = Float32Array.from(fx.input.data);
      const [n, c, h, w] = fx.input.shape as [number, number, number, number];
      const ours = await model.predict(cnn.tensor(nchwToNhwc(x, fx.input.shape), [n, h, w, c])).data();
      const ort = (await runOrt(bytes, { [inputs[0]!.name]: { data: x, dims: fx.input.shape } }))[
        outputs[0]!.name
      ]!;
      expect(ort.dims).toEqual(fx.output.shape);
      const terms = x.length / n + model.countParams().total;
      const vsOrt = agreement(ours, ort.data, terms);
      const vsTorch = agreement(ours, fx.output.data, terms);
      console.log(
        `${name}: worst |ours - onnxruntime| = ${vsOrt.worst.toExponential(2)} (${(vsOrt.ratio * 100).toFixed(2)}% of the bound), |ours - torch| = ${vsTorch.worst.toExponential(2)}`,
      );
      expect(vsOrt.pass).toBe(true);
      expect(vsTorch.pass).toBe(true);
      expect(inspectOnnx(bytes).importable).toBe(true);
      model.dispose();
    });
  }

  it('an imported model runs on another backend too: the float64 reference backend agrees with onnxruntime-web', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('mobile_mix_opset11.onnx', dir)));
    const fx = JSON.parse(readFileSync(new URL('mobile_mix_opset11.json', dir), 'utf8')) as TorchCase;
    const previous = cnn.getBackend();
    cnn.setBackend(reference());
    try {
      const { model } = importOnnx(bytes);
      const [n, c, h, w] = fx.input.shape as [number, number, number, number];
      const x = Float32Array.from(fx.input.data);
      const ours = await model.predict(cnn.tensor(nchwToNhwc(x, fx.input.shape), [n, h, w, c])).data();
      const ort = (await runOrt(bytes, { input: { data: x, dims: fx.input.shape } })).output!;
      const result = agreement(ours, ort.data, x.length / n + model.countParams().total);
      console.log(
        `mobile_mix_opset11 on the reference backend: worst |ours - onnxruntime| = ${result.worst.toExponential(2)}`,
      );
      expect(result.pass).toBe(true);
      model.dispose();
    } finally {
      cnn.setBackend(previous);
    }
  });

  it('an imported PyTorch model trains: a few SGD steps lower the loss, on the layers it was mapped to', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('resnet_tiny_opset13.onnx', dir)));
    const { model } = importOnnx(bytes);
    const classNames = new Set(model.layers.map((l) => l.className));
    // torch.onnx.export folds eval-mode BatchNorm into the convs; OnnxOp is the global average pool.
    expect([...classNames].sort()).toEqual(['Add', 'Conv2D', 'Dense', 'Flatten', 'OnnxOp', 'ReLU']);
    const random = new cnn.Random(5);
    const x = cnn.tensor(
      Float32Array.from({ length: 8 * 16 * 16 * 3 }, () => random.next() * 2 - 1),
      [8, 16, 16, 3],
    );
    const y = cnn.tensor(
      Float32Array.from({ length: 8 }, (_, i) => i % 5),
      [8],
    );
    model.compile({ optimizer: new cnn.SGD({ learningRate: 0.05 }), loss: 'softmaxCrossEntropy' });
    const history = await model.fit(x, y, { epochs: 5, batchSize: 8, shuffle: false });
    expect(history.at(-1)!.loss).toBeLessThan(history[0]!.loss);
    model.dispose();
  });
});
