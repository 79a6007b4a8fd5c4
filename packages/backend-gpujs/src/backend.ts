/**
 * The Backend object: core's contract (packages/core/src/backend.ts) wired to the GPU kernels. Every
 * kernel returns new storage (a `GpuData` handle: texture pages + shape) and never reads back: tensors
 * stay on the GPU from kernel to kernel, and only `read`/`readSync` transfer values to the host.
 */

import type { Backend } from '@cnn/core';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2d.js';
import { activation, activationGrad, binary, unary } from './kernels/elementwise.js';
import { matMul } from './kernels/gemm.js';
import { broadcastTo, concat, pad, slice, transpose } from './kernels/layout.js';
import { avgPool, avgPoolBackprop, maxPool, maxPoolBackprop } from './kernels/pool.js';
import { reduce } from './kernels/reduce.js';
import { type GpuData, type GpujsMode, Runtime, type RuntimeOptions, type RuntimeStats } from './runtime.js';

/** Options of `gpujs()`: the gpu.js mode, texture limits and the other runtime settings. */
export interface GpujsOptions extends RuntimeOptions {}

/** The backend, plus what it reports about itself. */
export interface GpujsBackend extends Backend<GpuData> {
  /** The gpu.js mode it really runs in ('headlessgl' in Node, 'webgl2' in browsers, or 'cpu' on request). */
  readonly mode: GpujsMode;
  /** The gpu.js kernel class in use (HeadlessGLKernel, WebGL2Kernel, WebGLKernel, CPUKernel). */
  readonly kernelClass: string;
  /** The WebGL context's renderer and limits, and the limits in use. */
  readonly info: Runtime['info'] & {
    pageElements: number;
    maxTextureSizeInUse: number;
    textureBudget: number;
  };
  /** Read-backs, compiles, shader programs, live textures, kernel calls so far. */
  stats(): RuntimeStats;
  /** Releases every texture, kernel and the WebGL context. */
  destroy(): void;
}

/**
 * A backend on gpu.js. Default mode: 'headlessgl' in Node, 'webgl2' in browsers; without WebGL it throws
 * an error saying what to install. `{ mode: 'cpu' }` runs gpu.js's JavaScript mode (debugging only; the
 * name then says so: 'gpujs-cpu').
 */
export function gpujs(options: GpujsOptions = {}): GpujsBackend {
  const rt = new Runtime(options);
  const name = rt.mode === 'cpu' ? 'gpujs-cpu' : 'gpujs';
  return {
    name,
    mode: rt.mode,
    kernelClass: rt.kernelClassName,
    info: {
      ...rt.info,
      pageElements: rt.pageElements,
      maxTextureSizeInUse: rt.maxTextureSize,
      textureBudget: rt.textureBudget,
    },
    stats: () => rt.stats(),
    destroy: () => rt.destroy(),

    // ---- memory ----
    upload: (values, shape) => rt.upload(values, shape),
    // Textures read synchronously (readPixels); the promise is for the contract.
    read: (data) => {
      try {
        return Promise.resolve(rt.readSync(data));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    readSync: (data) => rt.readSync(data),
    dispose: (data) => rt.dispose(data),
    numBuffers: () => rt.numBuffers(),

    // ---- the 16 required kernels ----
    matMul: (a, b, transposeA, transposeB, out) => matMul(rt, a, b, transposeA, transposeB, out),
    conv2d: (x, filter, attrs, out) => conv2d(rt, x, filter, attrs, out),
    conv2dBackpropInput: (dy, filter, attrs, out) => conv2dBackpropInput(rt, dy, filter, attrs, out),
    conv2dBackpropFilter: (x, dy, attrs, out) => conv2dBackpropFilter(rt, x, dy, attrs, out),
    maxPool: (x, attrs, out) => maxPool(rt, x, attrs, out),
    maxPoolBackprop: (dy, x, attrs, out) => maxPoolBackprop(rt, dy, x, attrs, out),
    avgPool: (x, attrs, out) => avgPool(rt, x, attrs, out),
    avgPoolBackprop: (dy, attrs, out) => avgPoolBackprop(rt, dy, attrs, out),
    binary: (op, a, b, out) => binary(rt, op, a, b, out),
    unary: (op, x, out) => unary(rt, op, x, out),
    activation: (x, act, out) => activation(rt, x, act, out),
    reduce: (op, x, axes, out) => reduce(rt, op, x, axes, out),
    concat: (xs, axis, out) => concat(rt, xs, axis, out),
    slice: (x, begin, out) => slice(rt, x, begin, out),
    transpose: (x, perm, out) => transpose(rt, x, perm, out),
    pad: (x, before, after, value, out) => pad(rt, x, before, after, value, out),

    // ---- optional kernels, fused where one pass replaces several ----
    activationGrad: (x, dy, act, out) => activationGrad(rt, x, dy, act, out),
    broadcastTo: (x, out) => broadcastTo(rt, x, out),
  };
}
