import type { Conv2DAttrs, Pads4, Shape } from '../backend.js';
import { tidy } from '../memory.js';
import { assertPositiveInt, assertRank, assertSameBackend, assertSize, fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { pad } from './layout.js';
import { runKernel } from './op.js';
import { checkWindow, kernelExtent, outputSize, type Padding, resolvePads, toPair } from './padding.js';

/** Options of `conv2d`: strides, padding, dilations and groups. */
export interface Conv2DOptions {
  strides?: number | readonly [number, number];
  /** Default 'valid'. */
  padding?: Padding;
  dilations?: number | readonly [number, number];
  /** Channel groups: 1 is a full conv, `inC` is depthwise. */
  groups?: number;
}

/**
 * 2-D convolution. `x` is NHWC (the seed's height x width x depth image, batched), `filter` is HWIO
 * `[kh, kw, inC/groups, outC]`: each filter is local in height and width, spans the full depth of its group,
 * and is shared across every position. Output size per spatial dim: `(in + padBefore + padAfter - extent) / stride + 1`.
 */
export function conv2d(x: Tensor, filter: Tensor, options: Conv2DOptions = {}): Tensor {
  return convolve('conv2d', x, filter, options);
}

/** conv2d under the name the user called (errors name it). */
function convolve(op: string, x: Tensor, filter: Tensor, options: Conv2DOptions): Tensor {
  assertRank(op, 'input', x, 4);
  assertRank(op, 'filter', filter, 4);
  assertSameBackend(op, [x, filter]);
  const attrs = convAttrs(op, x.shape, filter.shape, options);
  const out = convOutputShape(op, x.shape, filter.shape, attrs);
  return conv2dKernel(x, filter, attrs, out);
}

/** Depthwise conv: one filter (or `multiplier` filters) per input channel. `filter` is `[kh, kw, 1, inC*multiplier]`. */
export function depthwiseConv2d(
  x: Tensor,
  filter: Tensor,
  options: Omit<Conv2DOptions, 'groups'> = {},
): Tensor {
  assertRank('depthwiseConv2d', 'input', x, 4);
  return convolve('depthwiseConv2d', x, filter, { ...options, groups: x.shape[3]! });
}

/** Options of `conv2dTranspose`. */
export interface Conv2DTransposeOptions extends Omit<Conv2DOptions, 'padding'> {
  /** Pads of the forward conv this transposes (they crop the output); 'same' makes the output `in * stride`. */
  padding?: Padding;
  /** Extra rows/cols at the end of the output (ONNX output_padding). */
  outputPadding?: number | readonly [number, number];
  /** Output `[height, width]`; pads are then derived (ONNX output_shape). */
  outputSize?: readonly [number, number];
}

/**
 * Transposed convolution: the gradient of conv2d with respect to its input, used as a layer. `filter` is the
 * HWIO filter of that forward conv, `[kh, kw, outC/groups, inC]` (inC = the channels of `x` here).
 */
export function conv2dTranspose(x: Tensor, filter: Tensor, options: Conv2DTransposeOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  assertRank(op, 'input', x, 4);
  assertRank(op, 'filter', filter, 4);
  assertSameBackend(op, [x, filter]);
  const groups = options.groups ?? 1;
  assertPositiveInt(op, 'groups', groups);
  const [n, h, w, inC] = x.shape as [number, number, number, number];
  const [kh, kw, outPerGroup, filterOut] = filter.shape as [number, number, number, number];
  if (filterOut !== inC) {
    throw new Error(
      `${op}: input has ${inC} channels but filter expects ${filterOut} (filter shape ${fmt(filter.shape)})`,
    );
  }
  if (inC % groups !== 0)
    throw new Error(`${op}: input channels ${inC} are not divisible by groups ${groups}`);
  const strides = toPair(op, 'strides', options.strides, 1);
  const dilations = toPair(op, 'dilations', options.dilations, 1);
  // Each argument is checked on its own, before any is used, so an error names the one that is wrong.
  strides.forEach((v, i) => assertPositiveInt(op, `stride ${i === 0 ? 'height' : 'width'}`, v));
  dilations.forEach((v, i) => assertPositiveInt(op, `dilation ${i === 0 ? 'height' : 'width'}`, v));
  if (options.outputSize !== undefined) {
    const size = options.outputSize as readonly unknown[];
    if (!Array.isArray(size) || size.length !== 2) {
      throw new Error(`${op}: outputSize must be [height, width], got ${JSON.stringify(options.outputSize)}`);
    }
    size.forEach((v, i) => assertPositiveInt(op, `outputSize ${i === 0 ? 'height' : 'width'}`, v as number));
  }
  const outputPadding = toPair(op, 'outputPadding', options.outputPadding, 0);
  outputPadding.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p >= strides[i]!) {
      throw new Error(
        `${op}: outputPadding ${fmt(outputPadding)} must be non-negative and smaller than the strides ${fmt(strides)}`,
      );
    }
  });
  const extents = [kernelExtent(kh, dilations[0]), kernelExtent(kw, dilations[1])];
  const full = [0, 1].map((i) => strides[i]! * ([h, w][i]! - 1) + outputPadding[i]! + extents[i]!);
  // Pads of the forward conv; negative ones (an output larger than the full one) become zero borders below.
  let pads: number[];
  const padding = options.padding ?? 'valid';
  if (options.outputSize || padding === 'same' || padding === 'SAME_UPPER' || padding === 'SAME_LOWER') {
    const target = options.outputSize ?? [h * strides[0], w * strides[1]];
    const total = [0, 1].map((i) => full[i]! - target[i]!);
    // ONNX: SAME_UPPER puts an odd extra pixel of padding at the end; SAME_LOWER and explicit output
    // sizes put it at the start (a negative total pads the output with zeros on the other side).
    const upper = padding === 'same' || padding === 'SAME_UPPER';
    const split = total.map((t) =>
      upper ? [Math.floor(t / 2), t - Math.floor(t / 2)] : [t - Math.floor(t / 2), Math.floor(t / 2)],
    );
    pads = [split[0]![0]!, split[1]![0]!, split[0]![1]!, split[1]![1]!];
  } else {
    pads = [...resolvePads(op, padding, [h, w], [kh, kw], strides, dilations)];
  }
  const kernelPads = pads.map((p) => Math.max(0, p)) as unknown as Pads4;
  if (options.outputSize && kernelPads.some((p, i) => p >= extents[i % 2]!)) {
    const smallest = [0, 1].map((i) => full[i]! - 2 * (extents[i]! - 1));
    throw new Error(
      `${op}: outputSize ${fmt(options.outputSize)} is too small for this input and filter: the output can be no smaller than ${fmt(smallest)} (the full output is ${fmt(full)})`,
    );
  }
  checkWindow(op, [kh, kw], strides, dilations, kernelPads);
  const outH = full[0]! - kernelPads[0] - kernelPads[2];
  const outW = full[1]! - kernelPads[1] - kernelPads[3];
  if (outH <= 0 || outW <= 0) throw new Error(`${op}: output size would be ${outH}x${outW}`);
  const attrs: Conv2DAttrs = { strides, pads: kernelPads, dilations, groups };
  const outShape = [n, outH, outW, outPerGroup * groups];
  assertSize(op, outShape);
  if (pads.every((p) => p >= 0)) return conv2dBackpropInputKernel(x, filter, attrs, outShape);
  const grow = pads.map((p) => Math.max(0, -p));
  return tidy(() =>
    pad(
      conv2dBackpropInputKernel(x, filter, attrs, outShape),
      [0, grow[0]!, grow[1]!, 0],
      [0, grow[2]!, grow[3]!, 0],
    ),
  );
}

function convAttrs(op: string, xShape: Shape, filterShape: Shape, options: Conv2DOptions): Conv2DAttrs {
  const groups = options.groups ?? 1;
  assertPositiveInt(op, 'groups', groups);
  const [, h, w, inC] = xShape as [number, number, number, number];
  const [kh, kw, filterIn, outC] = filterShape as [number, number, number, number];
  if (inC % groups !== 0)
    throw new Error(`${op}: input channels ${inC} are not divisible by groups ${groups}`);
  if (filterIn * groups !== inC) {
    const expected =
      groups === 1 ? `${filterIn}` : `${filterIn} per group x ${groups} groups = ${filterIn * groups}`;
    throw new Error(
      `${op}: input has ${inC} channels but filter expects ${expected} (filter shape ${fmt(filterShape)})`,
    );
  }
  if (outC % groups !== 0) {
    throw new Error(
      `${op}: filter output channels ${outC} are not divisible by groups ${groups} (filter shape ${fmt(filterShape)})`,
    );
  }
  const strides = toPair(op, 'strides', options.strides, 1);
  const dilations = toPair(op, 'dilations', options.dilations, 1);
  const pads = resolvePads(op, options.padding ?? 'valid', [h, w], [kh, kw], strides, dilations);
  checkWindow(op, [kh, kw], strides, dilations, pads);
  return { strides, pads, dilations, groups };
}

function convOutputShape(op: string, xShape: Shape, filterShape: Shape, attrs: Conv2DAttrs): number[] {
  const [n, h, w] = xShape as [number, number, number];
  const [kh, kw, , outC] = filterShape as [number, number, number, number];
  const { strides, pads, dilations } = attrs;
  const ho = outputSize(op, 'height', h, pads[0], pads[2], kernelExtent(kh, dilations[0]), strides[0]);
  const wo = outputSize(op, 'width', w, pads[1], pads[3], kernelExtent(kw, dilations[1]), strides[1]);
  return [n, ho, wo, outC];
}

// The three kernels record each other as gradients: all three are linear in each argument, so this also
// gives gradients of gradients.

function conv2dKernel(x: Tensor, filter: Tensor, attrs: Conv2DAttrs, out: Shape): Tensor {
  return runKernel('conv2d', [x, filter], out, (backend, kx, kf) => backend.conv2d(kx!, kf!, attrs, out), {
    empty: 0,
    grad: (dy, [x, filter], _, needed) => [
      needed[0] ? conv2dBackpropInputKernel(dy, filter!, attrs, x!.shape) : null,
      needed[1] ? conv2dBackpropFilterKernel(x!, dy, attrs, filter!.shape) : null,
    ],
  });
}

function conv2dBackpropInputKernel(
  dy: Tensor,
  filter: Tensor,
  attrs: Conv2DAttrs,
  inputShape: Shape,
): Tensor {
  return runKernel(
    'conv2dBackpropInput',
    [dy, filter],
    inputShape,
    (backend, kdy, kf) => backend.conv2dBackpropInput(kdy!, kf!, attrs, inputShape),
    {
      empty: 0,
      grad: (g, [dy, filter], _, needed) => [
        needed[0] ? conv2dKernel(g, filter!, attrs, dy!.shape) : null,
        needed[1] ? conv2dBackpropFilterKernel(g, dy!, attrs, filter!.shape) : null,
      ],
    },
  );
}

function conv2dBackpropFilterKernel(x: Tensor, dy: Tensor, attrs: Conv2DAttrs, filterShape: Shape): Tensor {
  return runKernel(
    'conv2dBackpropFilter',
    [x, dy],
    filterShape,
    (backend, kx, kdy) => backend.conv2dBackpropFilter(kx!, kdy!, attrs, filterShape),
    {
      empty: 0,
      grad: (g, [x, dy], _, needed) => [
        needed[0] ? conv2dBackpropInputKernel(dy!, g, attrs, x!.shape) : null,
        needed[1] ? conv2dKernel(x!, g, attrs, dy!.shape) : null,
      ],
    },
  );
}

/** Public entry points for the two backprops (checked like conv2d), e.g. for differential tests. */
export function conv2dBackpropInput(
  dy: Tensor,
  filter: Tensor,
  inputShape: Shape,
  options: Conv2DOptions = {},
): Tensor {
  assertRank('conv2dBackpropInput', 'dy', dy, 4);
  assertRank('conv2dBackpropInput', 'filter', filter, 4);
  const attrs = convAttrs('conv2dBackpropInput', inputShape, filter.shape, options);
  const expected = convOutputShape('conv2dBackpropInput', inputShape, filter.shape, attrs);
  if (expected.some((d, i) => d !== dy.shape[i])) {
    throw new Error(
      `conv2dBackpropInput: dy has shape ${fmt(dy.shape)} but the conv output is ${fmt(expected)}`,
    );
  }
  return conv2dBackpropInputKernel(dy, filter, attrs, inputShape);
}

/** The gradient of `conv2d` with respect to its filter (of shape `filterShape`), given the input and dy. */
export function conv2dBackpropFilter(
  x: Tensor,
  dy: Tensor,
  filterShape: Shape,
  options: Conv2DOptions = {},
): Tensor {
  assertRank('conv2dBackpropFilter', 'input', x, 4);
  assertRank('conv2dBackpropFilter', 'dy', dy, 4);
  const attrs = convAttrs('conv2dBackpropFilter', x.shape, filterShape, options);
  const expected = convOutputShape('conv2dBackpropFilter', x.shape, filterShape, attrs);
  if (expected.some((d, i) => d !== dy.shape[i])) {
    throw new Error(
      `conv2dBackpropFilter: dy has shape ${fmt(dy.shape)} but the conv output is ${fmt(expected)}`,
    );
  }
  return conv2dBackpropFilterKernel(x, dy, attrs, filterShape);
}
