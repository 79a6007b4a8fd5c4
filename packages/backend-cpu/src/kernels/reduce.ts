/** Reductions over axes, and softmax / logSoftmax along one axis. Sums are accumulated in float64. */

import type { KernelTensor, ReduceOp, Shape } from '@cnn/core';
import { gemmEngine } from '../gemm.js';
import { broadcastStrides, coalesce, floats, forEachRow, prod, rounded, sizeOf, stridesOf } from '../util.js';
import { wasmKernel } from '../wasm.js';

type T = KernelTensor<Float32Array>;

/**
 * Walks x once in memory order; each element lands in the output cell found through the output's strides
 * broadcast back to x's shape (stride 0 along every reduced axis, since `out` keeps those dims as 1).
 */
export function reduce(op: ReduceOp, x: T, axes: readonly number[], out: Shape): Float32Array {
  const outSize = sizeOf(out);
  if ((op === 'sum' || op === 'mean') && gemmEngine() === 'wasm') {
    const y = wasmSumRows(x, out, op === 'mean' ? sizeOf(x.shape) / outSize : 1);
    if (y) return y;
  }
  const acc = new Float64Array(outSize);
  const init = op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
  acc.fill(init);
  const data = x.data;
  if (data.length > 0) {
    const plan = coalesce(x.shape, [stridesOf(x.shape), broadcastStrides(out, x.shape)]);
    const last = plan.shape.length - 1;
    const n = plan.shape[last];
    const sx = plan.strides[0][last];
    const so = plan.strides[1][last];
    if (last === 1 && plan.strides[1][0] === 0 && so === 1 && (op === 'sum' || op === 'mean')) {
      // Leading rows summed into one vector (a bias gradient over NHWC channels): a plain double loop.
      for (let r = 0, xi = 0; r < plan.shape[0]; r++, xi += plan.strides[0][0])
        for (let t = 0; t < n; t++) acc[t] += data[xi + t * sx];
    } else
      forEachRow(plan, ([xi, oi]) => {
        if (so === 0) {
          // the innermost run is reduced into a single cell
          let a = acc[oi];
          if (op === 'max') for (let t = 0; t < n; t++, xi += sx) a = Math.max(a, data[xi]);
          else if (op === 'min') for (let t = 0; t < n; t++, xi += sx) a = Math.min(a, data[xi]);
          else for (let t = 0; t < n; t++, xi += sx) a += data[xi];
          acc[oi] = a;
        } else if (op === 'max') {
          for (let t = 0; t < n; t++, xi += sx, oi += so) acc[oi] = Math.max(acc[oi], data[xi]);
        } else if (op === 'min') {
          for (let t = 0; t < n; t++, xi += sx, oi += so) acc[oi] = Math.min(acc[oi], data[xi]);
        } else {
          for (let t = 0; t < n; t++, xi += sx, oi += so) acc[oi] += data[xi];
        }
      });
  }
  if (op === 'mean') {
    const count = axes.reduce((c, a) => c * x.shape[a], 1);
    for (let i = 0; i < outSize; i++) acc[i] /= count;
  }
  return rounded(acc);
}

/**
 * A sum (or mean: `divisor` is the count) of contiguous leading rows into one vector (a bias gradient, a
 * batch norm's statistics over NHWC channels) on the SIMD kernel, with the TypeScript loop's float64 sums
 * in the same order and its float64 division; null for any other reduction.
 */
function wasmSumRows(x: T, out: Shape, divisor: number): Float32Array | null {
  if (x.data.length === 0) return null;
  const plan = coalesce(x.shape, [stridesOf(x.shape), broadcastStrides(out, x.shape)]);
  if (plan.shape.length !== 2) return null;
  const [rows, cols] = plan.shape;
  const [[xRow, xCol], [outRow, outCol]] = plan.strides;
  if (xRow !== cols || xCol !== 1 || outRow !== 0 || outCol !== 1) return null;
  return wasmKernel([x.data], cols, (heap, [xp], yp) =>
    heap.mod.sumRows(xp, rows, cols, divisor, heap.alloc(2 * cols), yp),
  );
}

/** Calls `lane(start, stride, len)` for every 1-D lane of `shape` along `axis` (stride = elements per step). */
function forEachLane(shape: Shape, axis: number, lane: (start: number, stride: number, len: number) => void) {
  const outer = prod(shape, 0, axis);
  const len = shape[axis];
  const inner = prod(shape, axis + 1);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) lane(o * len * inner + i, inner, len);
  }
}

/** exp(x - max) / sum(exp(x - max)) along `axis`; subtracting the max keeps every exp <= 1. */
export function softmax(x: T, axis: number): Float32Array {
  const v = x.data;
  const y = floats(v.length);
  const e = new Float64Array(x.shape[axis]);
  forEachLane(x.shape, axis, (start, stride, len) => {
    let max = -Infinity;
    for (let t = 0, i = start; t < len; t++, i += stride) max = Math.max(max, v[i]);
    let sum = 0;
    for (let t = 0, i = start; t < len; t++, i += stride) sum += e[t] = Math.exp(v[i] - max);
    const inv = 1 / sum;
    for (let t = 0, i = start; t < len; t++, i += stride) y[i] = e[t] * inv;
  });
  return y;
}

/** x - max - log(sum(exp(x - max))) along `axis`. */
export function logSoftmax(x: T, axis: number): Float32Array {
  const v = x.data;
  const y = floats(v.length);
  forEachLane(x.shape, axis, (start, stride, len) => {
    let max = -Infinity;
    for (let t = 0, i = start; t < len; t++, i += stride) max = Math.max(max, v[i]);
    let sum = 0;
    for (let t = 0, i = start; t < len; t++, i += stride) sum += Math.exp(v[i] - max);
    const shift = max + Math.log(sum);
    for (let t = 0, i = start; t < len; t++, i += stride) y[i] = v[i] - shift;
  });
  return y;
}
