/** What every kernel file shares: the tensor type kernels see, and shape helpers. */

import type { KernelTensor, Shape } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** A kernel argument: core's shape plus the tfjs tensor holding the values. */
export type T = KernelTensor<tf.Tensor>;

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The tfjs tensor of a kernel argument in the shape core gives it. Core's reshape shares storage, so the
 * stored tfjs tensor may have another shape; a tfjs reshape is a free view (disposed by the kernel's tidy).
 */
export function input(t: T): tf.Tensor {
  return sameShape(t.data.shape, t.shape) ? t.data : tf.reshape(t.data, [...t.shape]);
}

/** `input` for an NHWC activation or HWIO filter. */
export function input4d(t: T): tf.Tensor4D {
  return input(t) as tf.Tensor4D;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** 1 where `cond` holds, else 0, as float32 (tfjs comparisons give bool tensors). */
export function mask(cond: tf.Tensor): tf.Tensor {
  return tf.cast(cond, 'float32');
}

/** Where x is NaN (a bool tensor): NaN is the one value not equal to itself. */
export function isNaNMask(x: tf.Tensor): tf.Tensor {
  return tf.notEqual(x, x);
}
