import type { AvgPool2DAttrs, Pool2DAttrs, Shape } from '../backend.js';
import { tidy } from '../memory.js';
import { assertRank } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ones, zeros } from './creation.js';
import { add, equal, mul, sub, where } from './elementwise.js';
import { pad, reshape, slice } from './layout.js';
import { type GradFn, runKernel } from './op.js';
import { checkWindow, kernelExtent, outputSize, type Padding, resolvePads, toPair } from './padding.js';
import { max, mean } from './reduce.js';

/** Options of `maxPool2d` and `avgPool2d`: window, strides, padding, dilations, ceil mode. */
export interface Pool2DOptions {
  /** Window `[height, width]` (or one number). */
  kernel: number | readonly [number, number];
  /** Default: the kernel size (non-overlapping windows). */
  strides?: number | readonly [number, number];
  /** Default 'valid'. Padding never wins a max. */
  padding?: Padding;
  dilations?: number | readonly [number, number];
  /** Round the output size up, keeping a last partial window (PyTorch/ONNX `ceil_mode`). */
  ceilMode?: boolean;
}

/** Options of `avgPool2d`. */
export interface AvgPool2DOptions extends Pool2DOptions {
  /** Count the explicit padding in the divisor (PyTorch/ONNX `count_include_pad`). Default false. */
  countIncludePad?: boolean;
}

function poolAttrs(op: string, x: Tensor, options: Pool2DOptions): { attrs: Pool2DAttrs; out: Shape } {
  assertRank(op, 'input', x, 4);
  if (!options || options.kernel === undefined) throw new Error(`${op}: options.kernel is required`);
  const kernel = toPair(op, 'kernel', options.kernel, 1);
  const strides = options.strides === undefined ? kernel : toPair(op, 'strides', options.strides, 1);
  const dilations = toPair(op, 'dilations', options.dilations, 1);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const pads = resolvePads(op, options.padding ?? 'valid', [h, w], kernel, strides, dilations);
  checkWindow(op, kernel, strides, dilations, pads);
  const ceil = options.ceilMode ?? false;
  const size = (axis: 0 | 1, name: string, input: number) =>
    outputSize(
      op,
      name,
      input,
      pads[axis],
      pads[axis + 2]!,
      kernelExtent(kernel[axis], dilations[axis]),
      strides[axis],
      ceil,
    );
  const out = [n, size(0, 'height', h), size(1, 'width', w), c];
  // With dilation a window can step over the whole image even when its pads are smaller than its extent:
  // every window must hold at least one real position (padding never takes part in a pooling).
  ([0, 1] as const).forEach((axis) => {
    const input = axis === 0 ? h : w;
    for (let o = 0; o < out[axis + 1]!; o++) {
      const start = o * strides[axis] - pads[axis];
      let real = false;
      for (let i = 0; i < kernel[axis] && !real; i++) {
        const p = start + i * dilations[axis];
        real = p >= 0 && p < input;
      }
      if (!real) {
        throw new Error(
          `${op}: the window at output ${axis === 0 ? 'row' : 'column'} ${o} covers only padding (kernel ${kernel[axis]}, dilation ${dilations[axis]}, stride ${strides[axis]}, pads ${pads[axis]}+${pads[axis + 2]}, input ${input})`,
        );
      }
    }
  });
  return { attrs: { kernel, strides, pads, dilations }, out };
}

/** Max pooling: the largest value in each window, per channel (NaN if the window holds one). */
export function maxPool2d(x: Tensor, options: Pool2DOptions): Tensor {
  const { attrs, out } = poolAttrs('maxPool2d', x, options);
  return maxPoolKernel(x, attrs, out, (dy, [x]) => [maxPoolBackprop(dy, x!, attrs, out)]);
}

function maxPoolKernel(x: Tensor, attrs: Pool2DAttrs, out: Shape, grad: GradFn | 'zero'): Tensor {
  return runKernel('maxPool2d', [x], out, (backend, kx) => backend.maxPool(kx!, attrs, out), { grad });
}

function maxPoolBackprop(dy: Tensor, x: Tensor, attrs: Pool2DAttrs, out: Shape): Tensor {
  return runKernel(
    'maxPool2dBackprop',
    [dy, x],
    x.shape,
    (backend, kdy, kx) => backend.maxPoolBackprop(kdy!, kx!, attrs, x.shape),
    {
      empty: 0,
      // Linear in dy: its adjoint reads g at each window's argmax. The argmax is piecewise constant in x,
      // so x gets no gradient.
      grad: (g, [, x]) => [valueAtArgmax(g, x!, attrs, out), null],
    },
  );
}

/**
 * For every window, g at the window's argmax in x (the first maximum, or the first NaN, as the kernel
 * routes it), composed from required kernels: one strided view of the window per tap.
 */
function valueAtArgmax(g: Tensor, x: Tensor, attrs: Pool2DAttrs, out: Shape): Tensor {
  return tidy(() => {
    const y = maxPoolKernel(x, attrs, out, 'zero');
    const real = windowTaps(ones(x.shape, x.backend), attrs, out);
    const xs = windowTaps(x, attrs, out);
    const gs = windowTaps(g, attrs, out);
    const nanMask = (t: Tensor) => sub(1, equal(t, t));
    let taken: Tensor = zeros(out, x.backend);
    let result: Tensor = zeros(out, x.backend);
    xs.forEach((xt, tap) => {
      const hit = mul(real[tap]!, add(equal(xt, y), mul(nanMask(xt), nanMask(y))));
      const first = mul(hit, sub(1, taken));
      taken = add(taken, first);
      result = add(result, where(first, gs[tap]!, 0));
    });
    return result;
  });
}

/**
 * The window's tap (a, b) for every output position, as a tensor of the output's shape: x at
 * `(i·sh + a·dh - top, j·sw + b·dw - left)`, 0 outside the image. Row-major tap order.
 */
function windowTaps(x: Tensor, attrs: Pool2DAttrs, out: Shape): Tensor[] {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [, ho, wo] = out as [number, number, number, number];
  const { kernel, strides, dilations, pads } = attrs;
  const bottom = Math.max(0, (kernel[0] - 1) * dilations[0] + ho * strides[0] - h - pads[0]);
  const right = Math.max(0, (kernel[1] - 1) * dilations[1] + wo * strides[1] - w - pads[1]);
  const padded = pad(x, [0, pads[0], pads[1], 0], [0, bottom, right, 0]);
  const taps: Tensor[] = [];
  for (let a = 0; a < kernel[0]; a++) {
    for (let b = 0; b < kernel[1]; b++) {
      const block = slice(
        padded,
        [0, a * dilations[0], b * dilations[1], 0],
        [n, ho * strides[0], wo * strides[1], c],
      );
      const strided = reshape(block, [n, ho, strides[0], wo, strides[1], c]);
      taps.push(reshape(slice(strided, [0, 0, 0, 0, 0, 0], [n, ho, 1, wo, 1, c]), out));
    }
  }
  return taps;
}

/** Average pooling: the mean of each window, per channel. */
export function avgPool2d(x: Tensor, options: AvgPool2DOptions): Tensor {
  const { attrs: window, out } = poolAttrs('avgPool2d', x, options);
  const attrs: AvgPool2DAttrs = { ...window, countIncludePad: options.countIncludePad ?? false };
  return avgPoolKernel(x, attrs, out);
}

// Average pooling is linear, and its backprop is its adjoint: each records the other as its gradient, so
// gradients of any order follow.

function avgPoolKernel(x: Tensor, attrs: AvgPool2DAttrs, out: Shape): Tensor {
  return runKernel('avgPool2d', [x], out, (backend, kx) => backend.avgPool(kx!, attrs, out), {
    grad: (dy, [x]) => [avgPoolBackprop(dy, attrs, x!.shape)],
  });
}

function avgPoolBackprop(dy: Tensor, attrs: AvgPool2DAttrs, inputShape: Shape): Tensor {
  const out = dy.shape;
  return runKernel(
    'avgPool2dBackprop',
    [dy],
    inputShape,
    (backend, kdy) => backend.avgPoolBackprop(kdy!, attrs, inputShape),
    { empty: 0, grad: (g) => [avgPoolKernel(g, attrs, out)] },
  );
}

/** Mean over height and width: `[N, H, W, C]` to `[N, 1, 1, C]`. */
export function globalAvgPool(x: Tensor): Tensor {
  assertRank('globalAvgPool', 'input', x, 4);
  return mean(x, [1, 2], true);
}

/** Max over height and width: `[N, H, W, C]` to `[N, 1, 1, C]`. */
export function globalMaxPool(x: Tensor): Tensor {
  assertRank('globalMaxPool', 'input', x, 4);
  return max(x, [1, 2], true);
}
