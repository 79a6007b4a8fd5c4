/** Batch normalization (inference form) and local response normalization, channels on the last axis. */

import type { KernelTensor, LRNAttrs } from '@cnn/core';
import { gemmEngine } from '../gemm.js';
import { floats } from '../util.js';
import { type WasmHeap, wasmKernel } from '../wasm.js';

type T = KernelTensor<Float32Array>;

function channelsOf(x: T): number {
  return x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
}

/** `(x - mean) / sqrt(variance + epsilon) * scale + offset`, per channel c = index mod C. */
export function batchNorm(x: T, mean: T, variance: T, scale: T, offset: T, epsilon: number): Float32Array {
  const C = channelsOf(x);
  const v = x.data;
  // Fold the per-channel constants once.
  const mu = Float64Array.from(mean.data);
  const k = new Float64Array(C);
  for (let c = 0; c < C; c++) k[c] = scale.data[c] / Math.sqrt(variance.data[c] + epsilon);
  const b = Float64Array.from(offset.data);
  if (gemmEngine() === 'wasm' && C > 0) {
    // the same float64 arithmetic in the module (a JavaScript loop over the arrays is the slow part)
    return wasmKernel([v], v.length, (heap, [xp], yp) => {
      const at = constants(heap, [mu, k, b]);
      heap.mod.batchNorm(xp!, v.length / C, C, at, at + 8 * C, at + 16 * C, yp);
    });
  }
  const y = floats(v.length);
  for (let base = 0; base < v.length; base += C) {
    for (let c = 0; c < C; c++) y[base + c] = (v[base + c] - mu[c]) * k[c] + b[c];
  }
  return y;
}

/**
 * Per-channel float64 vectors copied one after another into the module's scratch (16-byte aligned): the
 * byte offset of the first (the i-th starts `8·C·i` bytes on).
 */
function constants(heap: WasmHeap, vectors: readonly Float64Array[]): number {
  const C = vectors[0]!.length;
  const at = heap.alloc(2 * C * vectors.length);
  const block = new Float64Array(heap.f32().buffer, at, C * vectors.length);
  vectors.forEach((values, i) => block.set(values, i * C));
  return at;
}

/**
 * The batch statistics (training batch norm), [2, C]: row 0 the means, row 1 the population variances,
 * each summed in float64 over the rows in order, the mean kept in float64 for the second pass.
 */
export function moments(x: T): Float32Array {
  const C = channelsOf(x);
  const v = x.data;
  const rows = v.length / C;
  if (gemmEngine() === 'wasm') {
    return wasmKernel([v], 2 * C, (heap, [xp], yp) => heap.mod.moments(xp, rows, C, heap.alloc(4 * C), yp));
  }
  const mean = new Float64Array(C);
  for (let base = 0; base < v.length; base += C) for (let c = 0; c < C; c++) mean[c] += v[base + c];
  for (let c = 0; c < C; c++) mean[c] /= rows;
  const squares = new Float64Array(C);
  for (let base = 0; base < v.length; base += C) {
    for (let c = 0; c < C; c++) {
      const d = v[base + c] - mean[c];
      squares[c] += d * d;
    }
  }
  const y = floats(2 * C);
  for (let c = 0; c < C; c++) {
    y[c] = mean[c];
    y[C + c] = squares[c] / rows;
  }
  return y;
}

/** Training batch norm's gradient sums, [2, C]: Σ dy, then Σ dy · (x - mean), in float64 over the rows (one pass). */
export function batchNormGradSums(x: T, dy: T, mean: T): Float32Array {
  const C = channelsOf(x);
  const rows = x.data.length / C;
  const mu = Float64Array.from(mean.data);
  if (gemmEngine() === 'wasm') {
    return wasmKernel([x.data, dy.data], 2 * C, (heap, [xp, dyp], yp) =>
      heap.mod.batchNormGradSums(xp!, dyp!, rows, C, constants(heap, [mu]), heap.alloc(4 * C), yp),
    );
  }
  const sumDy = new Float64Array(C);
  const sumDyCentered = new Float64Array(C);
  const [xv, g] = [x.data, dy.data];
  for (let base = 0; base < xv.length; base += C) {
    for (let c = 0; c < C; c++) {
      sumDy[c] += g[base + c];
      sumDyCentered[c] += g[base + c] * (xv[base + c] - mu[c]);
    }
  }
  const y = floats(2 * C);
  y.set(sumDy);
  y.set(sumDyCentered, C);
  return y;
}

/**
 * Training batch norm's dx, `scale/σ · (dy - Σdy/count - (x - mean)/σ² · Σdy(x - mean)/count)`, as
 * `dy · a + (x - mean) · b + c0` with the per-channel a, b, c0 folded once in float64.
 */
export function batchNormBackprop(
  x: T,
  dy: T,
  mean: T,
  variance: T,
  scale: T,
  sums: T,
  epsilon: number,
): Float32Array {
  const C = channelsOf(x);
  const rows = x.data.length / C;
  const mu = Float64Array.from(mean.data);
  const [a, b, c0] = [new Float64Array(C), new Float64Array(C), new Float64Array(C)];
  for (let c = 0; c < C; c++) {
    const invStd = 1 / Math.sqrt(variance.data[c] + epsilon);
    a[c] = scale.data[c] * invStd;
    b[c] = (-a[c] * invStd * invStd * sums.data[C + c]) / rows;
    c0[c] = (-a[c] * sums.data[c]) / rows;
  }
  if (gemmEngine() === 'wasm') {
    return wasmKernel([x.data, dy.data], x.data.length, (heap, [xp, dyp], yp) =>
      heap.mod.batchNormBackprop(xp!, dyp!, rows, C, constants(heap, [mu, a, b, c0]), yp),
    );
  }
  const [xv, g] = [x.data, dy.data];
  const dx = floats(xv.length);
  for (let base = 0; base < xv.length; base += C) {
    for (let c = 0; c < C; c++) {
      dx[base + c] = g[base + c] * a[c] + (xv[base + c] - mu[c]) * b[c] + c0[c];
    }
  }
  return dx;
}

/**
 * ONNX LRN window of channel c: [c - floor((size-1)/2), c + ceil((size-1)/2)], clipped to the channels.
 * Returns [below, above] (how far the window reaches each way).
 */
function reach(size: number): [number, number] {
  return [Math.floor((size - 1) / 2), Math.ceil((size - 1) / 2)];
}

/**
 * y = x / s^beta, s = bias + alpha/size * (sum of x^2 over the window). Window sums come from a running
 * prefix sum of squares over each pixel's channels (float64).
 */
export function lrn(x: T, attrs: LRNAttrs): Float32Array {
  const { size, alpha, beta, bias } = attrs;
  const [below, above] = reach(size);
  const C = channelsOf(x);
  const v = x.data;
  const y = floats(v.length);
  const prefix = new Float64Array(C + 1);
  for (let base = 0; base < v.length; base += C) {
    for (let c = 0; c < C; c++) prefix[c + 1] = prefix[c] + v[base + c] * v[base + c];
    for (let c = 0; c < C; c++) {
      const sq = prefix[Math.min(C, c + above + 1)] - prefix[Math.max(0, c - below)];
      y[base + c] = v[base + c] * (bias + (alpha / size) * sq) ** -beta;
    }
  }
  return y;
}

/**
 * Exact gradient of `lrn`: with s_j = bias + alpha/size * sum_{k in window(j)} x_k^2,
 *   dx_i = dy_i * s_i^-beta - (2*alpha*beta/size) * x_i * sum_{j : i in window(j)} dy_j * x_j * s_j^(-beta-1).
 * i lies in window(j) exactly when j is in [i - above, i + below], so the second sum is again a window sum,
 * taken over prefix sums of t_j = dy_j * x_j * s_j^(-beta-1).
 */
export function lrnBackprop(x: T, dy: T, attrs: LRNAttrs): Float32Array {
  const { size, alpha, beta, bias } = attrs;
  const [below, above] = reach(size);
  const C = channelsOf(x);
  const v = x.data;
  const g = dy.data;
  const dx = floats(v.length);
  const prefix = new Float64Array(C + 1);
  const s = new Float64Array(C);
  const tPrefix = new Float64Array(C + 1);
  const coeff = (2 * alpha * beta) / size;
  for (let base = 0; base < v.length; base += C) {
    for (let c = 0; c < C; c++) prefix[c + 1] = prefix[c] + v[base + c] * v[base + c];
    for (let c = 0; c < C; c++) {
      const sq = prefix[Math.min(C, c + above + 1)] - prefix[Math.max(0, c - below)];
      s[c] = bias + (alpha / size) * sq;
      tPrefix[c + 1] = tPrefix[c] + g[base + c] * v[base + c] * s[c] ** (-beta - 1);
    }
    for (let c = 0; c < C; c++) {
      const t = tPrefix[Math.min(C, c + below + 1)] - tPrefix[Math.max(0, c - above)];
      dx[base + c] = g[base + c] * s[c] ** -beta - coeff * v[base + c] * t;
    }
  }
  return dx;
}
