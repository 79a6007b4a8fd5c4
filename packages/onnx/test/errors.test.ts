import { readFileSync } from 'node:fs';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeType,
  DataType,
  decodeModel,
  encodeModel,
  importOnnx,
  type ModelProto,
  type NodeProto,
  OnnxImportError,
  type TensorProto,
} from '../src/index.js';
import { floatTensor } from '../src/tensors.js';
import { useCpu } from './helpers.js';

const torchFile = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/torch/${name}.onnx`, import.meta.url)));

/** x [N,3,8,8] through the given nodes to 'y'; `initializers` are float32 unless given as TensorProtos. */
function graph(nodes: NodeProto[], initializers: TensorProto[] = [], opset = 13): ModelProto {
  const dims = [{ dim_param: 'N' }, { dim_value: 3 }, { dim_value: 8 }, { dim_value: 8 }];
  return {
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    graph: {
      name: 'g',
      node: nodes,
      initializer: initializers,
      input: [{ name: 'x', type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims } } } }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: DataType.FLOAT } } }],
    },
  };
}

describe('bad input is refused before anything runs, with one clear error', () => {
  beforeAll(() => useCpu());

  it('lists every unsupported node (name, op type, domain, opset) in one error, creating no tensor', () => {
    const proto = graph([
      { name: 'resize', op_type: 'Resize', input: ['x'], output: ['a'] },
      { name: 'relu', op_type: 'Relu', input: ['a'], output: ['b'] },
      { name: 'fused', op_type: 'FusedConv', domain: 'com.microsoft', input: ['b'], output: ['c'] },
      { name: 'conv1d', op_type: 'Conv', input: ['x', 'w1d'], output: ['d'] },
      {
        name: 'batchslice',
        op_type: 'Slice',
        input: ['x', 's', 'e', 'ax'],
        output: ['f'],
      },
      { name: 'lstm', op_type: 'LSTM', input: ['c'], output: ['y'] },
    ]);
    proto.graph!.initializer = [
      floatTensor('w1d', [4, 3, 3], new Float32Array(36)),
      { name: 's', dims: [1], data_type: DataType.INT64, int64_data: [1] },
      { name: 'e', dims: [1], data_type: DataType.INT64, int64_data: [2] },
      { name: 'ax', dims: [1], data_type: DataType.INT64, int64_data: [0] },
    ];
    proto.opset_import!.push({ domain: 'com.microsoft', version: 1 });
    const before = cnn.memory().numTensors;
    let error: OnnxImportError | undefined;
    try {
      importOnnx(encodeModel(proto));
    } catch (e) {
      error = e as OnnxImportError;
    }
    expect(error).toBeInstanceOf(OnnxImportError);
    expect(error!.unsupported.map((u) => [u.name, u.opType, u.domain, u.opset])).toEqual([
      ['resize', 'Resize', 'ai.onnx', 13],
      ['fused', 'FusedConv', 'com.microsoft', 1],
      ['conv1d', 'Conv', 'ai.onnx', 13],
      ['batchslice', 'Slice', 'ai.onnx', 13],
      ['lstm', 'LSTM', 'ai.onnx', 13],
    ]);
    expect(error!.message).toContain('5 unsupported node(s)');
    expect(error!.message).toContain(
      "node 'conv1d': Conv (ai.onnx opset 13): weight W has rank 3, expected 4",
    );
    expect(error!.message).toContain("node 'batchslice': Slice (ai.onnx opset 13): slicing the batch axis");
    expect(cnn.memory().numTensors).toBe(before);
  });

  it('refuses opsets outside 11 to 21, naming the range', () => {
    for (const opset of [9, 22]) {
      const bytes = encodeModel(graph([{ op_type: 'Relu', input: ['x'], output: ['y'] }], [], opset));
      expect(() => importOnnx(bytes)).toThrow(
        `onnx: opset ${opset} is not supported: this importer reads opsets 11 to 21`,
      );
    }
  });

  it('refuses external data, naming the tensor and the file', () => {
    const w: TensorProto = {
      name: 'w',
      dims: [4, 3, 3, 3],
      data_type: DataType.FLOAT,
      data_location: 1,
      external_data: [{ key: 'location', value: 'weights.bin' }],
    };
    const bytes = encodeModel(graph([{ op_type: 'Conv', input: ['x', 'w'], output: ['y'] }], [w]));
    expect(() => importOnnx(bytes)).toThrow(
      "onnx: initializer: tensor 'w' keeps its data in an external file ('weights.bin'); external data is not supported",
    );
  });

  it('refuses float16 and float64 weights, naming the tensor and its type', () => {
    for (const [type, name] of [
      [DataType.FLOAT16, 'float16'],
      [DataType.DOUBLE, 'double'],
    ] as const) {
      const w: TensorProto = {
        name: 'w',
        dims: [1],
        data_type: type,
        raw_data: new Uint8Array(type === DataType.DOUBLE ? 8 : 2),
      };
      const bytes = encodeModel(graph([{ op_type: 'Add', input: ['x', 'w'], output: ['y'] }], [w]));
      expect(() => importOnnx(bytes)).toThrow(`tensor 'w' has element type ${name}; only float32 weights`);
    }
  });

  it('refuses a tensor whose data is shorter than its shape', () => {
    const w = floatTensor('w', [4, 3, 3, 3], new Float32Array(10));
    w.dims = [4, 3, 3, 3];
    const bytes = encodeModel(graph([{ op_type: 'Conv', input: ['x', 'w'], output: ['y'] }], [w]));
    expect(() => importOnnx(bytes)).toThrow("tensor 'w' of shape [4,3,3,3] needs 108 values but holds 10");
  });

  it('refuses truncated and corrupted files with an error, never a crash', () => {
    const bytes = torchFile('convnet_opset13');
    expect(() => importOnnx(new Uint8Array(0))).toThrow('onnx: the file is empty');
    for (const cut of [1, 7, 100, 1000, bytes.length >> 1, bytes.length - 3]) {
      expect(() => importOnnx(bytes.slice(0, cut)), `cut at ${cut}`).toThrow(/^onnx: /);
    }
    const random = new cnn.Random(3);
    for (let trial = 0; trial < 5; trial++) {
      const garbage = Uint8Array.from({ length: 256 }, () => Math.floor(random.next() * 256));
      expect(() => importOnnx(garbage), `garbage ${trial}`).toThrow(/^onnx: /);
    }
    const text = new TextEncoder().encode('this is not an onnx file at all, just text');
    expect(() => importOnnx(text)).toThrow(/^onnx: /);
  });

  it('refuses non-float inputs and symbolic non-batch dims', () => {
    const proto = graph([{ op_type: 'Relu', input: ['x'], output: ['y'] }]);
    proto.graph!.input![0]!.type!.tensor_type!.elem_type = DataType.INT64;
    expect(() => importOnnx(encodeModel(proto))).toThrow(
      "onnx: input 'x' has element type int64; only float32 inputs are supported",
    );
    const proto2 = graph([{ op_type: 'Relu', input: ['x'], output: ['y'] }]);
    proto2.graph!.input![0]!.type!.tensor_type!.shape!.dim![2] = { dim_param: 'H' };
    expect(() => importOnnx(encodeModel(proto2))).toThrow(
      "onnx: input 'x' has shape [N,3,H,8]: only the batch axis (0) may be dynamic",
    );
  });

  it('decodes a file written by torch.onnx.export with the official schema', () => {
    const proto = decodeModel(torchFile('resnet_tiny_opset17'));
    expect(proto.producer_name).toBe('pytorch');
    expect(proto.opset_import!.find((o) => !o.domain)!.version).toBe(17);
    expect(proto.graph!.input![0]!.type!.tensor_type!.shape!.dim![0]).toEqual({ dim_param: 'batch' });
    expect(AttributeType.INTS).toBe(7);
  });
});
