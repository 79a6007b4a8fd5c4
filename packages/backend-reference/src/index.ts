/**
 * The reference backend: the 16 required kernels of core's `Backend` contract as naive float64 loops over
 * the output elements, each mirroring its formula in `packages/core/src/backend.ts`. Written to be read
 * and trusted, not to be fast: it is the differential reference for every other backend, and the worked
 * example of how to add one.
 *
 * This file only wires the kernels (one file per family in `kernels/`) to the interface and keeps the
 * buffer count. The optional kernels are left out on purpose: core composes them from the required ones.
 */

import { type Backend, registerBackend } from '@cnn/core';
import { activation } from './kernels/activation.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv.js';
import { binary, unary } from './kernels/elementwise.js';
import { concat, pad, slice, transpose } from './kernels/layout.js';
import { matMul } from './kernels/matmul.js';
import { avgPool, avgPoolBackprop, maxPool, maxPoolBackprop } from './kernels/pool.js';
import { reduce } from './kernels/reduce.js';

export { erf, erfc } from './kernels/activation.js';

/** A fresh reference backend (name 'reference') with its own buffer bookkeeping. */
export function reference(): Backend<Float32Array> {
  // Every buffer this backend handed out and that was not disposed yet: uploads and kernel outputs.
  const live = new Set<Float32Array>();
  const track = (data: Float32Array): Float32Array => {
    live.add(data);
    return data;
  };

  return {
    name: 'reference',

    // ---- memory: storage is a Float32Array the backend owns; reads hand out copies ----
    upload: (values, _shape) => track(Float32Array.from(values)),
    read: (data) => Promise.resolve(Float32Array.from(data)),
    readSync: (data) => Float32Array.from(data),
    dispose: (data) => {
      live.delete(data);
    },
    numBuffers: () => live.size,

    // ---- the 16 required kernels ----
    matMul: (a, b, transposeA, transposeB, out) => track(matMul(a, b, transposeA, transposeB, out)),

    conv2d: (x, filter, attrs, out) => track(conv2d(x, filter, attrs, out)),
    conv2dBackpropInput: (dy, filter, attrs, out) => track(conv2dBackpropInput(dy, filter, attrs, out)),
    conv2dBackpropFilter: (x, dy, attrs, out) => track(conv2dBackpropFilter(x, dy, attrs, out)),

    maxPool: (x, attrs, out) => track(maxPool(x, attrs, out)),
    maxPoolBackprop: (dy, x, attrs, out) => track(maxPoolBackprop(dy, x, attrs, out)),
    avgPool: (x, attrs, out) => track(avgPool(x, attrs, out)),
    avgPoolBackprop: (dy, attrs, out) => track(avgPoolBackprop(dy, attrs, out)),

    binary: (op, a, b, out) => track(binary(op, a, b, out)),
    unary: (op, x, out) => track(unary(op, x, out)),
    activation: (x, act, out) => track(activation(x, act, out)),

    reduce: (op, x, axes, out) => track(reduce(op, x, axes, out)),

    concat: (xs, axis, out) => track(concat(xs, axis, out)),
    slice: (x, begin, out) => track(slice(x, begin, out)),
    transpose: (x, perm, out) => track(transpose(x, perm, out)),
    pad: (x, before, after, value, out) => track(pad(x, before, after, value, out)),
  };
}

/** The factory the conformance CLI and `describeBackend` look for: `reference`. */
export const createBackend = reference;
export default reference;

// Importing this package makes `setBackend('reference')` work.
registerBackend({
  name: 'reference',
  create: reference,
  priority: 0,
  description: 'naive float64 loops, the differential reference',
});
