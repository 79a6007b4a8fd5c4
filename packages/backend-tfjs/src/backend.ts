/**
 * The Backend object: wires every kernel of core's interface to its tfjs composition in `kernels/` and
 * keeps the buffer count. Storage `D` is a tfjs tensor.
 *
 * Memory: each kernel runs inside `tf.tidy`, so every intermediate tfjs tensor is freed when it returns;
 * only the output survives, and it is ours until core calls `dispose`.
 */

import type { Backend, OptionalKernels, Shape } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { activate, type Engine } from './engine.js';
import { activation, activationGrad } from './kernels/activation.js';
import { input } from './kernels/common.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv.js';
import { binary, unary, where } from './kernels/elementwise.js';
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

/** A backend on a tfjs engine: core's `Backend` on `tf.Tensor` storage, with every optional kernel. */
export type TfjsBackend = Backend<tf.Tensor> & OptionalKernels<tf.Tensor>;

/** A backend on an already initialised tfjs engine (see `initEngine`). */
export function createTfjsBackend(engine: Engine): TfjsBackend {
  // Every tensor this backend handed out and that was not disposed yet: uploads and kernel outputs.
  const live = new Set<tf.Tensor>();
  // tfjs-cpu and tfjs-webgl hand out (and keep) their own arrays on read and write: copy. tfjs-wasm copies
  // to and from its heap anyway.
  const copies = engine !== 'wasm';
  // tfjs-wasm's matMul is fast only without transpose flags (XNNPACK); transposes are made explicit there.
  const explicitTranspose = engine === 'wasm';
  // Only tfjs-cpu's MaxPoolGrad routes to the first maximum as we need (see pool.ts).
  const nativeMaxPoolGrad = engine === 'cpu';
  // tfjs-cpu accumulates sums in double; wasm and webgl in float32, where a sum can overflow.
  const floatSums = engine !== 'cpu';
  // tfjs-webgl's division special-cases a == b (see elementwise.ts).
  const exactDivision = engine !== 'webgl';

  /** Runs a kernel on our engine, freeing every intermediate; the output is a new float32 tensor of `out`. */
  const run = (kernel: () => tf.Tensor, out?: Shape): tf.Tensor => {
    activate(engine);
    let y = tf.tidy(() => {
      let r = kernel();
      if (r.dtype !== 'float32') r = tf.cast(r, 'float32');
      if (out && (r.rank !== out.length || r.shape.some((d, i) => d !== out[i]))) r = tf.reshape(r, [...out]);
      return r;
    });
    // tfjs ops may return their input itself (e.g. a 1x1 identity pool); storage must never be shared.
    if (live.has(y)) y = tf.clone(y);
    live.add(y);
    return y;
  };

  return {
    name: `tfjs-${engine}`,

    upload: (values, shape) => run(() => tf.tensor(copies ? values.slice() : values, [...shape], 'float32')),
    read: async (data) => {
      activate(engine);
      const values = (await data.data()) as Float32Array;
      return copies ? values.slice() : values;
    },
    readSync: (data) => {
      activate(engine);
      const values = data.dataSync() as Float32Array;
      return copies ? values.slice() : values;
    },
    dispose: (data) => {
      if (live.delete(data)) data.dispose();
    },
    numBuffers: () => live.size,

    matMul: (a, b, transposeA, transposeB, out) =>
      run(() => matMul(a, b, transposeA, transposeB, out, explicitTranspose), out),

    conv2d: (x, filter, attrs, out) => run(() => conv2d(x, filter, attrs), out),
    conv2dBackpropInput: (dy, filter, attrs, out) =>
      run(() => conv2dBackpropInput(dy, filter, attrs, out), out),
    conv2dBackpropFilter: (x, dy, attrs, out) =>
      run(() => conv2dBackpropFilter(x, dy, attrs, out, explicitTranspose), out),

    maxPool: (x, attrs, out) => run(() => maxPool(x, { ...attrs, out }), out),
    maxPoolBackprop: (dy, x, attrs, out) =>
      run(() => maxPoolBackprop(dy, x, { ...attrs, out: dy.shape }, nativeMaxPoolGrad), out),
    avgPool: (x, attrs, out) => run(() => avgPool(x, { ...attrs, out }, floatSums), out),
    avgPoolBackprop: (dy, attrs, out) =>
      run(() => avgPoolBackprop(dy, out, { ...attrs, out: dy.shape }), out),

    binary: (op, a, b, out) => run(() => binary(op, a, b, exactDivision), out),
    unary: (op, x, out) => run(() => unary(op, x), out),
    activation: (x, act, out) => run(() => activation(x, act), out),

    reduce: (op, x, axes, out) => run(() => reduce(op, x, axes, out, floatSums), out),

    concat: (xs, axis, out) => run(() => concat(xs, axis), out),
    slice: (x, begin, out) => run(() => slice(x, begin, out), out),
    transpose: (x, perm, out) => run(() => transpose(x, perm), out),
    pad: (x, before, after, value, out) => run(() => pad(x, before, after, value, out), out),

    // ---- optional kernels (fused forms core would otherwise compose) ----
    activationGrad: (x, dy, act, out) => run(() => activationGrad(x, dy, act), out),
    where: (cond, a, b, out) => run(() => where(cond, a, b), out),
    broadcastTo: (x, out) => run(() => tf.broadcastTo(input(x), [...out]), out),
    softmax: (x, axis, out) => run(() => softmax(x, axis), out),
    logSoftmax: (x, axis, out) => run(() => logSoftmax(x, axis), out),
    batchNorm: (x, mean, variance, scale, offset, epsilon, out) =>
      run(() => batchNorm(x, mean, variance, scale, offset, epsilon), out),
    moments: (x, out) => run(() => moments(x, floatSums), out),
    batchNormGradSums: (x, dy, mean, out) => run(() => batchNormGradSums(x, dy, mean), out),
    batchNormBackprop: (x, dy, mean, variance, scale, sums, epsilon, out) =>
      run(() => batchNormBackprop(x, dy, mean, variance, scale, sums, epsilon), out),
    lrn: (x, attrs, out) => run(() => lrn(x, attrs), out),
    lrnBackprop: (x, dy, attrs, out) => run(() => lrnBackprop(x, dy, attrs), out),
  };
}
