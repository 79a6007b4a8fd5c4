/**
 * The CPU backend: every kernel of core's `Backend` interface on Float32Array, in TypeScript or in the
 * WebAssembly SIMD module (`assembly/`, loaded by `wasm.ts`).
 *
 * This file only wires kernels to the interface and keeps the buffer count; the kernels live in `kernels/`
 * (one file per family; each takes the SIMD path when the engine is 'wasm') and the matrix multiply they
 * share in `gemm.ts`.
 */

import { type Backend, type OptionalKernels, registerBackend } from '@cnn/core';
import { type GemmEngine, withGemmEngine } from './gemm.js';
import { activation, activationGrad } from './kernels/activation.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2d.js';
import { binary, broadcastTo, unary, where } from './kernels/elementwise.js';
import { concat, pad, slice, transpose } from './kernels/layout.js';
import { matMul } from './kernels/matmul.js';
import {
  batchNorm,
  batchNormBackprop,
  batchNormGradSums,
  lrn,
  lrnBackprop,
  moments,
} from './kernels/normalization.js';
import { avgPool, avgPoolBackprop, maxPool, maxPoolBackprop } from './kernels/pool.js';
import { logSoftmax, reduce, softmax } from './kernels/reduce.js';
import { hardwareThreads } from './threads.js';
import { floats, recycle } from './util.js';
import {
  DEFAULT_MIN_PART_WORK,
  ensureThreads,
  releaseResident,
  threadsReady,
  wasmAvailable,
  wasmHeap,
  withThreads,
} from './wasm.js';

/** The CPU backend: the whole contract, optional kernels included. */
export type CpuBackend = Backend<Float32Array> &
  OptionalKernels<Float32Array> & {
    /** The GEMM engine this instance uses. */
    readonly gemm: GemmEngine;
    /** Threads its GEMMs may use, the calling thread included. */
    readonly threads: number;
    /**
     * Resolves once its worker threads have booted. Until then GEMMs run on the threads that are up (the
     * results are the same); benchmarks and tests that must see every thread wait for this.
     */
    whenThreadsReady(): Promise<void>;
  };

/** Options of `cpu()`. */
export interface CpuOptions {
  /**
   * The engine: 'wasm', the WebAssembly SIMD kernels (the GEMM under matMul and the convolutions, with
   * float32 sums; the elementwise, pooling, reduction and batch-norm hot paths, bit-identical to the
   * TypeScript ones; the default where WebAssembly SIMD runs), or 'js', every kernel in TypeScript (float64
   * sums; the tested fallback). Asking for 'wasm' where it cannot run is an error.
   */
  gemm?: GemmEngine;
  /**
   * Threads the SIMD GEMM (under matMul and the convolutions) may use, the calling thread included. The
   * default is one per core where worker threads with shared WebAssembly memory run (Node; a browser page
   * that is cross-origin isolated), else 1. Results are bit-identical for every thread count. Asking for
   * more than 1 where threads cannot run is an error. Backends share one pool of worker threads.
   */
  threads?: number;
  /**
   * The least work (multiply-adds) worth a thread's part of a GEMM (default 2^18): smaller GEMMs run on
   * fewer threads. 0 splits every GEMM (tests use it to put the threaded path under small cases).
   */
  minWorkPerThread?: number;
}

/** The thread count for `cpu()`: the option checked, or the default (one per core where threads run). */
function chooseThreads(engine: GemmEngine, asked: number | undefined): number {
  if (asked === undefined) {
    if (engine !== 'wasm') return 1;
    const threads = hardwareThreads();
    return ensureThreads(threads) === null ? threads : 1;
  }
  if (!Number.isInteger(asked) || asked < 1)
    throw new Error(`cpu: threads must be a positive integer, got ${String(asked)}`);
  if (asked > 1) {
    if (engine !== 'wasm')
      throw new Error(`cpu: threads: ${asked} needs gemm 'wasm' (the TypeScript GEMM is single-threaded)`);
    const why = ensureThreads(asked);
    if (why) throw new Error(`cpu: threads: ${asked} cannot run here: ${why}; use cpu({ threads: 1 })`);
  }
  return asked;
}

/** A fresh CPU backend with its own buffer bookkeeping. */
export function cpu(options: CpuOptions = {}): CpuBackend {
  const wasm = wasmAvailable();
  const engine: GemmEngine = options.gemm ?? (wasm.available ? 'wasm' : 'js');
  if (engine !== 'wasm' && engine !== 'js')
    throw new Error(`cpu: gemm must be 'wasm' or 'js', got '${engine}'`);
  if (engine === 'wasm' && !wasm.available) {
    throw new Error(
      `cpu: the WebAssembly SIMD GEMM cannot run here (${wasm.reason}); use cpu({ gemm: 'js' })`,
    );
  }
  const threads = chooseThreads(engine, options.threads);
  const minWork = options.minWorkPerThread ?? DEFAULT_MIN_PART_WORK;
  if (typeof minWork !== 'number' || !(minWork >= 0))
    throw new Error(`cpu: minWorkPerThread must be a number >= 0, got ${String(minWork)}`);
  // Every buffer this backend handed out and that was not disposed yet: uploads and kernel outputs.
  const live = new Set<Float32Array>();
  const track = (data: Float32Array): Float32Array => {
    live.add(data);
    return data;
  };
  /** Runs a kernel on this backend's GEMM and tracks its output. */
  const run = (kernel: () => Float32Array): Float32Array =>
    track(withGemmEngine(engine, () => withThreads(threads, minWork, kernel)));

  return {
    name: 'cpu',
    gemm: engine,
    threads,
    whenThreadsReady: () => threadsReady(threads),

    upload: (values) => {
      // Where tensors live in the SIMD module's memory, uploads go there too.
      const resident = engine === 'wasm' ? wasmHeap().adopt(values) : null;
      if (resident) return track(resident);
      const data = floats(values.length, false);
      data.set(values);
      return track(data);
    },
    read: (data) => Promise.resolve(data.slice()),
    readSync: (data) => data.slice(),
    // Its buffer goes back to the pool only if this backend handed it out and it was live: a second
    // dispose, or a foreign array, must never put a buffer in use up for reuse.
    dispose: (data) => {
      if (live.delete(data) && !releaseResident(data)) recycle(data);
    },
    numBuffers: () => live.size,

    matMul: (a, b, transposeA, transposeB, out) => run(() => matMul(a, b, transposeA, transposeB, out)),

    conv2d: (x, filter, attrs, out) => run(() => conv2d(x, filter, attrs, out)),
    conv2dBackpropInput: (dy, filter, attrs, out) => run(() => conv2dBackpropInput(dy, filter, attrs, out)),
    conv2dBackpropFilter: (x, dy, attrs, out) => run(() => conv2dBackpropFilter(x, dy, attrs, out)),

    maxPool: (x, attrs, out) => run(() => maxPool(x, attrs, out)),
    maxPoolBackprop: (dy, x, attrs, out) => run(() => maxPoolBackprop(dy, x, attrs, out)),
    avgPool: (x, attrs, out) => track(avgPool(x, attrs, out)),
    avgPoolBackprop: (dy, attrs, out) => track(avgPoolBackprop(dy, attrs, out)),

    binary: (op, a, b, out) => run(() => binary(op, a, b, out)),
    unary: (op, x) => run(() => unary(op, x)),
    activation: (x, act) => run(() => activation(x, act)),

    reduce: (op, x, axes, out) => run(() => reduce(op, x, axes, out)),

    concat: (xs, axis, out) => track(concat(xs, axis, out)),
    slice: (x, begin, out) => track(slice(x, begin, out)),
    transpose: (x, perm, out) => track(transpose(x, perm, out)),
    pad: (x, before, after, value, out) => track(pad(x, before, after, value, out)),

    // ---- optional kernels (fused forms core would otherwise compose) ----
    activationGrad: (x, dy, act) => run(() => activationGrad(x, dy, act)),
    where: (cond, a, b, out) => track(where(cond, a, b, out)),
    broadcastTo: (x, out) => run(() => broadcastTo(x, out)),
    softmax: (x, axis) => track(softmax(x, axis)),
    logSoftmax: (x, axis) => track(logSoftmax(x, axis)),
    batchNorm: (x, mean, variance, scale, offset, epsilon) =>
      run(() => batchNorm(x, mean, variance, scale, offset, epsilon)),
    moments: (x) => run(() => moments(x)),
    batchNormGradSums: (x, dy, mean) => run(() => batchNormGradSums(x, dy, mean)),
    batchNormBackprop: (x, dy, mean, variance, scale, sums, epsilon) =>
      run(() => batchNormBackprop(x, dy, mean, variance, scale, sums, epsilon)),
    lrn: (x, attrs) => track(lrn(x, attrs)),
    lrnBackprop: (x, dy, attrs) => track(lrnBackprop(x, dy, attrs)),
  };
}

/** The factory the conformance CLI and `describeBackend` look for: `cpu`. */
export const createBackend = cpu;
export type { GemmEngine } from './gemm.js';
export default cpu;

// Importing this package makes `setBackend('cpu')` work.
registerBackend({
  name: 'cpu',
  create: () => cpu(),
  priority: 2,
  description: 'WebAssembly SIMD (threads) or TypeScript kernels on Float32Array: im2col + packed GEMM',
});
