import {
  type Conv2D,
  type Dense,
  InputLayer,
  type Layer,
  type Model,
  type Node,
  type Padding,
  resolvePads,
  type SymbolicTensor,
} from '@cnn/core';
import { SUPPORTED_OPSETS } from './import.js';
import type { OnnxOp } from './layers.js';
import {
  type AttributeProto,
  AttributeType,
  DataType,
  encodeModel,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';
import { floatTensor, int64Tensor, permute } from './tensors.js';

/** Options of `exportOnnx`. */
export interface ExportOptions {
  /** The default-domain opset to write, 11 to 21 (default 17). */
  opset?: number;
  /** Names of the graph inputs, in the model's input order (default: the input layers' names). */
  inputNames?: string[];
  /** Names of the graph outputs (default: the output layers' names). */
  outputNames?: string[];
  /** The symbolic name of the batch dimension (default 'N'): every input and output keeps it dynamic. */
  batchName?: string;
  /** Fold each BatchNorm into the Conv2D or Dense before it (inference only; default false: kept). */
  foldBatchNorm?: boolean;
  /** `producer_name` of the file (default '@cnn/onnx'). */
  producer?: string;
}

/** The IR version that goes with each opset (onnx/helper.py's VERSION_TABLE). */
function irVersion(opset: number): number {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

interface Exported {
  name: string;
  /** Our axis i is ONNX axis `layout[i]` (4-D activations are written NCHW). */
  layout: number[];
}

const identity = (rank: number) => Array.from({ length: rank }, (_, i) => i);
const NCHW_HELD_NHWC = [0, 2, 3, 1];
const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);
const pairOf = (v: number | readonly number[] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0]!, v[1]!];

const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i }),
  float: (name: string, f: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f }),
  ints: (name: string, ints: readonly number[]): AttributeProto => ({
    name,
    type: AttributeType.INTS,
    ints: [...ints],
  }),
};

/**
 * Writes a model (Sequential or DAG, any layer of core plus the `OnnxOp`s of an imported model) as the bytes
 * of an `.onnx` file at the chosen opset. Activations are written NCHW (4-D inputs and outputs are
 * `[N, C, H, W]`, weights OIHW) with a dynamic batch dimension; weights are read from the model's backend.
 * A layer that has no ONNX form is an error naming it, before anything is written.
 */
export async function exportOnnx(model: Model, options: ExportOptions = {}): Promise<Uint8Array> {
  const opset = options.opset ?? 17;
  if (!Number.isInteger(opset) || opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    throw new Error(
      `exportOnnx: opset must be an integer from ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max}, got ${opset}`,
    );
  }
  model.assertAlive('exportOnnx');
  model.ensureInitialized();
  const weights = new Map<string, Float32Array>();
  for (const v of model.variables) weights.set(v.name, await v.read().data());
  return encodeModel(new GraphExporter(model, opset, options, weights).run());
}

class GraphExporter {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly values = new Map<SymbolicTensor, Exported>();
  private readonly used = new Set<string>();
  private readonly batch: string;
  /** BatchNorm nodes folded into the layer before them, by the layer whose output they normalize. */
  private readonly folded = new Map<Layer, Layer>();

  constructor(
    private readonly model: Model,
    private readonly opset: number,
    private readonly options: ExportOptions,
    private readonly weights: Map<string, Float32Array>,
  ) {
    this.batch = options.batchName ?? 'N';
  }

  run(): ModelProto {
    const { model, options } = this;
    if (options.inputNames && options.inputNames.length !== model.inputs.length)
      throw new Error(
        `exportOnnx: inputNames has ${options.inputNames.length} names for ${model.inputs.length} input(s)`,
      );
    if (options.outputNames && options.outputNames.length !== model.outputs.length)
      throw new Error(
        `exportOnnx: outputNames has ${options.outputNames.length} names for ${model.outputs.length} output(s)`,
      );
    this.checkExportable();
    if (options.foldBatchNorm) this.findFoldable();
    const inputs: ValueInfoProto[] = model.inputs.map((s, i) => {
      const name = this.unique(options.inputNames?.[i] ?? s.node.layer.name);
      const rank = s.shape.length + 1;
      const layout = rank === 4 ? NCHW_HELD_NHWC : identity(rank);
      this.values.set(s, { name, layout });
      return this.valueInfo(name, s.shape, layout);
    });
    for (const node of model.nodes) {
      if (node.layer instanceof InputLayer) continue;
      this.layer(node);
    }
    const outputs: ValueInfoProto[] = model.outputs.map((s, i) => {
      const rank = s.shape.length + 1;
      const wanted = rank === 4 ? NCHW_HELD_NHWC : identity(rank);
      const value = this.values.get(s)!;
      const name = this.unique(options.outputNames?.[i] ?? s.node.layer.name);
      // The graph output gets its own name: a Transpose when the layout differs, else an Identity.
      if (same(value.layout, wanted)) this.emit('Identity', [value.name], [], name);
      else this.emit('Transpose', [value.name], [attr.ints('perm', onnxPerm(value.layout, wanted))], name);
      return this.valueInfo(name, s.shape, wanted);
    });
    return {
      ir_version: irVersion(this.opset),
      opset_import: [{ domain: '', version: this.opset }],
      producer_name: options.producer ?? '@cnn/onnx',
      producer_version: '0.1.0',
      graph: {
        name: model.name,
        node: this.nodes,
        initializer: this.initializers,
        input: inputs,
        output: outputs,
      },
    };
  }

  /** Every layer must have an ONNX form: all that cannot are named in one error, before anything is written. */
  private checkExportable(): void {
    const known = new Set([
      'Conv2D',
      'Dense',
      'Flatten',
      'Activation',
      'ReLU',
      'LeakyReLU',
      'Sigmoid',
      'Tanh',
      'Softmax',
      'MaxPool2D',
      'AvgPool2D',
      'GlobalAveragePool',
      'GlobalMaxPool',
      'BatchNorm',
      'LRN',
      'Dropout',
      'Concat',
      'Add',
      'OnnxOp',
      'Conv2DTranspose',
      'DepthwiseConv2D',
      'SeparableConv2D',
      'Reshape',
      'ZeroPadding2D',
      'Cropping2D',
      'UpSampling2D',
      'SpatialDropout2D',
    ]);
    const bad = this.model.layers.filter((l) => !known.has(l.className));
    if (bad.length) {
      throw new Error(
        `exportOnnx: ${bad.length} layer(s) have no ONNX form yet: ${bad.map((l) => `'${l.name}' (${l.className})`).join(', ')}`,
      );
    }
  }

  /** A BatchNorm folds into the Conv2D/Dense before it when that layer feeds nothing else and has no activation. */
  private findFoldable(): void {
    const readers = new Map<SymbolicTensor, number>();
    for (const node of this.model.nodes)
      for (const s of node.inputs) readers.set(s, (readers.get(s) ?? 0) + 1);
    for (const s of this.model.outputs) readers.set(s, (readers.get(s) ?? 0) + 1);
    for (const node of this.model.nodes) {
      if (node.layer.className !== 'BatchNorm') continue;
      const source = node.inputs[0]!;
      const prev = source.node.layer;
      const linear =
        (prev.className === 'Conv2D' || prev.className === 'Dense') &&
        (prev as Conv2D | Dense).config.activation === 'linear';
      if (linear && readers.get(source) === 1) this.folded.set(prev, node.layer);
    }
  }

  private unique(base: string): string {
    let name = base || 'value';
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  private valueInfo(name: string, perSample: readonly number[], layout: readonly number[]): ValueInfoProto {
    const ours: (number | string)[] = [this.batch, ...perSample];
    const shape = new Array<number | string>(ours.length);
    layout.forEach((a, i) => {
      shape[a] = ours[i]!;
    });
    return {
      name,
      type: {
        tensor_type: {
          elem_type: DataType.FLOAT,
          shape: { dim: shape.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
        },
      },
    };
  }

  private emit(op: string, inputs: string[], attributes: AttributeProto[], output?: string): string {
    const name = output ?? this.unique(`${op}_${this.nodes.length}`);
    if (output === undefined) this.used.add(name);
    this.nodes.push({
      op_type: op,
      name: `${op}_${this.nodes.length}`,
      input: inputs,
      output: [name],
      attribute: attributes,
    });
    return name;
  }

  private initializer(base: string, shape: readonly number[], data: Float32Array): string {
    const name = this.unique(base);
    this.initializers.push(floatTensor(name, shape, data));
    return name;
  }

  private ints(base: string, data: readonly number[]): string {
    const name = this.unique(base);
    this.initializers.push(int64Tensor(name, [data.length], data));
    return name;
  }

  private scalar(base: string, value: number): string {
    const name = this.unique(base);
    this.initializers.push(floatTensor(name, [], Float32Array.of(value)));
    return name;
  }

  /** The value with its ONNX axes arranged so our axis i is ONNX axis `layout[i]`. */
  private arranged(v: Exported, layout: number[]): Exported {
    if (same(v.layout, layout)) return v;
    // ONNX output axis j is input axis perm[j]; we want output axis layout[i] to be our axis i.
    const perm = new Array<number>(layout.length);
    layout.forEach((a, i) => {
      perm[a] = v.layout[i]!;
    });
    return { name: this.emit('Transpose', [v.name], [attr.ints('perm', perm)]), layout };
  }

  private weight(layer: Layer, index: number): Float32Array {
    return this.weights.get(layer.variables[index]!.name)!;
  }

  private activation(name: string, x: string, layout: number[], rank: number): string {
    switch (name) {
      case 'linear':
        return x;
      case 'relu':
        return this.emit('Relu', [x], []);
      case 'sigmoid':
        return this.emit('Sigmoid', [x], []);
      case 'tanh':
        return this.emit('Tanh', [x], []);
      case 'leakyRelu':
        return this.emit('LeakyRelu', [x], [attr.float('alpha', 0.01)]);
      case 'elu':
        return this.emit('Elu', [x], [attr.float('alpha', 1)]);
      case 'selu':
        return this.emit(
          'Selu',
          [x],
          [attr.float('alpha', 1.6732632423543772), attr.float('gamma', 1.0507009873554805)],
        );
      case 'softplus':
        return this.emit('Softplus', [x], []);
      case 'hardSigmoid':
        return this.emit('HardSigmoid', [x], [attr.float('alpha', 0.2), attr.float('beta', 0.5)]);
      case 'gelu': {
        if (this.opset >= 20) return this.emit('Gelu', [x], []);
        // x · Φ(x) = x · (1 + erf(x / √2)) / 2, the exact GELU, from opset-11 ops.
        const erf = this.emit('Erf', [this.emit('Div', [x, this.scalar('sqrt2', Math.SQRT2)], [])], []);
        const half = this.emit(
          'Mul',
          [this.emit('Add', [erf, this.scalar('one', 1)], []), this.scalar('half', 0.5)],
          [],
        );
        return this.emit('Mul', [x, half], []);
      }
      case 'softmax':
        return this.softmax('Softmax', { name: x, layout }, rank - 1).name;
      case 'relu6':
        return this.emit('Clip', [x, this.scalar('zero', 0), this.scalar('six', 6)], []);
      default:
        throw new Error(`exportOnnx: activation '${name}' has no ONNX form`);
    }
  }

  /** Softmax over our axis `axis`: opsets < 13 normalize over every axis from the given one on, so the axis goes last first. */
  private softmax(op: 'Softmax' | 'LogSoftmax', x: Exported, axis: number): Exported {
    const rank = x.layout.length;
    if (this.opset >= 13)
      return { name: this.emit(op, [x.name], [attr.int('axis', x.layout[axis]!)]), layout: x.layout };
    const moved = identity(rank)
      .filter((a) => a !== axis)
      .concat(axis);
    // Our axes arranged in ONNX order `moved` (the softmax axis last), then back.
    const inOrder = new Array<number>(rank);
    moved.forEach((a, j) => {
      inOrder[a] = j;
    });
    const y = this.arranged(x, inOrder);
    return { name: this.emit(op, [y.name], [attr.int('axis', rank - 1)]), layout: y.layout };
  }

  private convPads(
    op: string,
    padding: Padding,
    input: readonly number[],
    kernel: [number, number],
    strides: [number, number],
    dilations: [number, number],
  ): number[] {
    return [...resolvePads(op, padding, [input[0]!, input[1]!], kernel, strides, dilations)];
  }

  private layer(node: Node): undefined {
    const layer = node.layer;
    const ins = node.inputs.map((s) => this.values.get(s)!);
    const set = (v: Exported): undefined => {
      this.values.set(node.output, v);
    };
    const x = ins[0]!;
    const rank = node.output.shape.length + 1;
    const inRank = (node.inputs[0]?.shape.length ?? 0) + 1;
    const config = ((layer as unknown as { config?: Record<string, unknown> }).config ?? {}) as Record<
      string,
      never
    >;
    switch (layer.className) {
      case 'Conv2D': {
        const c = (layer as Conv2D).config;
        const kernel = this.weight(layer, 0);
        const [kh, kw, inPerGroup, outC] = layer.variables[0]!.spec.shape as [number, number, number, number];
        let w = permute(kernel, [kh, kw, inPerGroup, outC], [3, 2, 0, 1]);
        let b = c.useBias ? this.weight(layer, 1) : undefined;
        const bn = this.folded.get(layer);
        if (bn) [w, b] = foldInto(w, b, outC, bn, this.weights);
        const strides = pairOf(c.strides, 1);
        const dilations = pairOf(c.dilations, 1);
        const pads = this.convPads('Conv2D', c.padding, node.inputs[0]!.shape, [kh, kw], strides, dilations);
        const inputs = [
          this.arranged(x, NCHW_HELD_NHWC).name,
          this.initializer(`${layer.name}.weight`, [outC, inPerGroup, kh, kw], w),
        ];
        if (b) inputs.push(this.initializer(`${layer.name}.bias`, [outC], b));
        const y = this.emit('Conv', inputs, [
          attr.ints('kernel_shape', [kh, kw]),
          attr.ints('strides', strides),
          attr.ints('pads', pads),
          attr.ints('dilations', dilations),
          attr.int('group', c.groups),
        ]);
        return set({ name: this.activation(c.activation, y, NCHW_HELD_NHWC, 4), layout: NCHW_HELD_NHWC });
      }
      case 'Dense': {
        const c = (layer as Dense).config;
        const [inF, units] = layer.variables[0]!.spec.shape as [number, number];
        let w = this.weight(layer, 0);
        let b = c.useBias ? this.weight(layer, 1) : undefined;
        const bn = this.folded.get(layer);
        if (bn) {
          // Fold on the [units, in] view (one row per output), then back to [in, units].
          const [wf, bf] = foldInto(permute(w, [inF, units], [1, 0]), b, units, bn, this.weights);
          w = permute(wf, [units, inF], [1, 0]);
          b = bf;
        }
        const wName = this.initializer(`${layer.name}.weight`, [inF, units], w);
        const bName = b ? this.initializer(`${layer.name}.bias`, [units], b) : undefined;
        const input = this.arranged(x, identity(inRank));
        let y: string;
        if (inRank === 2) y = this.emit('Gemm', bName ? [input.name, wName, bName] : [input.name, wName], []);
        else {
          y = this.emit('MatMul', [input.name, wName], []);
          if (bName) y = this.emit('Add', [y, bName], []);
        }
        return set({ name: this.activation(c.activation, y, identity(rank), rank), layout: identity(rank) });
      }
      case 'Flatten': {
        const input = this.arranged(x, identity(inRank));
        return set({ name: this.emit('Flatten', [input.name], [attr.int('axis', 1)]), layout: identity(2) });
      }
      case 'ReLU':
      case 'Sigmoid':
      case 'Tanh':
      case 'Activation': {
        const name =
          layer.className === 'Activation'
            ? (config.activation as string)
            : layer.className === 'ReLU'
              ? 'relu'
              : layer.className.toLowerCase();
        return set({ name: this.activation(name, x.name, x.layout, rank), layout: x.layout });
      }
      case 'LeakyReLU':
        return set({
          name: this.emit('LeakyRelu', [x.name], [attr.float('alpha', (config.alpha as number) ?? 0.01)]),
          layout: x.layout,
        });
      case 'Softmax': {
        const axis = (config.axis as number) ?? -1;
        return set(this.softmax('Softmax', x, axis < 0 ? axis + rank : axis));
      }
      case 'MaxPool2D':
      case 'AvgPool2D': {
        const kernel = pairOf(config.poolSize, 1);
        const strides = pairOf(config.strides ?? config.poolSize, 1);
        const dilations = pairOf(config.dilations, 1);
        const pads = this.convPads(
          layer.className,
          config.padding ?? 'valid',
          node.inputs[0]!.shape,
          kernel,
          strides,
          dilations,
        );
        const attributes = [
          attr.ints('kernel_shape', kernel),
          attr.ints('strides', strides),
          attr.ints('pads', pads),
          attr.int('ceil_mode', config.ceilMode ? 1 : 0),
        ];
        const dilated = dilations[0] !== 1 || dilations[1] !== 1;
        if (layer.className === 'MaxPool2D') {
          if (dilated) attributes.push(attr.ints('dilations', dilations));
        } else {
          attributes.push(attr.int('count_include_pad', config.countIncludePad ? 1 : 0));
          if (dilated) {
            if (this.opset < 19)
              throw new Error(
                `exportOnnx: layer '${layer.name}' (AvgPool2D) is dilated; ONNX AveragePool takes dilations from opset 19 (asked: ${this.opset})`,
              );
            attributes.push(attr.ints('dilations', dilations));
          }
        }
        const op = layer.className === 'MaxPool2D' ? 'MaxPool' : 'AveragePool';
        return set({
          name: this.emit(op, [this.arranged(x, NCHW_HELD_NHWC).name], attributes),
          layout: NCHW_HELD_NHWC,
        });
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool': {
        const pooled = this.emit(layer.className, [this.arranged(x, NCHW_HELD_NHWC).name], []);
        if ((layer as unknown as { keepDims?: boolean }).keepDims)
          return set({ name: pooled, layout: NCHW_HELD_NHWC });
        return set({ name: this.emit('Flatten', [pooled], [attr.int('axis', 1)]), layout: identity(2) });
      }
      case 'Conv2DTranspose': {
        const spec = layer.variables[0]!.spec.shape as [number, number, number, number];
        const [kh, kw, outC, inC] = spec;
        const strides = pairOf(config.strides, 1);
        const dilations = pairOf(config.dilations, 1);
        const inputs = [
          this.arranged(x, NCHW_HELD_NHWC).name,
          // [kh, kw, out, in] -> ONNX ConvTranspose's [in, out, kh, kw].
          this.initializer(
            `${layer.name}.weight`,
            [inC, outC, kh, kw],
            permute(this.weight(layer, 0), spec, [3, 2, 0, 1]),
          ),
        ];
        if (layer.variables[1])
          inputs.push(this.initializer(`${layer.name}.bias`, [outC], this.weight(layer, 1)));
        const attributes = [
          attr.ints('kernel_shape', [kh, kw]),
          attr.ints('strides', strides),
          attr.ints('dilations', dilations),
          attr.ints('output_padding', pairOf(config.outputPadding, 0)),
        ];
        const padding = (config.padding ?? 'valid') as Padding;
        if (padding === 'same' || padding === 'SAME_UPPER' || padding === 'SAME_LOWER') {
          const mode = padding === 'SAME_LOWER' ? 'SAME_LOWER' : 'SAME_UPPER';
          attributes.push({
            name: 'auto_pad',
            type: AttributeType.STRING,
            s: new TextEncoder().encode(mode),
          });
        } else {
          attributes.push(
            attr.ints(
              'pads',
              this.convPads('Conv2DTranspose', padding, [1, 1], [kh, kw], strides, dilations),
            ),
          );
        }
        const y = this.emit('ConvTranspose', inputs, attributes);
        return set({
          name: this.activation((config.activation as string) ?? 'linear', y, NCHW_HELD_NHWC, 4),
          layout: NCHW_HELD_NHWC,
        });
      }
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        const spec = layer.variables[0]!.spec.shape as [number, number, number, number];
        const [kh, kw, , mid] = spec;
        const inC = node.inputs[0]!.shape[2]!;
        const strides = pairOf(config.strides, 1);
        const dilations = pairOf(config.dilations, 1);
        const pads = this.convPads(
          layer.className,
          (config.padding ?? 'valid') as Padding,
          node.inputs[0]!.shape,
          [kh, kw],
          strides,
          dilations,
        );
        const separable = layer.className === 'SeparableConv2D';
        // A depthwise conv is a conv with one group per input channel: HWIO [kh, kw, 1, C·m] -> OIHW [C·m, 1, kh, kw].
        const inputs = [
          this.arranged(x, NCHW_HELD_NHWC).name,
          this.initializer(
            `${layer.name}.depthwise`,
            [mid, 1, kh, kw],
            permute(this.weight(layer, 0), spec, [3, 2, 0, 1]),
          ),
        ];
        const bias = layer.variables.find((v) => v.spec.name === 'bias');
        if (bias && !separable)
          inputs.push(this.initializer(`${layer.name}.bias`, bias.spec.shape, this.weights.get(bias.name)!));
        let y = this.emit('Conv', inputs, [
          attr.ints('kernel_shape', [kh, kw]),
          attr.ints('strides', strides),
          attr.ints('pads', pads),
          attr.ints('dilations', dilations),
          attr.int('group', inC),
        ]);
        if (separable) {
          const pw = layer.variables[1]!.spec.shape as [number, number, number, number];
          const pwInputs = [
            y,
            this.initializer(
              `${layer.name}.pointwise`,
              [pw[3], pw[2], 1, 1],
              permute(this.weight(layer, 1), pw, [3, 2, 0, 1]),
            ),
          ];
          if (bias)
            pwInputs.push(
              this.initializer(`${layer.name}.bias`, bias.spec.shape, this.weights.get(bias.name)!),
            );
          y = this.emit('Conv', pwInputs, [attr.ints('kernel_shape', [1, 1])]);
        }
        return set({
          name: this.activation((config.activation as string) ?? 'linear', y, NCHW_HELD_NHWC, 4),
          layout: NCHW_HELD_NHWC,
        });
      }
      case 'Reshape': {
        const input = this.arranged(x, identity(inRank));
        const target = [0, ...(layer as unknown as { targetShape: number[] }).targetShape];
        return set({
          name: this.emit('Reshape', [input.name, this.ints(`${layer.name}.shape`, target)], []),
          layout: identity(rank),
        });
      }
      case 'ZeroPadding2D': {
        const [[t, b], [l, r]] = (layer as unknown as { padding: [[number, number], [number, number]] })
          .padding;
        const input = this.arranged(x, NCHW_HELD_NHWC);
        const inputs = [input.name, this.ints(`${layer.name}.pads`, [0, 0, t, l, 0, 0, b, r])];
        if (this.opset < 11) inputs.pop();
        return set({ name: this.emit('Pad', inputs, []), layout: NCHW_HELD_NHWC });
      }
      case 'Cropping2D': {
        const [[t, b], [l, r]] = (layer as unknown as { cropping: [[number, number], [number, number]] })
          .cropping;
        const [h, w] = node.inputs[0]!.shape as [number, number];
        const input = this.arranged(x, NCHW_HELD_NHWC);
        const y = this.emit(
          'Slice',
          [
            input.name,
            this.ints(`${layer.name}.starts`, [t, l]),
            this.ints(`${layer.name}.ends`, [h - b, w - r]),
            this.ints(`${layer.name}.axes`, [2, 3]),
          ],
          [],
        );
        return set({ name: y, layout: NCHW_HELD_NHWC });
      }
      case 'UpSampling2D': {
        const up = layer as unknown as { size: [number, number]; interpolation: 'nearest' | 'bilinear' };
        const input = this.arranged(x, NCHW_HELD_NHWC);
        const scales = this.initializer(
          `${layer.name}.scales`,
          [4],
          Float32Array.of(1, 1, up.size[0], up.size[1]),
        );
        // Nearest repeats each pixel (asymmetric coordinates, floor); bilinear uses half-pixel centres.
        const text = (name: string, value: string): AttributeProto => ({
          name,
          type: AttributeType.STRING,
          s: new TextEncoder().encode(value),
        });
        const attributes =
          up.interpolation === 'nearest'
            ? [
                text('mode', 'nearest'),
                text('coordinate_transformation_mode', 'asymmetric'),
                text('nearest_mode', 'floor'),
              ]
            : [text('mode', 'linear'), text('coordinate_transformation_mode', 'half_pixel')];
        return set({
          name: this.emit('Resize', [input.name, '', scales], attributes),
          layout: NCHW_HELD_NHWC,
        });
      }
      case 'SpatialDropout2D':
        // The identity in inference, which is all an exported model does.
        return set({ name: this.emit('Identity', [x.name], []), layout: x.layout });
      case 'BatchNorm': {
        const source = node.inputs[0]!.node.layer;
        if (this.folded.get(source) === layer) return set(x);
        const bn = layer as unknown as { epsilon: number; momentum: number };
        const c = layer.variables[0]!.spec.shape[0]!;
        // Channels are our last axis; ONNX wants them on axis 1.
        const wanted = inRank <= 2 ? identity(inRank) : [0, ...identity(inRank).slice(2), 1];
        const input = this.arranged(x, wanted);
        const names = ['scale', 'bias', 'mean', 'var'].map((n, i) =>
          this.initializer(`${layer.name}.${n}`, [c], this.weight(layer, i)),
        );
        const y = this.emit(
          'BatchNormalization',
          [input.name, ...names],
          [attr.float('epsilon', bn.epsilon), attr.float('momentum', 1 - bn.momentum)],
        );
        return set({ name: y, layout: wanted });
      }
      case 'LRN': {
        const y = this.emit(
          'LRN',
          [this.arranged(x, NCHW_HELD_NHWC).name],
          [
            attr.int('size', config.size as number),
            attr.float('alpha', (config.alpha as number) ?? 1e-4),
            attr.float('beta', (config.beta as number) ?? 0.75),
            attr.float('bias', (config.bias as number) ?? 1),
          ],
        );
        return set({ name: y, layout: NCHW_HELD_NHWC });
      }
      case 'Dropout': {
        const rate = (layer as unknown as { rate: number }).rate;
        const y =
          this.opset >= 12
            ? this.emit('Dropout', [x.name, this.scalar(`${layer.name}.ratio`, rate)], [])
            : this.emit('Dropout', [x.name], [attr.float('ratio', rate)]);
        return set({ name: y, layout: x.layout });
      }
      case 'Concat': {
        const axisRaw = (layer as unknown as { axis: number }).axis;
        const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
        const inputs = ins.map((v) => this.arranged(v, x.layout).name);
        return set({
          name: this.emit('Concat', inputs, [attr.int('axis', x.layout[axis]!)]),
          layout: x.layout,
        });
      }
      case 'Add': {
        const inputs = ins.map((v) => this.arranged(v, x.layout).name);
        let y = inputs[0]!;
        for (const other of inputs.slice(1)) y = this.emit('Add', [y, other], []);
        return set({ name: y, layout: x.layout });
      }
      case 'OnnxOp':
        return set(this.onnxOp(node, layer as OnnxOp, ins));
      default:
        throw new Error(`exportOnnx: layer '${layer.name}' (${layer.className}) has no ONNX form`);
    }
  }

  /** The plain ops of an imported model, written back in ONNX terms. */
  private onnxOp(node: Node, layer: OnnxOp, ins: Exported[]): Exported {
    const { op, operands, attrs } = layer.config;
    const a = attrs as Record<string, never>;
    const x = ins[0]!;
    const rank = node.output.shape.length + 1;
    const inRank = node.inputs[0]!.shape.length + 1;
    // A weight operand is written in the ONNX order of the tensor it meets.
    const operand = (o: (typeof operands)[number], layout: number[]): string => {
      if ('input' in o) return this.arranged(ins[o.input]!, layout).name;
      const spec = layer.variables[o.param]!.spec;
      const data = this.weight(layer, o.param);
      if (spec.shape.length !== layout.length)
        return this.initializer(`${layer.name}.${spec.name}`, spec.shape, data);
      const inverse = new Array<number>(layout.length);
      layout.forEach((ax, i) => {
        inverse[ax] = i;
      });
      return this.initializer(
        `${layer.name}.${spec.name}`,
        inverse.map((i) => spec.shape[i]!),
        permute(data, spec.shape, inverse),
      );
    };
    switch (op) {
      case 'add':
      case 'sub':
      case 'mul':
      case 'div': {
        const onnx = op.charAt(0).toUpperCase() + op.slice(1);
        return {
          name: this.emit(
            onnx,
            operands.map((o) => operand(o, x.layout)),
            [],
          ),
          layout: x.layout,
        };
      }
      case 'clip': {
        const bound = (v: number | undefined, n: string) =>
          v === undefined || !Number.isFinite(v) ? '' : this.scalar(`${layer.name}.${n}`, v);
        const inputs = [x.name, bound(a.min, 'min'), bound(a.max, 'max')];
        while (inputs.at(-1) === '') inputs.pop();
        return { name: this.emit('Clip', inputs, []), layout: x.layout };
      }
      case 'transpose': {
        // Our output axis i is our input axis perm[i]: only the labels change.
        const perm = a.perm as number[];
        return { name: x.name, layout: perm.map((p) => x.layout[p]!) };
      }
      case 'reshape': {
        const input = this.arranged(x, identity(inRank));
        const target = (a.target as (number | 'batch')[]).map((d) => (d === 'batch' ? 0 : d));
        return {
          name: this.emit('Reshape', [input.name, this.ints(`${layer.name}.shape`, target)], []),
          layout: identity(rank),
        };
      }
      case 'slice': {
        const begin = a.begin as number[];
        const size = a.size as number[];
        const axes = identity(inRank).slice(1);
        const starts = axes.map((i) => begin[i]!);
        const ends = axes.map((i) => begin[i]! + size[i]!);
        const y = this.emit(
          'Slice',
          [
            x.name,
            this.ints(`${layer.name}.starts`, starts),
            this.ints(`${layer.name}.ends`, ends),
            this.ints(
              `${layer.name}.axes`,
              axes.map((i) => x.layout[i]!),
            ),
          ],
          [],
        );
        return { name: y, layout: x.layout };
      }
      case 'pad': {
        const before = a.before as number[];
        const after = a.after as number[];
        const onnxBefore = new Array<number>(inRank);
        const onnxAfter = new Array<number>(inRank);
        x.layout.forEach((ax, i) => {
          onnxBefore[ax] = before[i]!;
          onnxAfter[ax] = after[i]!;
        });
        const mode = (a.mode as string | undefined) ?? 'constant';
        if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge')
          throw new Error(`exportOnnx: layer '${layer.name}': pad mode '${mode}' has no ONNX form`);
        const inputs = [x.name, this.ints(`${layer.name}.pads`, [...onnxBefore, ...onnxAfter])];
        if (mode === 'constant') inputs.push(this.scalar(`${layer.name}.value`, (a.value as number) ?? 0));
        return {
          name: this.emit('Pad', inputs, [
            { name: 'mode', type: AttributeType.STRING, s: new TextEncoder().encode(mode) },
          ]),
          layout: x.layout,
        };
      }
      case 'softmax':
      case 'logSoftmax': {
        const onnx = op === 'softmax' ? 'Softmax' : 'LogSoftmax';
        if (a.flattenFrom !== undefined) {
          const input = this.arranged(x, identity(inRank));
          const y = this.emit('Flatten', [input.name], [attr.int('axis', a.flattenFrom)]);
          const s = this.emit(onnx, [y], [attr.int('axis', 1)]);
          const shape = this.ints(`${layer.name}.shape`, [0, ...node.inputs[0]!.shape]);
          return { name: this.emit('Reshape', [s, shape], []), layout: identity(inRank) };
        }
        const axis = (a.axis as number) < 0 ? (a.axis as number) + rank : (a.axis as number);
        return this.softmax(onnx, x, axis);
      }
      case 'matMul': {
        const layout = identity(inRank);
        return {
          name: this.emit(
            'MatMul',
            operands.map((o) => operand(o, layout)),
            [],
          ),
          layout: identity(rank),
        };
      }
      case 'gemm': {
        const inputs = operands.map((o) => operand(o, identity(2)));
        const attributes = [
          attr.float('alpha', a.alpha ?? 1),
          attr.float('beta', a.beta ?? 1),
          attr.int('transA', a.transA ? 1 : 0),
          attr.int('transB', a.transB ? 1 : 0),
        ];
        return { name: this.emit('Gemm', inputs, attributes), layout: identity(2) };
      }
      case 'globalAvgPool':
      case 'globalMaxPool': {
        const onnx = op === 'globalAvgPool' ? 'GlobalAveragePool' : 'GlobalMaxPool';
        return { name: this.emit(onnx, [this.arranged(x, NCHW_HELD_NHWC).name], []), layout: NCHW_HELD_NHWC };
      }
      case 'concat': {
        const axis = (a.axis as number) < 0 ? (a.axis as number) + rank : (a.axis as number);
        return {
          name: this.emit(
            'Concat',
            ins.map((v) => this.arranged(v, x.layout).name),
            [attr.int('axis', x.layout[axis]!)],
          ),
          layout: x.layout,
        };
      }
      case 'convTranspose': {
        const spec = layer.variables[0]!.spec.shape as [number, number, number, number];
        const [kh, kw, outPerGroup, inC] = spec;
        const w = this.initializer(
          `${layer.name}.weight`,
          [inC, outPerGroup, kh, kw],
          permute(this.weight(layer, 0), spec, [3, 2, 0, 1]),
        );
        const inputs = [this.arranged(x, NCHW_HELD_NHWC).name, w];
        if (layer.variables[1])
          inputs.push(
            this.initializer(`${layer.name}.bias`, layer.variables[1].spec.shape, this.weight(layer, 1)),
          );
        const pads = a.pads as unknown;
        const attributes = [
          attr.ints('kernel_shape', [kh, kw]),
          attr.ints('strides', pairOf(a.strides, 1)),
          attr.ints('dilations', pairOf(a.dilations, 1)),
          attr.int('group', a.groups ?? 1),
          attr.ints('output_padding', pairOf(a.outputPadding, 0)),
        ];
        if (typeof pads === 'string')
          attributes.push({
            name: 'auto_pad',
            type: AttributeType.STRING,
            s: new TextEncoder().encode(pads === 'valid' ? 'VALID' : pads),
          });
        else attributes.push(attr.ints('pads', Array.isArray(pads) ? (pads as number[]) : [0, 0, 0, 0]));
        return { name: this.emit('ConvTranspose', inputs, attributes), layout: NCHW_HELD_NHWC };
      }
    }
  }
}

/** The ONNX Transpose perm that takes a value held as layout `from` to layout `to` (our axis i stays put). */
function onnxPerm(from: readonly number[], to: readonly number[]): number[] {
  const perm = new Array<number>(to.length);
  to.forEach((a, i) => {
    perm[a] = from[i]!;
  });
  return perm;
}

/**
 * BatchNorm folded into the layer before it: per output channel o, `w'[o,·] = w[o,·]·s` and
 * `b' = (b - mean)·s + beta` with `s = gamma / sqrt(var + eps)`. `w` is given one row per output channel.
 */
function foldInto(
  w: Float32Array,
  b: Float32Array | undefined,
  channels: number,
  bn: Layer,
  weights: Map<string, Float32Array>,
): [Float32Array, Float32Array] {
  const [gamma, beta, mean, variance] = bn.variables.map((v) => weights.get(v.name)!) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const eps = (bn as unknown as { epsilon: number }).epsilon;
  const per = w.length / channels;
  const wOut = new Float32Array(w.length);
  const bOut = new Float32Array(channels);
  for (let o = 0; o < channels; o++) {
    const s = gamma[o]! / Math.sqrt(variance[o]! + eps);
    for (let k = 0; k < per; k++) wOut[o * per + k] = w[o * per + k]! * s;
    bOut[o] = ((b?.[o] ?? 0) - mean[o]!) * s + beta[o]!;
  }
  return [wOut, bOut];
}
