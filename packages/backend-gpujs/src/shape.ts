/**
 * Host-side shape arithmetic: sizes, row-major strides, numpy broadcasting as strides, and merging of
 * adjacent dims that move together (so a kernel sees the lowest rank that describes the same addresses,
 * and fewer kernels are compiled: a [2, 3, 4] + [2, 3, 4] add and a [24] + [24] add are one kernel).
 */

import type { Shape } from '@cnn/core';

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** The strides of `shape` seen through an output of rank `rank` (right-aligned; broadcast dims get 0). */
export function broadcastStrides(shape: Shape, rank: number): number[] {
  const own = stridesOf(shape);
  const offset = rank - shape.length;
  const strides = new Array<number>(rank).fill(0);
  for (let i = 0; i < shape.length; i++) strides[i + offset] = shape[i] === 1 ? 0 : own[i]!;
  return strides;
}

/**
 * Merges adjacent dims of an output of shape `dims` read through several operands' `strides`: dims i and
 * i+1 merge when every operand addresses them as one dim (stride[i] = stride[i+1]·dims[i+1]). Size-1 dims
 * are dropped. Returns the merged dims and each operand's merged strides (at least one dim).
 */
export function mergeDims(
  dims: Shape,
  strides: readonly (readonly number[])[],
): { dims: number[]; strides: number[][] } {
  const outDims: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i]!;
    if (d === 1) continue;
    const last = outDims.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[i]! * d);
    if (mergeable) {
      outDims[last] = outDims[last]! * d;
      strides.forEach((s, k) => (outStrides[k]![last] = s[i]!));
    } else {
      outDims.push(d);
      strides.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  }
  if (outDims.length === 0) {
    outDims.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { dims: outDims, strides: outStrides };
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
