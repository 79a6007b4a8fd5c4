import type { Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';
import type { Fixture, FixtureTensor } from './fixture.js';
import type { Kind } from './layout.js';

/**
 * How each reference op (ONNX names and semantics) maps onto our API. The harness converts every input
 * to our layout (per `inputKinds`) before `run` and every output back (per `outputKinds`) after it.
 */
export interface OpAdapter {
  /** A reason to skip this fixture, or undefined to run it. */
  skip?(fx: Fixture): string | undefined;
  /** Layout kind per input name; unlisted inputs are plain. */
  inputKinds?: Record<string, Kind>;
  /** Layout kind of every output (default: 'image' when the first input is an image, else 'plain'). */
  outputKind?: Kind;
  /** Inputs read on the host (int64 shapes, pads, axes) rather than uploaded as tensors. */
  hostInputs?: readonly string[];
  /** Runs the op on the fixture's inputs, returning its outputs in the fixture's order. */
  run(inputs: OpInputs, attrs: Attrs, fx: Fixture): Tensor[];
  /**
   * How many terms are summed into one element of `output` (a forward output or a gradient), for the
   * tolerance (tolerance.ts). Omitted: the fixture's input element count, an upper bound.
   */
  terms?(fx: Fixture, output: FixtureTensor): number;
}

/** Inputs by name and by position (ONNX order, optional ones omitted). */
export interface OpInputs {
  list: Tensor[];
  byName: Record<string, Tensor | undefined>;
  host: Record<string, number[]>;
}

/** Attribute reader with ONNX defaults. */
export class Attrs {
  constructor(private readonly values: Record<string, unknown>) {}
  int(name: string, fallback: number): number {
    return (this.values[name] as number | undefined) ?? fallback;
  }
  float(name: string, fallback: number): number {
    return (this.values[name] as number | undefined) ?? fallback;
  }
  ints(name: string): number[] | undefined {
    return this.values[name] as number[] | undefined;
  }
  string(name: string, fallback: string): string {
    return (this.values[name] as string | undefined) ?? fallback;
  }
  has(name: string): boolean {
    return this.values[name] !== undefined;
  }
}

const spatialOnly2d =
  (...names: string[]) =>
  (fx: Fixture): string | undefined => {
    const x = fx.inputs.find((t) => names.includes(t.name)) ?? fx.inputs[0]!;
    return x.shape.length === 4
      ? undefined
      : `${x.shape.length - 2}-D spatial input (only 2-D spatial is supported)`;
  };

/** ONNX `auto_pad` + `pads` to our padding spec. */
function padding(attrs: Attrs): cnn.Padding {
  const auto = attrs.string('auto_pad', 'NOTSET');
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER' || auto === 'VALID') return auto;
  const pads = attrs.ints('pads') ?? [0, 0, 0, 0];
  // ONNX pads are [x1_begin, x2_begin, x1_end, x2_end] = [top, left, bottom, right], as ours.
  return [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
}

const pair = (v: number[] | undefined, fallback: number): [number, number] =>
  v ? [v[0]!, v[1]!] : [fallback, fallback];

function first(inputs: OpInputs): Tensor {
  return inputs.list[0]!;
}

const unary = (fn: (x: Tensor, attrs: Attrs) => Tensor): OpAdapter => ({
  terms: () => 1,
  run: (inputs, attrs) => [fn(first(inputs), attrs)],
});

/** Softmax-family axis semantics: before opset 13 the input is coerced to 2-D at `axis` (default 1). */
function softmaxLike(fn: (x: Tensor, axis: number) => Tensor): OpAdapter {
  return {
    run: (inputs, attrs, fx) => {
      const x = first(inputs);
      const opset = fx.opset ?? 13;
      const axis = attrs.int('axis', opset >= 13 ? -1 : 1);
      if (opset >= 13) return [fn(x, axis)];
      return [cnn.reshape(fn(cnn.flatten(x, axis < 0 ? axis + x.rank : axis), 1), x.shape)];
    },
  };
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const sizeOfInput = (fx: Fixture, i: number) => product(fx.inputs[i]?.shape ?? []);
const forwardSize = (fx: Fixture) => product(fx.outputs.find((t) => !t.grad_of)?.shape ?? []);

/** Elementwise ops: one term forward; a gradient sums over the positions its operand was broadcast to. */
const elementwiseTerms = (fx: Fixture, out: FixtureTensor): number =>
  out.grad_of ? Math.max(1, forwardSize(fx) / product(out.shape)) : 1;

/**
 * Convolution: a forward element sums kh·kw·(C/groups) products; dX sums the filter taps of every output
 * channel of its group that saw it; dW and dB sum over the batch and every output position.
 */
function convTerms(fx: Fixture, out: FixtureTensor): number {
  const w = fx.inputs[1]!.shape; // OIHW: [O, C/g, kh, kw] (ConvTranspose: [C, O/g, kh, kw])
  const taps = (w[2] ?? 1) * (w[3] ?? 1);
  const group = (fx.attrs.group as number | undefined) ?? 1;
  const y = fx.outputs.find((t) => !t.grad_of)!.shape;
  const x = fx.inputs[0]!.shape;
  const transposed = fx.op === 'ConvTranspose';
  if (!out.grad_of) return taps * (transposed ? w[0]! / group : w[1]!) + 1;
  if (out.grad_of === fx.inputs[0]!.name) return taps * (transposed ? w[1]! : w[0]! / group);
  // weight and bias gradients: over the batch and the positions of the conv's output (ConvTranspose: its input)
  return transposed ? product(x) / x[1]! : product(y) / y[1]!;
}

/** Pooling: a window's taps forward; a gradient element gathers from every window that covers it. */
function poolTerms(fx: Fixture): number {
  const k = (fx.attrs.kernel_shape as number[] | undefined) ?? [1, 1];
  return product(k);
}

/** Softmax-like ops sum over their axis (and so do their gradients). */
function axisTerms(fx: Fixture): number {
  const x = fx.inputs[0]!.shape;
  const axis = (fx.attrs.axis as number | undefined) ?? ((fx.opset ?? 13) >= 13 ? -1 : 1);
  const a = axis < 0 ? axis + x.length : axis;
  return (fx.opset ?? 13) >= 13 ? x[a]! : product(x.slice(a));
}

/** ONNX ArgMax/ArgMin: `axis`, `keepdims` (default 1); `select_last_index` = 1 is not ours (first index). */
function argExtremeAdapter(fn: (x: Tensor, axis: number) => Tensor): OpAdapter {
  return {
    terms: () => 1,
    skip: (fx) =>
      (fx.attrs.select_last_index as number | undefined) === 1 ? 'select_last_index = 1' : undefined,
    run: ({ list }, attrs) => {
      const x = list[0]!;
      const axis = attrs.int('axis', 0);
      const y = fn(x, axis);
      if (attrs.int('keepdims', 1) !== 1) return [y];
      const a = axis < 0 ? axis + x.rank : axis;
      return [
        cnn.reshape(
          y,
          x.shape.map((d, i) => (i === a ? 1 : d)),
        ),
      ];
    },
  };
}

/**
 * ONNX Resize attributes as TF.js's resize flags `[mode, alignCorners, halfPixelCenters]`, or undefined for
 * a combination TF.js has no name for. linear: asymmetric / align_corners / half_pixel; nearest: asymmetric
 * with floor, half_pixel with round_prefer_ceil (PyTorch 'nearest-exact'), align_corners with round_prefer_ceil.
 */
function resizeFlags(attrs: Attrs): ['linear' | 'nearest', boolean, boolean] | undefined {
  const mode = attrs.string('mode', 'nearest');
  const transform = attrs.string('coordinate_transformation_mode', 'half_pixel');
  const nearest = attrs.string('nearest_mode', 'round_prefer_floor');
  const flags = {
    asymmetric: [false, false],
    align_corners: [true, false],
    half_pixel: [false, true],
  } as const;
  const f = flags[transform as keyof typeof flags];
  if (!f) return undefined;
  if (mode === 'linear') return ['linear', f[0], f[1]];
  if (mode !== 'nearest') return undefined;
  const wanted = transform === 'asymmetric' ? 'floor' : 'round_prefer_ceil';
  return nearest === wanted ? ['nearest', f[0], f[1]] : undefined;
}

/** How each ONNX / PyTorch op of the fixtures maps onto @cnn/core ops, by op name. */
export const adapters: Record<string, OpAdapter> = {
  Conv: {
    skip: spatialOnly2d('X', 'x'),
    terms: convTerms,
    inputKinds: { X: 'image', x: 'image', W: 'convWeight' },
    run: ({ list }, attrs) => {
      const [x, w, b] = list as [Tensor, Tensor, Tensor?];
      const y = cnn.conv2d(x, w, {
        strides: pair(attrs.ints('strides'), 1),
        dilations: pair(attrs.ints('dilations'), 1),
        groups: attrs.int('group', 1),
        padding: padding(attrs),
      });
      return [b ? cnn.add(y, b) : y];
    },
  },
  ConvTranspose: {
    skip: spatialOnly2d('X', 'x'),
    terms: convTerms,
    inputKinds: { X: 'image', x: 'image', W: 'convWeight' },
    run: ({ list }, attrs) => {
      const [x, w, b] = list as [Tensor, Tensor, Tensor?];
      const outputShape = attrs.ints('output_shape');
      const auto = attrs.string('auto_pad', 'NOTSET');
      const y = cnn.conv2dTranspose(x, w, {
        strides: pair(attrs.ints('strides'), 1),
        dilations: pair(attrs.ints('dilations'), 1),
        groups: attrs.int('group', 1),
        outputPadding: pair(attrs.ints('output_padding'), 0),
        // output_shape may list all dims or just the spatial ones.
        outputSize: outputShape ? [outputShape.at(-2)!, outputShape.at(-1)!] : undefined,
        padding: auto === 'SAME_LOWER' ? 'SAME_LOWER' : auto === 'SAME_UPPER' ? 'SAME_UPPER' : padding(attrs),
      });
      return [b ? cnn.add(y, b) : y];
    },
  },
  MaxPool: {
    skip: spatialOnly2d(),
    terms: poolTerms,
    inputKinds: { X: 'image', x: 'image' },
    run: ({ list }, attrs) => [
      cnn.maxPool2d(list[0]!, {
        kernel: pair(attrs.ints('kernel_shape'), 1),
        strides: pair(attrs.ints('strides'), 1),
        dilations: pair(attrs.ints('dilations'), 1),
        padding: padding(attrs),
        ceilMode: attrs.int('ceil_mode', 0) === 1,
      }),
    ],
  },
  AveragePool: {
    skip: spatialOnly2d(),
    terms: poolTerms,
    inputKinds: { X: 'image', x: 'image' },
    run: ({ list }, attrs) => [
      cnn.avgPool2d(list[0]!, {
        kernel: pair(attrs.ints('kernel_shape'), 1),
        strides: pair(attrs.ints('strides'), 1),
        dilations: pair(attrs.ints('dilations'), 1),
        padding: padding(attrs),
        ceilMode: attrs.int('ceil_mode', 0) === 1,
        countIncludePad: attrs.int('count_include_pad', 0) === 1,
      }),
    ],
  },
  LpPool: {
    skip: () => 'LpPool is not in the kernel list (allowed skip)',
    run: () => [],
  },
  GlobalAveragePool: {
    skip: spatialOnly2d(),
    terms: (fx) => product(fx.inputs[0]!.shape.slice(2)),
    inputKinds: { X: 'image', x: 'image' },
    run: ({ list }) => [cnn.globalAvgPool(list[0]!)],
  },
  GlobalMaxPool: {
    skip: spatialOnly2d(),
    terms: (fx) => product(fx.inputs[0]!.shape.slice(2)),
    inputKinds: { X: 'image', x: 'image' },
    run: ({ list }) => [cnn.globalMaxPool(list[0]!)],
  },
  Gemm: {
    // Y sums over the inner dim (plus C); dA over B's other dim; dB and dC over the batch.
    terms: (fx, out) => {
      const a = fx.inputs[0]!.shape;
      const transA = (fx.attrs.transA as number | undefined) === 1;
      const inner = transA ? a[0]! : a[1]!;
      const batch = transA ? a[1]! : a[0]!;
      if (!out.grad_of) return inner + 1;
      if (out.grad_of === fx.inputs[0]!.name) return forwardSize(fx) / batch;
      return batch;
    },
    run: ({ list }, attrs) => {
      const [a, b, c] = list as [Tensor, Tensor, Tensor?];
      return [
        cnn.gemm(a, b, c, {
          alpha: attrs.float('alpha', 1),
          beta: attrs.float('beta', 1),
          transposeA: attrs.int('transA', 0) === 1,
          transposeB: attrs.int('transB', 0) === 1,
        }),
      ];
    },
  },
  MatMul: {
    // Every element (forward or gradient) is a dot product along one dim of the operands; the largest bounds it.
    terms: (fx) => Math.max(...fx.inputs.flatMap((t) => t.shape)),
    run: ({ list }) => [cnn.matMul(list[0]!, list[1]!)],
  },
  Relu: unary((x) => cnn.relu(x)),
  LeakyRelu: unary((x, a) => cnn.leakyRelu(x, a.float('alpha', 0.01))),
  PRelu: {
    // y = x for x >= 0, slope * x otherwise, slope broadcast against x.
    run: ({ list }) => {
      const [x, slope] = list as [Tensor, Tensor];
      return [cnn.where(cnn.greater(0, x), cnn.mul(x, slope), x)];
    },
  },
  Elu: unary((x, a) => cnn.elu(x, a.float('alpha', 1))),
  Selu: unary((x, a) =>
    cnn.selu(x, a.float('alpha', 1.6732632423543772), a.float('gamma', 1.0507009873554805)),
  ),
  Sigmoid: unary((x) => cnn.sigmoid(x)),
  HardSigmoid: unary((x, a) => cnn.hardSigmoid(x, a.float('alpha', 0.2), a.float('beta', 0.5))),
  Tanh: unary((x) => cnn.tanh(x)),
  Softplus: unary((x) => cnn.softplus(x)),
  Gelu: unary((x, a) => cnn.gelu(x, a.string('approximate', 'none') as 'none' | 'tanh')),
  Clip: {
    // Bounds are optional inputs (opset >= 11) identified by name, or attributes in older opsets.
    hostInputs: ['min', 'max'],
    run: ({ list, host }, attrs) => {
      const bound = (name: string, fallback: number) => host[name]?.[0] ?? attrs.float(name, fallback);
      return [
        cnn.clip(list[0]!, bound('min', Number.NEGATIVE_INFINITY), bound('max', Number.POSITIVE_INFINITY)),
      ];
    },
  },
  Identity: unary((x) => x),
  // Inference: Dropout is the identity (no training_mode input in these cases).
  Dropout: {
    skip: (fx) =>
      fx.inputs.some((t) => t.name === 'training_mode') ? 'training-mode Dropout is random' : undefined,
    run: ({ list }) => [list[0]!],
  },
  Softmax: { ...softmaxLike(cnn.softmax), terms: axisTerms },
  LogSoftmax: { ...softmaxLike(cnn.logSoftmax), terms: axisTerms },
  Concat: { terms: () => 1, run: ({ list }, attrs) => [cnn.concat(list, attrs.int('axis', 0))] },
  Add: { terms: elementwiseTerms, run: ({ list }) => [cnn.add(list[0]!, list[1]!)] },
  Sub: { terms: elementwiseTerms, run: ({ list }) => [cnn.sub(list[0]!, list[1]!)] },
  Mul: { terms: elementwiseTerms, run: ({ list }) => [cnn.mul(list[0]!, list[1]!)] },
  Div: { terms: elementwiseTerms, run: ({ list }) => [cnn.div(list[0]!, list[1]!)] },
  Sum: { run: ({ list }) => [list.slice(1).reduce((acc, t) => cnn.add(acc, t), list[0]!)] },
  BatchNormalization: {
    // Inference forward: a few elementwise steps; statistics and gradients sum over all but the channels.
    terms: (fx, out) =>
      !out.grad_of && fx.attrs.training_mode !== 1 ? 1 : sizeOfInput(fx, 0) / fx.inputs[0]!.shape[1]!,
    inputKinds: { X: 'image', x: 'image' },
    run: ({ list }, attrs) => {
      const [x, scale, bias, mean, variance] = list as [Tensor, Tensor, Tensor, Tensor, Tensor];
      const epsilon = attrs.float('epsilon', 1e-5);
      if (attrs.int('training_mode', 0) !== 1)
        return [cnn.batchNorm(x, mean, variance, scale, bias, epsilon)];
      // ONNX training mode: normalize with the batch statistics, and blend them into the running ones.
      const momentum = attrs.float('momentum', 0.9);
      const batch = cnn.batchNormTraining(x, scale, bias, epsilon);
      const blend = (running: Tensor, current: Tensor) =>
        cnn.add(cnn.mul(running, momentum), cnn.mul(current, 1 - momentum));
      return [batch.y, blend(mean, batch.mean), blend(variance, batch.variance)];
    },
    outputKind: 'plain',
  },
  InstanceNormalization: {
    inputKinds: { input: 'image', x: 'image' },
    outputKind: 'image',
    run: ({ list }, attrs) => {
      const [x, scale, bias] = list as [Tensor, Tensor, Tensor];
      // Per sample and channel over the spatial axes: the batch-norm formula with per-instance statistics.
      const spatial = Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
      const mean = cnn.mean(x, spatial, true);
      const variance = cnn.mean(cnn.square(cnn.sub(x, mean)), spatial, true);
      const normalized = cnn.mul(
        cnn.sub(x, mean),
        cnn.rsqrt(cnn.add(variance, attrs.float('epsilon', 1e-5))),
      );
      return [cnn.add(cnn.mul(normalized, scale), bias)];
    },
  },
  LRN: {
    skip: spatialOnly2d(),
    terms: (fx) => 2 * ((fx.attrs.size as number | undefined) ?? 1),
    inputKinds: { X: 'image', x: 'image' },
    run: ({ list }, attrs) => [
      cnn.lrn(list[0]!, {
        size: attrs.int('size', 1),
        alpha: attrs.float('alpha', 1e-4),
        beta: attrs.float('beta', 0.75),
        bias: attrs.float('bias', 1),
      }),
    ],
  },
  Flatten: { terms: () => 1, run: ({ list }, attrs) => [cnn.flatten(list[0]!, attrs.int('axis', 1))] },
  Reshape: {
    hostInputs: ['shape'],
    run: ({ list, host }, attrs) => {
      const x = list[0]!;
      const allowZero = attrs.int('allowzero', 0) === 1;
      // ONNX: 0 copies the input's size at that axis unless allowzero; -1 is inferred.
      const shape = host.shape!.map((d, i) => (d === 0 && !allowZero ? x.shape[i]! : d));
      return [cnn.reshape(x, shape)];
    },
  },
  Transpose: { terms: () => 1, run: ({ list }, attrs) => [cnn.transpose(list[0]!, attrs.ints('perm'))] },
  Pad: {
    hostInputs: ['pads', 'axes', 'constant_value', 'value'],
    terms: () => 1,
    skip: (fx) => {
      const mode = (fx.attrs.mode as string | undefined) ?? 'constant';
      return ['constant', 'reflect', 'edge'].includes(mode)
        ? undefined
        : `Pad mode '${mode}' is not supported (constant, reflect, edge)`;
    },
    run: ({ list, host }, attrs) => {
      const x = list[0]!;
      const axes = (host.axes ?? x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + x.rank : a));
      const pads = host.pads!;
      const before = new Array<number>(x.rank).fill(0);
      const after = new Array<number>(x.rank).fill(0);
      axes.forEach((a, i) => {
        before[a] = pads[i]!;
        after[a] = pads[i + axes.length]!;
      });
      const mode = attrs.string('mode', 'constant');
      if (mode === 'reflect' || mode === 'edge') return [cnn.mirrorPad(x, before, after, mode)];
      const value = host.constant_value ?? host.value;
      return [cnn.pad(x, before, after, value?.[0] ?? 0)];
    },
  },
  ArgMax: argExtremeAdapter(cnn.argMax),
  ArgMin: argExtremeAdapter(cnn.argMin),
  OneHot: {
    hostInputs: ['depth', 'values'],
    terms: () => 1,
    skip: (fx) =>
      ((fx.attrs.axis as number | undefined) ?? -1) === -1 ? undefined : 'OneHot axis other than -1',
    run: ({ list, host }) => {
      const [off, on] = host.values as [number, number];
      return [cnn.oneHot(list[0]!, host.depth![0]!, on, off)];
    },
  },
  Gather: {
    // The forward is a copy; the gradient of a row adds one dY element per time the row was picked.
    terms: (fx, out) => (out.grad_of ? Math.max(1, product(fx.inputs[1]!.shape)) : 1),
    run: ({ list }, attrs) => [cnn.gather(list[0]!, list[1]!, attrs.int('axis', 0))],
  },
  TopK: {
    hostInputs: ['K'],
    terms: () => 1,
    skip: (fx) => {
      const x = fx.inputs[0]!.shape;
      const axis = (fx.attrs.axis as number | undefined) ?? -1;
      if (axis !== -1 && axis !== x.length - 1) return 'TopK along an axis other than the last';
      if ((fx.attrs.largest as number | undefined) === 0) return 'TopK of the smallest values';
      return undefined;
    },
    run: ({ list, host }) => {
      const { values, indices } = cnn.topK(list[0]!, host.K![0]!);
      return [values, indices];
    },
  },
  Resize: {
    hostInputs: ['roi', 'scales', 'sizes'],
    inputKinds: { X: 'image' },
    // Two taps per axis forward (bilinear: 4 in all); a gradient element gathers from the outputs that
    // read it, at most ceil(out/in)+1 per axis.
    terms: (fx) => {
      const x = fx.inputs[0]!.shape;
      const y = fx.outputs[0]!.shape;
      return [2, 3].reduce((n, a) => n * (Math.ceil(y[a]! / x[a]!) + 2), 1);
    },
    skip: (fx) =>
      resizeFlags(new Attrs(fx.attrs))
        ? undefined
        : `Resize ${JSON.stringify(fx.attrs)} is not a TF.js resize mode`,
    run: ({ list, host }, attrs) => {
      const x = list[0]!;
      const sizes = host.sizes!;
      const size: [number, number] = [sizes.at(-2)!, sizes.at(-1)!];
      const [mode, alignCorners, halfPixelCenters] = resizeFlags(attrs)!;
      const fn = mode === 'linear' ? cnn.resizeBilinear : cnn.resizeNearestNeighbor;
      return [fn(x, size, alignCorners, halfPixelCenters)];
    },
  },
  SoftmaxCrossEntropyLoss: {
    inputKinds: { logits: 'image', scores: 'image' },
    hostInputs: ['labels'],
    outputKind: 'plain',
    run: ({ list, host }, attrs, fx) => {
      const logits = list[0]!;
      const labelSpec = fx.inputs.find((t) => t.name === 'labels')!;
      const labels = cnn.tensor(Float32Array.from(host.labels!), labelSpec.shape, logits.backend);
      const ignoreIndex = attrs.has('ignore_index') ? attrs.int('ignore_index', -100) : undefined;
      if (attrs.string('reduction', 'mean') !== 'mean') throw new Error('only reduction "mean" is supported');
      return [cnn.softmaxCrossEntropy(logits, labels, { ignoreIndex })];
    },
  },
};
