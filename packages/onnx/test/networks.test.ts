import { type Fixture, loadFixtures } from '@cnn/conformance';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeType,
  DataType,
  encodeModel,
  importOnnx,
  type ModelProto,
  type NodeProto,
} from '../src/index.js';
import { floatTensor } from '../src/tensors.js';
import { agreement, nchwToNhwc, nhwcToNchw, runOrt, useCpu } from './helpers.js';

interface Architecture {
  input: string;
  output: string;
  params: { name: string; shape: number[] }[];
  nodes: { op: string; inputs: string[]; output: string; attrs: Record<string, number | number[]> }[];
}

const FLOAT_ATTRIBUTES = new Set(['epsilon', 'momentum', 'alpha', 'beta', 'bias']);

/** A PyTorch network fixture (its graph is written as ONNX nodes) as an .onnx file, built by hand here. */
function fixtureAsOnnx(fx: Fixture, opset: number): Uint8Array {
  const arch = fx.attrs.architecture as Architecture;
  const tensor = (name: string) => fx.inputs.find((t) => t.name === name)!;
  const x = tensor(arch.input);
  const y = fx.outputs.find((t) => t.name === arch.output)!;
  const dims = (shape: number[]) => shape.map((d, i) => (i === 0 ? { dim_param: 'N' } : { dim_value: d }));
  const node = (n: Architecture['nodes'][number], i: number): NodeProto => ({
    name: `${n.op}_${i}`,
    op_type: n.op,
    input: n.inputs,
    output: [n.output],
    attribute: Object.entries(n.attrs).map(([name, v]) =>
      Array.isArray(v)
        ? { name, type: AttributeType.INTS, ints: v }
        : FLOAT_ATTRIBUTES.has(name)
          ? { name, type: AttributeType.FLOAT, f: v }
          : { name, type: AttributeType.INT, i: v },
    ),
  });
  const model: ModelProto = {
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'packages/onnx/test/networks.test.ts',
    graph: {
      name: fx.name,
      node: arch.nodes.map(node),
      initializer: arch.params.map((p) =>
        floatTensor(p.name, p.shape, Float32Array.from(tensor(p.name).data)),
      ),
      input: [
        {
          name: arch.input,
          type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims(x.shape) } } },
        },
      ],
      output: [
        {
          name: arch.output,
          type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims(y.shape) } } },
        },
      ],
    },
  };
  return encodeModel(model);
}

const fixtures = loadFixtures(undefined, 'torch').filter((f) => f.op === 'Network');

describe('the PyTorch network fixtures rebuilt as ONNX: onnxruntime-web, our import, and PyTorch agree (values and gradients)', () => {
  beforeAll(() => useCpu());

  it('finds the four network fixtures', () => expect(fixtures.length).toBe(4));

  fixtures.forEach((fx, k) => {
    const opset = [11, 13, 17, 21][k]!;
    it(`${fx.name} at opset ${opset}`, async () => {
      const arch = fx.attrs.architecture as Architecture;
      const bytes = fixtureAsOnnx(fx, opset);
      const xSpec = fx.inputs.find((t) => t.name === arch.input)!;
      const ref = fx.outputs.find((t) => t.name === arch.output)!;
      const terms = fx.inputs.reduce((n, t) => n + t.data.length, 0);
      const x = Float32Array.from(xSpec.data);
      const ort = (await runOrt(bytes, { [arch.input]: { data: x, dims: xSpec.shape } }))[arch.output]!;
      const ortVsTorch = agreement(ort.data, ref.data, terms);

      const { model } = importOnnx(bytes);
      const [n, c, h, w] = xSpec.shape as [number, number, number, number];
      const input = cnn.tensor(nchwToNhwc(x, xSpec.shape), [n, h, w, c]);
      const image = ref.shape.length === 4;
      const toOnnx = (d: Float32Array) =>
        image ? nhwcToNchw(d, [ref.shape[0]!, ref.shape[2]!, ref.shape[3]!, ref.shape[1]!]) : d;
      const dySpec = fx.inputs.find((t) => t.name === 'dY')!;
      const dy = image
        ? cnn.tensor(nchwToNhwc(Float32Array.from(dySpec.data), dySpec.shape), [
            ref.shape[0]!,
            ref.shape[2]!,
            ref.shape[3]!,
            ref.shape[1]!,
          ])
        : cnn.tensor(Float32Array.from(dySpec.data), dySpec.shape);
      const ctx: cnn.CallContext = { training: false, random: model.random, updates: [] };
      const { value, grads } = cnn.valueAndGrads((t) => model.forward([t!], ctx)[0]!, [input], dy);
      const ours = toOnnx(await value.data());
      const vsOrt = agreement(ours, ort.data, terms);
      const vsTorch = agreement(ours, ref.data, terms);
      const dxRef = fx.outputs.find((t) => t.grad_of === arch.input)!;
      const dx = nhwcToNchw(await grads[0]!.data(), [n, h, w, c]);
      const dxVsTorch = agreement(dx, dxRef.data, terms);
      console.log(
        `${fx.name} opset ${opset}: |ours - onnxruntime| ${vsOrt.worst.toExponential(2)}, |ours - torch| ${vsTorch.worst.toExponential(2)}, |onnxruntime - torch| ${ortVsTorch.worst.toExponential(2)}, |dX ours - torch| ${dxVsTorch.worst.toExponential(2)}`,
      );
      expect(ortVsTorch.pass).toBe(true);
      expect(vsOrt.pass).toBe(true);
      expect(vsTorch.pass).toBe(true);
      expect(dxVsTorch.pass).toBe(true);
      model.dispose();
    });
  });
});
