/**
 * Max and average pooling (NHWC) and their gradients.
 *
 * tfjs's pools take no dilation (with explicit pads), no ceil mode, and only count-exclude-pad averages; its
 * max-pool gradient does not promise the first max on ties. So every pool pads the input itself to exactly
 * the positions its windows read (see windows.ts): with -Infinity for a max (padding never wins), with 0 for
 * an average, whose divisor per window is computed here, both ways of `countIncludePad`. The windows
 * themselves are tfjs's `maxPool`/`avgPool` with 'valid' padding when there is no dilation, else a
 * max/sum over the window taps. Gradients are composed: see `maxPoolBackprop` and `avgPoolBackprop`.
 */

import type { AvgPool2DAttrs, Pool2DAttrs, Shape } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, input4d, isNaNMask, mask, type T } from './common.js';
import {
  padForWindows,
  realTapCounts,
  realTapMask,
  scatterTapColumns,
  spanOf,
  tapColumns,
  unpadFromWindows,
  type WindowAxis,
  windowAxes,
  windowTaps,
} from './windows.js';

/** A window as these compositions use it: the contract's attributes plus the output shape. */
export type PoolWindow = Pool2DAttrs & { out: Shape };
export type AvgPoolWindow = AvgPool2DAttrs & { out: Shape };

function axesOf(inShape: Shape, attrs: PoolWindow): [WindowAxis, WindowAxis] {
  return windowAxes(inShape, attrs.kernel, attrs.strides, attrs.dilations, attrs.pads, attrs.out);
}

const undilated = (attrs: PoolWindow) => attrs.dilations[0] === 1 && attrs.dilations[1] === 1;

/** Window max of an input padded by `padForWindows`. */
function windowMax(xp: tf.Tensor4D, axes: [WindowAxis, WindowAxis], attrs: PoolWindow): tf.Tensor4D {
  if (undilated(attrs)) return tf.maxPool(xp, [...attrs.kernel], [...attrs.strides], 'valid');
  return windowTaps(xp, axes).reduce((a, b) => tf.maximum(a, b));
}

/**
 * `[1, outH, outW, 1]`, 1 where the window covers at least one real input position; null when all do.
 * (A window wholly in padding is possible only with unusual pads and dilations; its max is defined as 0.)
 */
function nonEmptyWindows(axes: [WindowAxis, WindowAxis]): tf.Tensor | null {
  const [rows, cols] = axes.map(realTapCounts);
  if (rows.every((c) => c > 0) && cols.every((c) => c > 0)) return null;
  const flags = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => {
    cols.forEach((c, j) => {
      flags[i * cols.length + j] = r > 0 && c > 0 ? 1 : 0;
    });
  });
  return tf.tensor4d(flags, [1, rows.length, cols.length, 1]);
}

export function maxPool(x: T, attrs: PoolWindow): tf.Tensor {
  const axes = axesOf(x.shape, attrs);
  const xt = input4d(x);
  const y = windowMax(padForWindows(xt, axes, -Infinity), axes, attrs);
  const nonEmpty = nonEmptyWindows(axes);
  const finite = nonEmpty ? tf.where(tf.cast(nonEmpty, 'bool'), y, tf.zerosLike(y)) : y;
  // tfjs's max pooling skips NaN (cpu) or loses it (wasm); ours propagates it: windows holding one are NaN.
  const nanWindows = windowMax(padForWindows(mask(isNaNMask(xt)) as tf.Tensor4D, axes, 0), axes, attrs);
  return tf.where(tf.greater(nanWindows, 0), tf.fill(finite.shape, Number.NaN), finite);
}

/** The lowest and highest finite float32, and the float just below the highest. */
const LOWEST_FLOAT = -3.4028234663852886e38;
const HIGHEST_FLOAT = 3.4028234663852886e38;
const BELOW_HIGHEST_FLOAT = 3.4028232635611926e38;

/**
 * Each dy goes to the first maximum of its window in scan order (row-major taps).
 *
 * tfjs-cpu's MaxPoolGrad takes the first maximum: without dilation it routes on the padded input. Real inputs
 * are first raised to the lowest finite float so that a window of real -Infinity values routes to its first
 * real position, never to a -Infinity pad. Elsewhere (`native` false: tfjs-wasm's MaxPoolGrad takes the last
 * maximum and drops some gradients, tfjs-webgl's is unverified; or dilation) it is composed, see
 * `composedMaxPoolBackprop`.
 */
export function maxPoolBackprop(dy: T, x: T, attrs: PoolWindow, native: boolean): tf.Tensor {
  // The native kernel skips NaN; ours routes to the first NaN. On tfjs-cpu the check is a cheap sync read.
  const nanFree = () => tf.any(isNaNMask(input(x))).dataSync()[0] === 0;
  if (!native || !undilated(attrs) || !nanFree()) return composedMaxPoolBackprop(dy, x, attrs);
  const axes = axesOf(x.shape, attrs);
  const xp = padForWindows(tf.maximum(input4d(x), LOWEST_FLOAT), axes, -Infinity);
  const y = tf.maxPool(xp, [...attrs.kernel], [...attrs.strides], 'valid');
  const dxp = tf
    .engine()
    .runKernel(
      'MaxPoolGrad',
      { dy: input4d(dy), input: xp, output: y },
      { filterSize: [...attrs.kernel], strides: [...attrs.strides], pad: 'valid' },
    ) as tf.Tensor4D;
  return unpadFromWindows(dxp, axes);
}

/**
 * First-max routing from plain ops, with the window taps as channels (`tapColumns`): a tap claims the
 * gradient where it equals the window max, lies on a real input position, and no earlier tap claimed it
 * (exclusive cumsum over the taps is 0); col2im puts the claimed dy back on the input. The taps are built
 * by a conv, which needs finite values: inputs are clipped to the finite floats and pads are the lowest
 * float (the real-tap mask keeps pads from claiming). A NaN becomes the highest float, and numbers are clipped
 * just below it, so the first NaN claims its window as the contract says (a number equal to the highest
 * float then ties with the float below it: the one place this differs from exact).
 */
function composedMaxPoolBackprop(dy: T, x: T, attrs: PoolWindow): tf.Tensor {
  const axes = axesOf(x.shape, attrs);
  const [n, , , c] = x.shape;
  const windows = attrs.out[1] * attrs.out[2];
  // NaN must win the window: it becomes the highest float, and every number is clipped below it.
  const xt = input4d(x);
  const clipped = tf.where(
    isNaNMask(xt),
    tf.fill(xt.shape, HIGHEST_FLOAT),
    tf.clipByValue(xt, LOWEST_FLOAT, BELOW_HIGHEST_FLOAT),
  );
  const xp = padForWindows(clipped as tf.Tensor4D, axes, LOWEST_FLOAT);
  const taps = tf.reshape(tapColumns(xp, axes), [n, windows, c, attrs.kernel[0] * attrs.kernel[1]]);
  // Comparisons are written with step() (a unary op): tfjs-wasm's broadcasting Equal is very slow.
  // max - tap >= 0, and 0 exactly at the maxima.
  const hits = tf.mul(tf.sub(1, tf.step(tf.sub(tf.max(taps, 3, true), taps))), realTapMask(axes));
  // The count of earlier hits is a non-negative integer: 1 - step(count) is 1 where it is 0.
  const claims = tf.mul(hits, tf.sub(1, tf.step(tf.cumsum(hits, 3, true))));
  const shares = tf.mul(claims, tf.reshape(input4d(dy), [n, windows, c, 1])) as tf.Tensor4D;
  return unpadFromWindows(scatterTapColumns(shares, axes), axes);
}

/**
 * Along one axis, each window's divisor. countIncludePad=false: its real input positions. true: its
 * positions inside the explicitly padded range [-padBefore, inSize + padAfter), so a ceil-mode overhang
 * past the pads does not count (PyTorch's rule).
 */
function axisDivisors(a: WindowAxis, includePad: boolean): number[] {
  if (!includePad) return realTapCounts(a);
  const divisors: number[] = [];
  for (let o = 0; o < a.outSize; o++) {
    const start = o * a.stride - a.padBefore;
    let count = 0;
    for (let i = 0; i < a.kernel; i++) {
      const p = start + i * a.dilation;
      if (p >= -a.padBefore && p < a.inSize + a.padAfter) count++;
    }
    divisors.push(count);
  }
  return divisors;
}

/** `[1, outH, outW, 1]`: `numerator / divisor` per window (0 for an empty window), computed in double. */
function windowScales(axes: [WindowAxis, WindowAxis], attrs: AvgPoolWindow, numerator: number): tf.Tensor4D {
  const [rows, cols] = axes.map((a) => axisDivisors(a, attrs.countIncludePad));
  const scales = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => {
    cols.forEach((c, j) => {
      scales[i * cols.length + j] = r * c > 0 ? numerator / (r * c) : 0;
    });
  });
  return tf.tensor4d(scales, [1, rows.length, cols.length, 1]);
}

/**
 * `floatSums`: the engine sums a window in float32, where large finite values overflow; the input is then
 * scaled by a power of two (exact) that keeps any window's sum finite, and the scale undone in the divisor.
 */
export function avgPool(x: T, attrs: AvgPoolWindow, floatSums: boolean): tf.Tensor {
  const axes = axesOf(x.shape, attrs);
  const [kh, kw] = attrs.kernel;
  const scale = floatSums ? 2 ** -Math.ceil(Math.log2(kh * kw)) : 1;
  const xt = scale === 1 ? input4d(x) : (tf.mul(input4d(x), scale) as tf.Tensor4D);
  const xp = padForWindows(xt, axes, 0);
  if (undilated(attrs)) {
    // tfjs's 'valid' average divides every window by kh*kw: scale by kh*kw / divisor.
    const mean = tf.avgPool(xp, [kh, kw], [...attrs.strides], 'valid');
    return tf.mul(mean, windowScales(axes, attrs, (kh * kw) / scale));
  }
  return tf.mul(tf.addN(windowTaps(xp, axes)), windowScales(axes, attrs, 1 / scale));
}

/**
 * Each dy, divided by its window's divisor, is spread over the window. Without dilation that is tfjs's
 * AvgPoolGrad on the padded input (which divides by kh*kw: the share is scaled by kh*kw / divisor; the
 * kernel reads only the shape of its `input`); with dilation, col2im of the same share for every tap.
 */
export function avgPoolBackprop(dy: T, inputShape: Shape, attrs: AvgPoolWindow): tf.Tensor {
  const axes = axesOf(inputShape, attrs);
  const [kh, kw] = attrs.kernel;
  if (undilated(attrs)) {
    const share = tf.mul(input4d(dy), windowScales(axes, attrs, kh * kw));
    const paddedShape = [inputShape[0], spanOf(axes[0]), spanOf(axes[1]), inputShape[3]];
    const dxp = tf
      .engine()
      .runKernel(
        'AvgPoolGrad',
        { dy: share, input: tf.zeros(paddedShape) },
        { filterSize: [kh, kw], strides: [...attrs.strides], pad: 'valid' },
      ) as tf.Tensor4D;
    return unpadFromWindows(dxp, axes);
  }
  const [n, , , c] = inputShape;
  const share = tf.reshape(tf.mul(input4d(dy), windowScales(axes, attrs, 1)), [n, -1, c, 1]);
  const shares = tf.mul(share, tf.ones([1, 1, 1, kh * kw])) as tf.Tensor4D;
  return unpadFromWindows(scatterTapColumns(shares, axes), axes);
}
