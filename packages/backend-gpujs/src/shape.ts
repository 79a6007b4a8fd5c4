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

/**
 * [min, max] of `offset + Σ c_d·strides[d]` (strides >= 0) over the coordinates of the row-major flat
 * indices [o0, o1) of `dims`: a conservative box (the dims outside the first one where the range's first
 * and last coordinates differ are fixed, the ones inside span their whole extent). The elements an output
 * range of a gather kernel reads, for binding only the texture pages it needs.
 */
export function boxRange(
  dims: readonly number[],
  strides: readonly number[],
  o0: number,
  o1: number,
  offset = 0,
  clip?: readonly (readonly [number, number])[],
): readonly [number, number] {
  const unravel = (o: number) => {
    const c = new Array<number>(dims.length);
    for (let d = dims.length - 1; d >= 0; d--) {
      c[d] = o % dims[d]!;
      o = Math.floor(o / dims[d]!);
    }
    return c;
  };
  const first = unravel(o0);
  const last = unravel(o1 - 1);
  let lo = offset;
  let hi = offset;
  let free = false;
  for (let d = 0; d < dims.length; d++) {
    let a = free ? 0 : first[d]!;
    let b = free ? dims[d]! - 1 : last[d]!;
    if (!free && first[d] !== last[d]) free = true;
    if (clip) {
      a = Math.max(a, clip[d]![0]);
      b = Math.min(b, clip[d]![1]);
      if (b < a) return [offset, offset];
    }
    lo += a * strides[d]!;
    hi += b * strides[d]!;
  }
  return [lo, hi];
}
