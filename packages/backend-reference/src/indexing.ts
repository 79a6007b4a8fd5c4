/**
 * Index arithmetic for row-major tensors: sizes, strides, flat index <-> multi-index, and numpy
 * broadcasting of a multi-index onto a smaller operand. Every kernel is written with these.
 */

import type { Shape } from '@cnn/core';

/** The number of elements of a shape (1 for a scalar `[]`). */
export function size(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides: `strides[i]` is how far the flat index moves when index i grows by one. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** The multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    index[i] = flat % d;
    flat = Math.floor(flat / d);
  }
  return index;
}

/** The flat position of multi-index `index` given the tensor's strides. */
export function ravel(index: readonly number[], strides: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < index.length; i++) flat += index[i] * strides[i];
  return flat;
}

/**
 * numpy broadcasting, as strides: the strides of an operand of shape `shape` seen through an output of rank
 * `outRank`. Dims are right-aligned; the operand's missing leading dims and its size-1 dims get stride 0
 * (they always read index 0), so `ravel(outIndex, broadcastStrides(shape, out.length))` is the operand's
 * flat position that feeds output multi-index `outIndex`.
 */
export function broadcastStrides(shape: Shape, outRank: number): number[] {
  const own = stridesOf(shape);
  const offset = outRank - shape.length;
  const strides = new Array<number>(outRank).fill(0);
  for (let i = 0; i < shape.length; i++) strides[i + offset] = shape[i] === 1 ? 0 : own[i];
  return strides;
}
