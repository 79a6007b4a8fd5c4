/** Shape helpers shared by the kernels: sizes, row-major strides and broadcast iteration plans. */

import type { Shape } from '@cnn/core';

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Product of `shape[from..to)`. */
export function prod(shape: Shape, from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i];
  return n;
}

/**
 * Strides for reading an input of shape `inShape` while walking the (larger) shape `outShape`, numpy-style:
 * shapes are right-aligned, and a missing or size-1 input dim that the output stretches gets stride 0.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const own = stridesOf(inShape);
  const offset = outShape.length - inShape.length;
  const strides = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    if (inShape[i] !== 1 || outShape[i + offset] === 1) strides[i + offset] = own[i];
  }
  return strides;
}

/**
 * A walk over `shape` reading several operands through their own strides, with adjacent dims merged
 * wherever every operand steps through them contiguously (e.g. `[N,H,W,C] + [C]` becomes `[N*H*W, C]`),
 * so that the innermost loop is as long as possible.
 */
export interface StridedPlan {
  shape: number[];
  /** `strides[operand][dim]`. */
  strides: number[][];
}

export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): StridedPlan {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue; // a size-1 dim never moves any index
    const last = outShape.length - 1;
    // dim `d` folds into the previous kept dim when, for every operand, stepping the previous dim once equals
    // stepping dim `d` through its whole extent.
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => {
        outStrides[k][last] = s[d];
      });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => {
        outStrides[k].push(s[d]);
      });
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => {
      s.push(0);
    });
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Calls `row(offsets)` once per innermost row of the plan, where `offsets[k]` is operand k's element offset
 * at the row's start (plus `start[k]`); the row runs `plan.shape[last]` elements, operand k stepping by
 * `plan.strides[k][last]`. `offsets` is reused between calls.
 */
export function forEachRow(
  plan: StridedPlan,
  row: (offsets: number[]) => void,
  start?: readonly number[],
): void {
  const { shape, strides } = plan;
  const rank = shape.length;
  const nOps = strides.length;
  const offsets = start ? [...start] : new Array<number>(nOps).fill(0);
  if (rank === 1) {
    row(offsets);
    return;
  }
  const outer = prod(shape, 0, rank - 1);
  const counter = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < outer; r++) {
    row(offsets);
    // advance the odometer over the outer dims
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      for (let k = 0; k < nOps; k++) offsets[k] += strides[k][d];
      if (counter[d] < shape[d]) break;
      for (let k = 0; k < nOps; k++) offsets[k] -= strides[k][d] * shape[d];
      counter[d] = 0;
    }
  }
}

// ---- buffer reuse ----

/**
 * Buffers of disposed tensors, by length, for the next kernel output of that length. A fresh large typed
 * array costs more than most kernels that fill it: the engine zeroes it and every page faults on first
 * touch (~3 ns per float on the bench machine, against ~1 ns for a whole elementwise op). Training repeats
 * the same shapes every step, so nearly every output finds a buffer here.
 */
const pool = new Map<number, Float32Array[]>();
let pooledFloats = 0;
/** What the pool may hold at most (256 MiB); buffers beyond that are left to the garbage collector. */
const MAX_POOLED_FLOATS = 1 << 26;
/** Below this, the engine's own young-generation allocation is cheaper than bookkeeping. */
const MIN_POOLED_FLOATS = 1 << 10;

/**
 * A Float32Array of `n` floats, a recycled one where the pool has that length: zero-filled, or (`zeroed`
 * false, for a caller that overwrites every element) with whatever a recycled one held.
 */
export function floats(n: number, zeroed = true): Float32Array {
  const reused = n >= MIN_POOLED_FLOATS ? pool.get(n)?.pop() : undefined;
  if (!reused) return new Float32Array(n);
  pooledFloats -= n;
  return zeroed ? reused.fill(0) : reused;
}

/**
 * Hands a buffer nobody uses any more back to `floats`. Only whole, unshared buffers are kept (never a
 * view into a larger one, nor WebAssembly memory).
 */
export function recycle(a: Float32Array): void {
  const n = a.length;
  if (n < MIN_POOLED_FLOATS || pooledFloats + n > MAX_POOLED_FLOATS) return;
  if (a.byteOffset !== 0 || !(a.buffer instanceof ArrayBuffer) || a.buffer.byteLength !== n * 4) return;
  let list = pool.get(n);
  if (!list) pool.set(n, (list = []));
  list.push(a);
  pooledFloats += n;
}

/** Float64 sums rounded once to float32, into a (recycled) buffer. */
export function rounded(sums: Float64Array): Float32Array {
  const y = floats(sums.length);
  y.set(sums);
  return y;
}

/** `length` cut into at most `parts` contiguous ranges [from, count], one per thread. */
export function ranges(length: number, parts: number): [number, number][] {
  const step = Math.max(1, Math.ceil(length / parts));
  const out: [number, number][] = [];
  for (let from = 0; from < length; from += step) out.push([from, Math.min(step, length - from)]);
  return out;
}
