import { readFileSync } from 'node:fs';
import * as cnn from '@cnn/core';
import { vgg } from '@cnn/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, exportOnnx, importOnnx, type ValueInfoProto } from '../src/index.js';
import { ONNX_PROTO } from '../src/onnx-proto.js';
import { agreement, nhwcToNchw, randomData, randomizeStatistics, runOrt, useCpu } from './helpers.js';

describe('exportOnnx', () => {
  beforeAll(() => useCpu());

  it('src/onnx-proto.ts holds exactly the vendored proto/onnx.proto', () => {
    expect(ONNX_PROTO).toBe(readFileSync(new URL('../proto/onnx.proto', import.meta.url), 'utf8'));
  });

  it('writes the chosen names, opset and a dynamic batch dimension', async () => {
    const x = cnn.input([6, 6, 2], 'pixels');
    const a = new cnn.Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    const b = new cnn.Conv2D({ filters: 3, kernelSize: 1 }).apply(x);
    const y = new cnn.Dense({ units: 4 }).apply(new cnn.Flatten().apply(new cnn.Add().apply([a, b])));
    const model = new cnn.Model({ inputs: x, outputs: [y, a] });
    const proto = decodeModel(
      await exportOnnx(model, {
        opset: 15,
        inputNames: ['image'],
        outputNames: ['scores', 'features'],
        batchName: 'batch',
      }),
    );
    expect(proto.opset_import).toEqual([{ domain: '', version: 15 }]);
    expect(proto.ir_version).toBe(8);
    const dims = (vi: ValueInfoProto[] | undefined) =>
      vi!.map((v) => v.type!.tensor_type!.shape!.dim!.map((d) => d.dim_param ?? d.dim_value));
    expect(proto.graph!.input!.map((i) => i.name)).toEqual(['image']);
    expect(dims(proto.graph!.input)).toEqual([['batch', 2, 6, 6]]);
    expect(proto.graph!.output!.map((o) => o.name)).toEqual(['scores', 'features']);
    expect(dims(proto.graph!.output)).toEqual([
      ['batch', 4],
      ['batch', 3, 6, 6],
    ]);
    // Both outputs run in onnxruntime-web at two batch sizes.
    for (const n of [1, 5]) {
      const data = randomData(n * 72, n);
      const [ours0, ours1] = model.forward([cnn.tensor(data, [n, 6, 6, 2])], {
        training: false,
        random: model.random,
        updates: [],
      });
      const out = await runOrt(
        await exportOnnx(model, { opset: 15, inputNames: ['image'], outputNames: ['scores', 'features'] }),
        {
          image: { data: nhwcToNchw(data, [n, 6, 6, 2]), dims: [n, 2, 6, 6] },
        },
      );
      expect(agreement(await ours0!.data(), out.scores!.data, 72 + model.countParams().total).pass).toBe(
        true,
      );
      expect(
        agreement(
          nhwcToNchw(await ours1!.data(), [n, 6, 6, 3]),
          out.features!.data,
          72 + model.countParams().total,
        ).pass,
      ).toBe(true);
    }
  });

  it('folds BatchNorm into the convs on request, still agreeing with our unfolded model', async () => {
    const model = vgg({
      depth: 11,
      inputShape: [32, 32, 3],
      classes: 10,
      width: 1 / 16,
      batchNorm: true,
      hiddenUnits: 32,
      seed: 6,
    });
    model.initialize();
    randomizeStatistics(model, 11);
    const kept = decodeModel(await exportOnnx(model));
    const bytes = await exportOnnx(model, { foldBatchNorm: true, inputNames: ['x'], outputNames: ['y'] });
    const folded = decodeModel(bytes);
    const count = (p: typeof kept, op: string) => p.graph!.node!.filter((n) => n.op_type === op).length;
    expect(count(kept, 'BatchNormalization')).toBe(8);
    expect(count(folded, 'BatchNormalization')).toBe(0);
    const data = randomData(2 * 32 * 32 * 3, 4);
    const ours = await model.predict(cnn.tensor(data, [2, 32, 32, 3])).data();
    expect(new Set(ours).size).toBe(ours.length);
    const out = await runOrt(bytes, { x: { data: nhwcToNchw(data, [2, 32, 32, 3]), dims: [2, 3, 32, 32] } });
    const result = agreement(ours, out.y!.data, 32 * 32 * 3 + model.countParams().total);
    console.log(`VGG-11 BN folded: worst |ours - onnxruntime| = ${result.worst.toExponential(2)}`);
    expect(result.pass).toBe(true);
    model.dispose();
  });

  it('re-exports an imported PyTorch model (plain ops included) and onnxruntime-web gives what it gave on the original', async () => {
    const original = new Uint8Array(
      readFileSync(new URL('./fixtures/torch/mobile_mix_opset13.onnx', import.meta.url)),
    );
    const { model } = importOnnx(original);
    expect(model.layers.some((l) => l.className === 'OnnxOp')).toBe(true);
    const again = await exportOnnx(model, { opset: 13, inputNames: ['input'], outputNames: ['output'] });
    const data = randomData(3 * 3 * 16 * 16, 9);
    const feeds = { input: { data, dims: [3, 3, 16, 16] } };
    const a = (await runOrt(original, feeds)).output!;
    const b = (await runOrt(again, feeds)).output!;
    expect(new Set(a.data).size).toBe(a.data.length);
    const result = agreement(b.data, a.data, 3 * 16 * 16 + model.countParams().total);
    console.log(
      `mobile_mix re-exported: worst |onnxruntime(ours) - onnxruntime(torch's)| = ${result.worst.toExponential(2)}`,
    );
    expect(result.pass).toBe(true);
  });

  it('refuses an opset outside 11 to 21 and names layers without an ONNX form', async () => {
    const model = cnn.sequential([4], [new cnn.Dense({ units: 2 })]);
    await expect(exportOnnx(model, { opset: 10 })).rejects.toThrow(
      'exportOnnx: opset must be an integer from 11 to 21, got 10',
    );
    class Odd extends cnn.Layer {
      readonly className = 'Odd';
      call([x]: cnn.Tensor[]) {
        return x!;
      }
      getConfig() {
        return { name: this.name };
      }
    }
    const odd = cnn.sequential([4], [new Odd('weird'), new cnn.Dense({ units: 2 })]);
    await expect(exportOnnx(odd)).rejects.toThrow(
      "exportOnnx: 1 layer(s) have no ONNX form yet: 'weird' (Odd)",
    );
  });
});
