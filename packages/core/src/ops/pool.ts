import type { AvgPool2DAttrs, Pool2DAttrs } from '../backend.js';
import { assertRank } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runKernel } from './op.js';
import { checkWindow, kernelExtent, outputSize, type Padding, resolvePads, toPair } from './padding.js';
import { max, mean } from './reduce.js';

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

export interface AvgPool2DOptions extends Pool2DOptions {
  /** Count the explicit padding in the divisor (PyTorch/ONNX `count_include_pad`). Default false. */
  countIncludePad?: boolean;
}

function poolAttrs(op: string, x: Tensor, options: Pool2DOptions): Pool2DAttrs {
  assertRank(op, 'input', x, 4);
  if (!options || options.kernel === undefined) throw new Error(`${op}: options.kernel is required`);
  const kernel = toPair(op, 'kernel', options.kernel, 1);
  const strides = options.strides === undefined ? kernel : toPair(op, 'strides', options.strides, 1);
  const dilations = toPair(op, 'dilations', options.dilations, 1);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const pads = resolvePads(op, options.padding ?? 'valid', [h, w], kernel, strides, dilations);
  checkWindow(op, kernel, strides, dilations, pads);
  const ceil = options.ceilMode ?? false;
  const ho = outputSize(
    op,
    'height',
    h,
    pads[0],
    pads[2],
    kernelExtent(kernel[0], dilations[0]),
    strides[0],
    ceil,
  );
  const wo = outputSize(
    op,
    'width',
    w,
    pads[1],
    pads[3],
    kernelExtent(kernel[1], dilations[1]),
    strides[1],
    ceil,
  );
  return { kernel, strides, pads, dilations, out: [n, ho, wo, c] };
}

/** Max pooling: the largest value in each window, per channel. */
export function maxPool2d(x: Tensor, options: Pool2DOptions): Tensor {
  const attrs = poolAttrs('maxPool2d', x, options);
  return runKernel(
    'maxPool2d',
    [x],
    attrs.out,
    (backend, kx) => backend.maxPool(kx!, attrs),
    (dy) => [
      runKernel('maxPool2dBackprop', [dy, x], x.shape, (backend, kdy, kx) =>
        backend.maxPoolBackprop(kdy!, kx!, attrs),
      ),
    ],
  );
}

/** Average pooling: the mean of each window, per channel. */
export function avgPool2d(x: Tensor, options: AvgPool2DOptions): Tensor {
  const attrs: AvgPool2DAttrs = {
    ...poolAttrs('avgPool2d', x, options),
    countIncludePad: options.countIncludePad ?? false,
  };
  return runKernel(
    'avgPool2d',
    [x],
    attrs.out,
    (backend, kx) => backend.avgPool(kx!, attrs),
    (dy) => [avgPoolBackprop(dy, x, attrs)],
  );
}

function avgPoolBackprop(dy: Tensor, x: Tensor, attrs: AvgPool2DAttrs): Tensor {
  // Linear in dy: its own gradient is the forward average pool again.
  return runKernel(
    'avgPool2dBackprop',
    [dy],
    x.shape,
    (backend, kdy) => backend.avgPoolBackprop(kdy!, x.shape, attrs),
    (g) => [runKernel('avgPool2d', [g], attrs.out, (backend, kg) => backend.avgPool(kg!, attrs))],
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
