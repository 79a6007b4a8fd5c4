import * as cnn from '@cnn/core';
import type { Fixture } from './fixture.js';
import { permute, toOurs } from './layout.js';

/** The `architecture` attribute of a Network/TrainStep fixture: ONNX nodes over named tensors. */
export interface Architecture {
  name: string;
  input: string;
  input_shape: number[];
  output: string;
  nodes: { op: string; inputs: string[]; output: string; attrs?: Record<string, unknown> }[];
  params: { name: string; shape: number[]; trainable: boolean }[];
}

/** How one reference parameter becomes one of our variables, and how its values convert both ways. */
export interface ParamBinding {
  variable: cnn.Variable;
  /** Reference layout (flat, row-major) to ours. */
  toOurs(data: Float32Array): Float32Array;
  /** Ours back to the reference layout. */
  toReference(data: Float32Array): Float32Array;
}

/**
 * Builds a layers-API model from an architecture description, the way an ONNX importer would: NCHW
 * becomes NHWC, OIHW conv weights become HWIO, Gemm weights `[out, in]` become dense kernels `[in, out]`;
 * a dense layer right after flattening an image gets its input rows reordered from the reference's
 * (channel, height, width) order to ours (height, width, channel).
 */
export function importArchitecture(arch: Architecture): {
  model: cnn.Model;
  bindings: Map<string, ParamBinding>;
} {
  const [, c0, h0, w0] = arch.input_shape as [number, number, number, number];
  const x = cnn.input(arch.input_shape.length === 4 ? [h0, w0, c0] : arch.input_shape.slice(1), arch.input);
  const tensors = new Map<string, cnn.SymbolicTensor>([[arch.input, x]]);
  /** For flattened images: the [C, H, W] they came from (so the next dense can reorder its rows). */
  const flattenedFrom = new Map<string, [number, number, number]>();
  const paramShapes = new Map(arch.params.map((p) => [p.name, p.shape]));
  const bindings = new Map<string, ParamBinding>();
  const identity = (d: Float32Array) => d;
  const bind = (
    param: string | undefined,
    variable: cnn.Variable | undefined,
    to = identity,
    back = identity,
  ) => {
    if (param && variable) bindings.set(param, { variable, toOurs: to, toReference: back });
  };

  for (const node of arch.nodes) {
    const attrs = node.attrs ?? {};
    const ints = (k: string) => attrs[k] as number[] | undefined;
    const inputs = node.inputs.map((name) => tensors.get(name));
    const [first] = inputs;
    const name = node.output;
    if (!first)
      throw new Error(`importer: node ${node.op} -> ${name} reads '${node.inputs[0]}', which is not defined`);
    let layer: cnn.Layer;
    switch (node.op) {
      case 'Conv': {
        const wShape = paramShapes.get(node.inputs[1]!)!;
        const pads = ints('pads') ?? [0, 0, 0, 0];
        layer = new cnn.Conv2D({
          name,
          filters: wShape[0]!,
          kernelSize: [wShape[2]!, wShape[3]!],
          strides: (ints('strides') ?? [1, 1]) as [number, number],
          dilations: (ints('dilations') ?? [1, 1]) as [number, number],
          groups: (attrs.group as number | undefined) ?? 1,
          padding: [pads[0]!, pads[1]!, pads[2]!, pads[3]!],
          useBias: node.inputs.length > 2,
        });
        tensors.set(name, layer.apply(first));
        const hwio = [wShape[2]!, wShape[3]!, wShape[1]!, wShape[0]!];
        bind(
          node.inputs[1],
          layer.variables[0],
          (d) => toOurs('convWeight', d, wShape).data,
          (d) => permute(d, hwio, [3, 2, 0, 1]),
        );
        bind(node.inputs[2], layer.variables[1]);
        continue;
      }
      case 'Gemm': {
        const wShape = paramShapes.get(node.inputs[1]!)!;
        const transB = ((attrs.transB as number | undefined) ?? 0) === 1;
        if (
          ((attrs.alpha as number | undefined) ?? 1) !== 1 ||
          ((attrs.transA as number | undefined) ?? 0) !== 0
        ) {
          throw new Error(`importer: Gemm ${name} with alpha != 1 or transA is not a dense layer`);
        }
        const [inF, outF] = transB ? [wShape[1]!, wShape[0]!] : [wShape[0]!, wShape[1]!];
        layer = new cnn.Dense({ name, units: outF, useBias: node.inputs.length > 2 });
        tensors.set(name, layer.apply(first));
        // Row r of our kernel is input feature r in our order; find it in the reference's order.
        const chw = flattenedFrom.get(node.inputs[0]!);
        const rowOf = chw ? nhwcToNchwIndex(chw) : (r: number) => r;
        bind(
          node.inputs[1],
          layer.variables[0],
          (d) => {
            const out = new Float32Array(inF * outF);
            for (let r = 0; r < inF; r++) {
              for (let o = 0; o < outF; o++)
                out[r * outF + o] = transB ? d[o * inF + rowOf(r)]! : d[rowOf(r) * outF + o]!;
            }
            return out;
          },
          (d) => {
            const out = new Float32Array(inF * outF);
            for (let r = 0; r < inF; r++) {
              for (let o = 0; o < outF; o++)
                out[transB ? o * inF + rowOf(r) : rowOf(r) * outF + o] = d[r * outF + o]!;
            }
            return out;
          },
        );
        bind(node.inputs[2], layer.variables[1]);
        continue;
      }
      case 'BatchNormalization': {
        layer = new cnn.BatchNorm({ name, epsilon: (attrs.epsilon as number | undefined) ?? 1e-5 });
        tensors.set(name, layer.apply(first));
        node.inputs.slice(1).forEach((param, i) => bind(param, layer.variables[i]));
        continue;
      }
      case 'Flatten': {
        layer = new cnn.Flatten({ name });
        if (first.shape.length === 3) {
          const [h, w, c] = first.shape as [number, number, number];
          flattenedFrom.set(name, [c, h, w]);
        }
        break;
      }
      case 'Relu':
        layer = new cnn.ReLU({ name });
        break;
      case 'LeakyRelu':
        layer = new cnn.LeakyReLU({ name, alpha: (attrs.alpha as number | undefined) ?? 0.01 });
        break;
      case 'Sigmoid':
        layer = new cnn.Sigmoid({ name });
        break;
      case 'Tanh':
        layer = new cnn.Tanh({ name });
        break;
      case 'Softmax':
        layer = new cnn.Softmax({ name });
        break;
      case 'MaxPool':
      case 'AveragePool': {
        const pads = ints('pads') ?? [0, 0, 0, 0];
        const config = {
          name,
          poolSize: (ints('kernel_shape') ?? [1, 1]) as [number, number],
          strides: (ints('strides') ?? [1, 1]) as [number, number],
          padding: [pads[0]!, pads[1]!, pads[2]!, pads[3]!] as const,
          ceilMode: attrs.ceil_mode === 1,
        };
        layer =
          node.op === 'MaxPool'
            ? new cnn.MaxPool2D(config)
            : new cnn.AvgPool2D({ ...config, countIncludePad: attrs.count_include_pad === 1 });
        break;
      }
      case 'GlobalAveragePool':
        layer = new cnn.GlobalAveragePool({ name });
        break;
      case 'Concat': {
        const axis = (attrs.axis as number | undefined) ?? 1;
        layer = new cnn.Concat({
          name,
          axis: first.shape.length === 3 && (axis === 1 || axis === -3) ? -1 : axis,
        });
        break;
      }
      case 'Add':
        layer = new cnn.Add({ name });
        break;
      default:
        throw new Error(`importer: op ${node.op} (node ${name}) is not supported`);
    }
    const missing = inputs.findIndex((t) => !t);
    if (missing >= 0)
      throw new Error(`importer: node ${name} reads '${node.inputs[missing]}', which is not defined`);
    tensors.set(name, layer.apply(inputs as cnn.SymbolicTensor[]));
  }
  const output = tensors.get(arch.output);
  if (!output) throw new Error(`importer: output '${arch.output}' is never produced`);
  return { model: new cnn.Model({ inputs: x, outputs: output, name: arch.name }), bindings };
}

/** Maps a feature index in NHWC flatten order to the same feature's index in NCHW flatten order. */
function nhwcToNchwIndex([c, h, w]: [number, number, number]): (r: number) => number {
  return (r) => {
    const ch = r % c;
    const pixel = Math.floor(r / c);
    return ch * h * w + pixel;
  };
}

/** Sets every weight of the model from the fixture's parameter inputs. */
export function assignParams(fx: Fixture, model: cnn.Model, bindings: Map<string, ParamBinding>): void {
  for (const [name, binding] of bindings) {
    const spec = fx.inputs.find((t) => t.name === name);
    if (!spec) throw new Error(`${fx.name}: parameter ${name} is not among the inputs`);
    binding.variable.assign(
      cnn.tensor(binding.toOurs(Float32Array.from(spec.data)), binding.variable.spec.shape),
    );
  }
  const unset = model.variables.find((v) => !v.value);
  if (unset) throw new Error(`${fx.name}: no reference parameter sets ${unset.name}`);
  model.markInitialized();
}
