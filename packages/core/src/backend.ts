/**
 * The Backend interface: every kernel a backend must provide, and nothing else.
 *
 * Rules every kernel may rely on (core enforces them before calling):
 * - inputs are valid: ranks, shapes, attribute ranges and output sizes were checked by core;
 * - activations are NHWC, conv filters are HWIO `[kh, kw, inC / groups, outC]`;
 * - `out` (where given) is the output shape core inferred; the kernel writes exactly that many elements;
 * - all data is float32. A kernel returns new storage and never mutates its inputs.
 *
 * Gradients are not a backend's business: core writes every backward rule once, in terms of these kernels.
 */

export type Shape = readonly number[];

/** A tensor as a kernel sees it: the backend's own storage `data` plus its shape. */
export interface KernelTensor<D = unknown> {
  readonly shape: Shape;
  readonly data: D;
}

/** Explicit zero padding of the two spatial dims: `[top, left, bottom, right]`. */
export type Pads4 = readonly [number, number, number, number];
export type Pair = readonly [number, number];

export interface Conv2DAttrs {
  strides: Pair;
  pads: Pads4;
  dilations: Pair;
  groups: number;
}

export interface Pool2DAttrs {
  kernel: Pair;
  strides: Pair;
  pads: Pads4;
  dilations: Pair;
  /** Output shape, NHWC: core resolves `ceil_mode` into it. */
  out: Shape;
}

export interface AvgPool2DAttrs extends Pool2DAttrs {
  /**
   * true: divide by the window's size clipped to the input plus the explicit pads (PyTorch/ONNX
   * `count_include_pad=1`); false: divide by the number of real input elements in the window.
   */
  countIncludePad: boolean;
}

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'equal' | 'greater';

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'abs' | 'sign' | 'reciprocal';

/** Activations, each with its parameters. Their derivatives are `activationGrad`. */
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

export type ReduceOp = 'sum' | 'max' | 'mean' | 'min';

export interface LRNAttrs {
  /** Window across channels (the last axis). */
  size: number;
  alpha: number;
  beta: number;
  bias: number;
}

export interface Backend<D = unknown> {
  readonly name: string;

  // ---- memory ----
  /** Copies `values` into backend storage. */
  upload(values: Float32Array, shape: Shape): D;
  /** Reads storage back. */
  read(data: D): Promise<Float32Array>;
  /** Synchronous read, where the backend can (a GPU backend may not). */
  readSync?(data: D): Float32Array;
  dispose(data: D): void;
  /** Number of storage buffers alive in this backend (for leak tests). */
  numBuffers(): number;

  // ---- linear algebra ----
  /**
   * Batched matrix product `a[..., M, K] · b[..., K, N]` (after the optional transposes of the last two
   * dims). Leading (batch) dims broadcast numpy-style; `out` is the broadcast result shape.
   */
  matMul(a: KernelTensor<D>, b: KernelTensor<D>, transposeA: boolean, transposeB: boolean, out: Shape): D;

  // ---- convolution: x NHWC, filter HWIO ----
  conv2d(x: KernelTensor<D>, filter: KernelTensor<D>, attrs: Conv2DAttrs, out: Shape): D;
  /** d(conv2d)/dx: the "transposed convolution". `out` is the input shape. */
  conv2dBackpropInput(dy: KernelTensor<D>, filter: KernelTensor<D>, attrs: Conv2DAttrs, out: Shape): D;
  /** d(conv2d)/dfilter. `out` is the filter shape. */
  conv2dBackpropFilter(x: KernelTensor<D>, dy: KernelTensor<D>, attrs: Conv2DAttrs, out: Shape): D;

  // ---- pooling (NHWC); padding never takes part in a max ----
  maxPool(x: KernelTensor<D>, attrs: Pool2DAttrs): D;
  /** Routes each dy to the argmax of its window (first one on ties). */
  maxPoolBackprop(dy: KernelTensor<D>, x: KernelTensor<D>, attrs: Pool2DAttrs): D;
  avgPool(x: KernelTensor<D>, attrs: AvgPool2DAttrs): D;
  avgPoolBackprop(dy: KernelTensor<D>, inputShape: Shape, attrs: AvgPool2DAttrs): D;

  // ---- elementwise ----
  /** Numpy-style broadcasting; `out` is the broadcast shape. `equal`/`greater` give 1 or 0. */
  binary(op: BinaryOp, a: KernelTensor<D>, b: KernelTensor<D>, out: Shape): D;
  unary(op: UnaryOp, x: KernelTensor<D>): D;
  activation(x: KernelTensor<D>, act: Activation): D;
  /** dy * f'(x) for the activation `act`. */
  activationGrad(x: KernelTensor<D>, dy: KernelTensor<D>, act: Activation): D;
  /** `cond ? a : b` elementwise, with `cond != 0`; all three have the shape `out` after broadcasting. */
  where(cond: KernelTensor<D>, a: KernelTensor<D>, b: KernelTensor<D>, out: Shape): D;

  // ---- reductions ----
  /** Reduces over `axes` (sorted, unique, non-negative); `out` keeps reduced dims as 1. */
  reduce(op: ReduceOp, x: KernelTensor<D>, axes: readonly number[], out: Shape): D;
  softmax(x: KernelTensor<D>, axis: number): D;
  logSoftmax(x: KernelTensor<D>, axis: number): D;

  // ---- normalization (channels on the last axis) ----
  /** `(x - mean) / sqrt(variance + epsilon) * scale + offset`, the four vectors of length C. */
  batchNorm(
    x: KernelTensor<D>,
    mean: KernelTensor<D>,
    variance: KernelTensor<D>,
    scale: KernelTensor<D>,
    offset: KernelTensor<D>,
    epsilon: number,
  ): D;
  /** Local response normalization across channels (AlexNet): `x / (bias + alpha/size * Σ x²)^beta`. */
  lrn(x: KernelTensor<D>, attrs: LRNAttrs): D;
  lrnBackprop(x: KernelTensor<D>, dy: KernelTensor<D>, attrs: LRNAttrs): D;

  // ---- layout ----
  concat(xs: readonly KernelTensor<D>[], axis: number, out: Shape): D;
  /** `size` elements from `begin` on each axis. */
  slice(x: KernelTensor<D>, begin: readonly number[], size: readonly number[]): D;
  /** Output axis i is input axis `perm[i]`. */
  transpose(x: KernelTensor<D>, perm: readonly number[], out: Shape): D;
  /** Constant pad: `before[i]`/`after[i]` elements on axis i (non-negative; core turns crops into slices). */
  pad(x: KernelTensor<D>, before: readonly number[], after: readonly number[], value: number, out: Shape): D;
}
