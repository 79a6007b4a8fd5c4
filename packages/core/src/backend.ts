/**
 * The Backend contract: every kernel a backend provides, with its exact semantics, and nothing else.
 *
 * A backend implements 16 REQUIRED kernels (plus five memory methods). The 8 OPTIONAL kernels are faster
 * fused forms that core composes from the required ones when a backend leaves them out
 * (`ops/optional.ts`); a backend that implements only the required tier passes the whole conformance suite.
 * Gradients are not a backend's business: core writes every backward rule once, in terms of kernels.
 *
 * What every kernel may rely on (core checks it before the call):
 * - Inputs are valid: ranks, shapes, attribute ranges and output sizes were checked by core.
 * - Layout: activations NHWC, conv filters HWIO `[kh, kw, inC / groups, outC]`, data float32, row-major.
 * - The LAST argument of every kernel is `out`, the output shape core inferred. The kernel returns new
 *   storage holding exactly `product(out)` values, and never mutates or aliases its inputs.
 * - No operand and no output is empty. Core answers zero-size cases itself and never calls a kernel for
 *   them: an empty output is an empty tensor; an output computed from an empty operand is filled with the
 *   op's value for "no terms" (sums, matMul with K = 0, convolutions and their backprops over zero
 *   channels or a zero batch: 0; mean: NaN; max: -Infinity; min: +Infinity; pad: the pad value).
 * - Every tensor fits core's element limit (`setMaxTensorSize`).
 *
 * What every kernel must do:
 * - Compute in float32 or better and round the result to float32; accumulate sums without intermediate
 *   overflow where the true result is finite (a mean of finite values is finite).
 * - Follow IEEE 754 for NaN and infinities unless a kernel says otherwise: NaN propagates through
 *   arithmetic, max/min (both the reductions and `maximum`/`minimum`) and pooling.
 * - Be deterministic: the same inputs give the same bits on one backend instance.
 *
 * The conformance suite (`@cnn/conformance`) tests each of these rules on every backend.
 */

export type Shape = readonly number[];

/** A tensor as a kernel sees it: the backend's own storage `data` plus its shape. */
export interface KernelTensor<D = unknown> {
  readonly shape: Shape;
  readonly data: D;
}

/** Explicit zero padding of the two spatial dims: `[top, left, bottom, right]`. */
export type Pads4 = readonly [number, number, number, number];
/** Two numbers, `[height, width]` (strides, dilations, kernel sizes). */
export type Pair = readonly [number, number];

/**
 * A 2-D convolution's window. Output position (i, j) of channel o, group g = floor(o / (outC/groups)):
 * `y[n,i,j,o] = Σ_{a<kh, b<kw, c<inC/groups} x[n, i·sh + a·dh - top, j·sw + b·dw - left, g·inC/groups + c]
 * · w[a, b, c, o]`, where x outside the image is 0 (zero padding).
 * The output size per spatial dim is the seed's formula `(in + padBefore + padAfter - extent) / stride + 1`
 * rounded down, with `extent = dilation·(k - 1) + 1`.
 */
export interface Conv2DAttrs {
  strides: Pair;
  pads: Pads4;
  dilations: Pair;
  groups: number;
}

/**
 * A 2-D pooling window: output (i, j) sees the input positions
 * `(i·sh + a·dh - top, j·sw + b·dw - left)` for a < kh, b < kw that lie inside the image. Padding never takes
 * part (no window is all padding: core checks that). `out` may be larger than the floor formula gives
 * (ceil mode): the last windows are then partial.
 */
export interface Pool2DAttrs {
  kernel: Pair;
  strides: Pair;
  pads: Pads4;
  dilations: Pair;
}

export interface AvgPool2DAttrs extends Pool2DAttrs {
  /**
   * The divisor. true: the window clipped to the padded input (the input plus the explicit pads; in ceil
   * mode a window reaching past the end padding is clipped there), as PyTorch/ONNX `count_include_pad=1`.
   * false: the number of real input positions in the window.
   */
  countIncludePad: boolean;
}

/**
 * Elementwise binary ops on numpy-broadcast operands (right-aligned dims; a size-1 dim stretches):
 * - add, sub, mul, div: IEEE 754 (x/0 is ±Infinity, 0/0 is NaN).
 * - maximum, minimum: NaN if either operand is NaN (as `Math.max`/`Math.min`).
 * - pow: IEEE 754 / C `pow` (as numpy and PyTorch): `x ** 0 = 1` and `x ** 1 = x` for every x, NaN
 *   included; `1 ** y = 1` for every y and `(-1) ** ±Infinity = 1` (where ECMAScript `**` gives NaN);
 *   a negative base with a non-integer exponent gives NaN.
 * - equal, greater: 1 or 0; any comparison with NaN is 0.
 */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'equal' | 'greater';

/**
 * Elementwise unary ops: neg, exp, log (log(0) = -Infinity, log of a negative is NaN), sqrt, rsqrt
 * (`1/sqrt(x)`), square, abs, sign (-1, 0 or 1; `sign(±0) = ±0`, `sign(NaN) = NaN`), reciprocal (`1/x`).
 */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'abs' | 'sign' | 'reciprocal';

/**
 * Activations, each with its parameters. Formulas (f) and the derivatives f' that `activationGrad` uses;
 * at a kink the derivative is the one written here:
 * - relu: `max(x, 0)`; f' = 1 for x > 0, else 0. relu(NaN) = NaN.
 * - leakyRelu: `x >= 0 ? x : alpha·x`; f' = 1 for x >= 0, else alpha.
 * - elu: `x > 0 ? x : alpha·(e^x - 1)` (expm1 accuracy); f' = 1 for x > 0, else alpha·e^x.
 * - selu: `gamma · elu_alpha(x)`, PyTorch's constants alpha = 1.6732632423543772,
 *   gamma = 1.0507009873554805; f' = gamma for x > 0, else gamma·alpha·e^x.
 * - sigmoid: `1 / (1 + e^-x)`, without overflow for large |x|; f' = s·(1 - s).
 * - tanh; f' = 1 - tanh²(x).
 * - softplus: `log(1 + e^x)` without overflow or loss of accuracy; f' = sigmoid(x).
 * - gelu 'none': `x·Φ(x)` with Φ the standard normal CDF, `Φ(x) = erfc(-x/√2)/2`;
 *   f' = Φ(x) + x·φ(x), `φ(x) = e^(-x²/2)/√(2π)`.
 *   gelu 'tanh': `x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³)))`, and its exact derivative.
 * - hardSigmoid: `max(0, min(1, alpha·x + beta))` (ONNX defaults alpha = 0.2, beta = 0.5);
 *   f' = alpha where 0 < alpha·x + beta < 1, else 0.
 * - clip: `min(max, max(min, x))` (so min > max gives max everywhere); f' = 1 for min <= x <= max, else 0.
 */
export type Activation =
  | { kind: 'relu' }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'elu'; alpha: number }
  | { kind: 'selu'; alpha: number; gamma: number }
  | { kind: 'sigmoid' }
  | { kind: 'tanh' }
  | { kind: 'softplus' }
  | { kind: 'gelu'; approximate: 'none' | 'tanh' }
  | { kind: 'hardSigmoid'; alpha: number; beta: number }
  | { kind: 'clip'; min: number; max: number };

/** sum, mean, max, min; max/min return NaN for a set that holds a NaN. */
export type ReduceOp = 'sum' | 'max' | 'mean' | 'min';

/**
 * Local response normalization across channels (the last axis), AlexNet/ONNX:
 * `y[c] = x[c] / (bias + alpha/size · Σ_{c'} x[c']²)^beta`, the sum over
 * `c' ∈ [c - floor((size-1)/2), c + ceil((size-1)/2)]` clipped to the channels that exist.
 */
export interface LRNAttrs {
  size: number;
  alpha: number;
  beta: number;
  bias: number;
}

/** The kernels a backend must implement. */
export interface RequiredKernels<D> {
  /**
   * Batched matrix product `y[..., m, n] = Σ_k op(a)[..., m, k] · op(b)[..., k, n]`, op = the optional
   * transpose of the last two dims. Leading (batch) dims broadcast numpy-style to `out`'s.
   */
  matMul(a: KernelTensor<D>, b: KernelTensor<D>, transposeA: boolean, transposeB: boolean, out: Shape): D;

  /** 2-D convolution, x NHWC, filter HWIO (see `Conv2DAttrs` for the formula). */
  conv2d(x: KernelTensor<D>, filter: KernelTensor<D>, attrs: Conv2DAttrs, out: Shape): D;
  /**
   * d(conv2d)/dx given dy (the "transposed convolution"): `dx = Σ` over every output position and tap that
   * read x, of `dy · w`. `out` is the input shape (it fixes the rows/cols the forward conv never read: 0).
   */
  conv2dBackpropInput(dy: KernelTensor<D>, filter: KernelTensor<D>, attrs: Conv2DAttrs, out: Shape): D;
  /** d(conv2d)/dfilter given dy: `dw[a,b,c,o] = Σ_{n,i,j} x[...] · dy[n,i,j,o]`. `out` is the filter shape. */
  conv2dBackpropFilter(x: KernelTensor<D>, dy: KernelTensor<D>, attrs: Conv2DAttrs, out: Shape): D;

  /** The largest value of each window, per channel; NaN if the window holds a NaN. */
  maxPool(x: KernelTensor<D>, attrs: Pool2DAttrs, out: Shape): D;
  /**
   * Routes each dy to its window's argmax and sums what lands on each input position. The argmax is the
   * first position (row-major in the window) holding the window's maximum, or its first NaN.
   * `out` is x's shape.
   */
  maxPoolBackprop(dy: KernelTensor<D>, x: KernelTensor<D>, attrs: Pool2DAttrs, out: Shape): D;
  /** The mean of each window (divisor: see `countIncludePad`), per channel. */
  avgPool(x: KernelTensor<D>, attrs: AvgPool2DAttrs, out: Shape): D;
  /** Spreads each dy / divisor evenly over its window's real input positions. `out` is the input shape. */
  avgPoolBackprop(dy: KernelTensor<D>, attrs: AvgPool2DAttrs, out: Shape): D;

  /** `op(a, b)` elementwise after broadcasting both to `out` (see `BinaryOp`). */
  binary(op: BinaryOp, a: KernelTensor<D>, b: KernelTensor<D>, out: Shape): D;
  /** `op(x)` elementwise (see `UnaryOp`). */
  unary(op: UnaryOp, x: KernelTensor<D>, out: Shape): D;
  /** `f(x)` elementwise (see `Activation` for every formula and constant). */
  activation(x: KernelTensor<D>, act: Activation, out: Shape): D;

  /** Reduces over `axes` (sorted, unique, non-negative; none: a copy); `out` keeps reduced dims as 1. */
  reduce(op: ReduceOp, x: KernelTensor<D>, axes: readonly number[], out: Shape): D;

  /** Joins `xs` (at least two) along `axis`; every other dim matches. */
  concat(xs: readonly KernelTensor<D>[], axis: number, out: Shape): D;
  /** The block of shape `out` starting at `begin` (non-negative; `begin[i] + out[i] <= x.shape[i]`). */
  slice(x: KernelTensor<D>, begin: readonly number[], out: Shape): D;
  /** Output axis i is input axis `perm[i]`. */
  transpose(x: KernelTensor<D>, perm: readonly number[], out: Shape): D;
  /** Constant pad: `before[i]`/`after[i]` (non-negative) elements of `value` around axis i. */
  pad(x: KernelTensor<D>, before: readonly number[], after: readonly number[], value: number, out: Shape): D;
}

/**
 * Fused kernels a backend may add for speed; core composes each from the required kernels when absent.
 * A provided one must give what the composition gives (same formula; rounding may differ within the
 * conformance tolerance).
 */
export interface OptionalKernels<D> {
  /** Repeats x's size-1 dims (and missing leading dims) up to `out`, numpy-style: a copy. */
  broadcastTo(x: KernelTensor<D>, out: Shape): D;
  /** `dy · f'(x)` for the activation `act` (see `Activation` for each f'). */
  activationGrad(x: KernelTensor<D>, dy: KernelTensor<D>, act: Activation, out: Shape): D;
  /** `cond != 0 ? a : b` after broadcasting all three to `out` (a NaN cond selects a). */
  where(cond: KernelTensor<D>, a: KernelTensor<D>, b: KernelTensor<D>, out: Shape): D;
  /** `e^(x - max) / Σ e^(x - max)` along `axis`; a slice holding NaN, or all -Infinity, gives NaN. */
  softmax(x: KernelTensor<D>, axis: number, out: Shape): D;
  /** `x - max - log Σ e^(x - max)` along `axis`, the same edge values as softmax. */
  logSoftmax(x: KernelTensor<D>, axis: number, out: Shape): D;
  /** `(x - mean) / sqrt(variance + epsilon) · scale + offset`, the four vectors along the last axis. */
  batchNorm(
    x: KernelTensor<D>,
    mean: KernelTensor<D>,
    variance: KernelTensor<D>,
    scale: KernelTensor<D>,
    offset: KernelTensor<D>,
    epsilon: number,
    out: Shape,
  ): D;
  /**
   * Training-mode batch norm's statistics over every axis but the last (C channels), `out` = [2, C]: row 0
   * the means, row 1 the population variances `Σ (x - mean)² / count`.
   */
  moments(x: KernelTensor<D>, out: Shape): D;
  /**
   * Training-mode batch norm's gradient sums over every axis but the last, `out` = [2, C]: row 0 `Σ dy`,
   * row 1 `Σ dy · (x - mean)`.
   */
  batchNormGradSums(x: KernelTensor<D>, dy: KernelTensor<D>, mean: KernelTensor<D>, out: Shape): D;
  /**
   * Training-mode batch norm's dx, the statistics' paths included: with σ = sqrt(variance + epsilon),
   * count elements per channel and `sums` from batchNormGradSums,
   * `scale/σ · (dy - sums[0]/count - (x - mean)/σ² · sums[1]/count)`.
   */
  batchNormBackprop(
    x: KernelTensor<D>,
    dy: KernelTensor<D>,
    mean: KernelTensor<D>,
    variance: KernelTensor<D>,
    scale: KernelTensor<D>,
    sums: KernelTensor<D>,
    epsilon: number,
    out: Shape,
  ): D;
  /** Local response normalization (see `LRNAttrs`). */
  lrn(x: KernelTensor<D>, attrs: LRNAttrs, out: Shape): D;
  /** d(lrn)/dx given dy. */
  lrnBackprop(x: KernelTensor<D>, dy: KernelTensor<D>, attrs: LRNAttrs, out: Shape): D;
}

/** The name of an optional kernel (see `OptionalKernels`). */
export type OptionalKernelName = keyof OptionalKernels<unknown>;

/** The names of the optional kernels, for tools that hide or list them. */
export const optionalKernelNames: readonly OptionalKernelName[] = [
  'broadcastTo',
  'activationGrad',
  'where',
  'softmax',
  'logSoftmax',
  'batchNorm',
  'moments',
  'batchNormGradSums',
  'batchNormBackprop',
  'lrn',
  'lrnBackprop',
];

export interface Backend<D = unknown> extends RequiredKernels<D>, Partial<OptionalKernels<D>> {
  /** The kind of backend (`'cpu'`, `'tfjs-wasm'`): core adds an instance number for error messages. */
  readonly name: string;

  // ---- memory ----
  /** Copies `values` into new backend storage of `shape`. */
  upload(values: Float32Array, shape: Shape): D;
  /** Reads storage back (a new array the caller owns). */
  read(data: D): Promise<Float32Array>;
  /** Synchronous read, where the backend can (a GPU backend may not). */
  readSync?(data: D): Float32Array;
  /** Frees storage. Core calls it once per storage, when the last tensor sharing it is disposed. */
  dispose(data: D): void;
  /** Number of storage buffers alive in this backend (for leak tests). */
  numBuffers(): number;
}
