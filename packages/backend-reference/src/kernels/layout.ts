/**
 * Data movement: concat, slice, transpose, pad. Each loops over the output elements and computes, from
 * the output multi-index, which input element (if any) it copies.
 */

import type { KernelTensor, Shape } from '@cnn/core';
import { ravel, size, stridesOf, unravel } from '../indexing.js';

type T = KernelTensor<Float32Array>;

/** Joins `xs` along `axis`: output index k along the axis belongs to the input whose range holds k. */
export function concat(xs: readonly T[], axis: number, out: Shape): Float32Array {
  const partStrides = xs.map((x) => stridesOf(x.shape));
  const y = new Float32Array(size(out));
  for (let flat = 0; flat < y.length; flat++) {
    const index = unravel(flat, out);
    let part = 0;
    while (index[axis] >= xs[part].shape[axis]) {
      index[axis] -= xs[part].shape[axis];
      part++;
    }
    y[flat] = xs[part].data[ravel(index, partStrides[part])];
  }
  return y;
}

/** y[index] = x[begin + index]. */
export function slice(x: T, begin: readonly number[], out: Shape): Float32Array {
  const xStrides = stridesOf(x.shape);
  const y = new Float32Array(size(out));
  for (let flat = 0; flat < y.length; flat++) {
    const index = unravel(flat, out).map((k, axis) => begin[axis] + k);
    y[flat] = x.data[ravel(index, xStrides)];
  }
  return y;
}

/** Output axis i is input axis perm[i]: y[index] = x[source] with source[perm[i]] = index[i]. */
export function transpose(x: T, perm: readonly number[], out: Shape): Float32Array {
  const xStrides = stridesOf(x.shape);
  const y = new Float32Array(size(out));
  for (let flat = 0; flat < y.length; flat++) {
    const index = unravel(flat, out);
    const source = new Array<number>(x.shape.length);
    perm.forEach((inputAxis, i) => {
      source[inputAxis] = index[i];
    });
    y[flat] = x.data[ravel(source, xStrides)];
  }
  return y;
}

/** y[index] = x[index - before] where that lies inside x, else `value`. */
export function pad(
  x: T,
  before: readonly number[],
  _after: readonly number[],
  value: number,
  out: Shape,
): Float32Array {
  const xStrides = stridesOf(x.shape);
  const y = new Float32Array(size(out));
  for (let flat = 0; flat < y.length; flat++) {
    const source = unravel(flat, out).map((k, axis) => k - before[axis]);
    const inside = source.every((k, axis) => k >= 0 && k < x.shape[axis]);
    y[flat] = inside ? x.data[ravel(source, xStrides)] : value;
  }
  return y;
}
