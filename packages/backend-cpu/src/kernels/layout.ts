/**
 * Data movement: concat, slice, transpose, pad. Each is a strided copy between two index spaces, done as
 * rows over a coalesced plan (see `coalesce` in util.ts).
 */

import type { KernelTensor, Shape } from '@cnn/core';
import { coalesce, floats, forEachRow, prod, sizeOf, stridesOf } from '../util.js';

type T = KernelTensor<Float32Array>;

/**
 * Copies the elements of `shape` from `src` (strides `srcStrides`, starting at `srcStart`) to `dst`
 * (strides `dstStrides`, starting at `dstStart`).
 */
function stridedCopy(
  shape: Shape,
  src: Float32Array,
  srcStrides: readonly number[],
  srcStart: number,
  dst: Float32Array,
  dstStrides: readonly number[],
  dstStart: number,
): void {
  if (sizeOf(shape) === 0) return;
  const plan = coalesce(shape, [srcStrides, dstStrides]);
  const last = plan.shape.length - 1;
  const n = plan.shape[last];
  const ss = plan.strides[0][last];
  const ds = plan.strides[1][last];
  forEachRow(
    plan,
    ([si, di]) => {
      if (ss === 1 && ds === 1 && n >= 64) dst.set(src.subarray(si, si + n), di);
      else for (let t = 0; t < n; t++, si += ss, di += ds) dst[di] = src[si];
    },
    [srcStart, dstStart],
  );
}

/** Inputs laid side by side along `axis`: each one fills a slab of `shape[axis]` positions in turn. */
export function concat(xs: readonly T[], axis: number, out: Shape): Float32Array {
  const y = floats(sizeOf(out));
  const outStrides = stridesOf(out);
  let position = 0;
  for (const x of xs) {
    stridedCopy(x.shape, x.data, stridesOf(x.shape), 0, y, outStrides, position * outStrides[axis]);
    position += x.shape[axis];
  }
  return y;
}

export function slice(x: T, begin: readonly number[], size: readonly number[]): Float32Array {
  const y = floats(prod(size));
  const xStrides = stridesOf(x.shape);
  const start = begin.reduce((acc, b, i) => acc + b * xStrides[i], 0);
  stridedCopy(size, x.data, xStrides, start, y, stridesOf(size), 0);
  return y;
}

/** Output axis i is input axis perm[i]: walk the output in order, reading x through its permuted strides. */
export function transpose(x: T, perm: readonly number[], out: Shape): Float32Array {
  const y = floats(sizeOf(out));
  const xStrides = stridesOf(x.shape);
  stridedCopy(
    out,
    x.data,
    perm.map((p) => xStrides[p]),
    0,
    y,
    stridesOf(out),
    0,
  );
  return y;
}

/** Output filled with `value`, then x copied in at offset `before`. */
export function pad(
  x: T,
  before: readonly number[],
  _after: readonly number[],
  value: number,
  out: Shape,
): Float32Array {
  const y = floats(sizeOf(out));
  if (value !== 0) y.fill(value);
  const outStrides = stridesOf(out);
  const start = before.reduce((acc, b, i) => acc + b * outStrides[i], 0);
  stridedCopy(x.shape, x.data, stridesOf(x.shape), 0, y, outStrides, start);
  return y;
}
