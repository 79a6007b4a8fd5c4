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
import { input4d, mask, type T } from './common.js';
import {
  padForWindows,
  realTapCounts,
  scatterTaps,
  unpadFromWindows,
  type WindowAxis,
  windowAxes,
  windowTaps,
} from './windows.js';

function axesOf(inShape: Shape, attrs: Pool2DAttrs): [WindowAxis, WindowAxis] {
  return windowAxes(inShape, attrs.kernel, attrs.strides, attrs.dilations, attrs.pads, attrs.out);
}

const undilated = (attrs: Pool2DAttrs) => attrs.dilations[0] === 1 && attrs.dilations[1] === 1;

/** Window max of an input padded by `padForWindows`. */
function windowMax(xp: tf.Tensor4D, axes: [WindowAxis, WindowAxis], attrs: Pool2DAttrs): tf.Tensor4D {
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

export function maxPool(x: T, attrs: Pool2DAttrs): tf.Tensor {
  const axes = axesOf(x.shape, attrs);
  const y = windowMax(padForWindows(input4d(x), axes, -Infinity), axes, attrs);
  const nonEmpty = nonEmptyWindows(axes);
  return nonEmpty ? tf.where(tf.cast(nonEmpty, 'bool'), y, tf.zerosLike(y)) : y;
}

/**
 * Each dy goes to the first maximum of its window in scan order (row-major taps). Composed: walking the
 * taps in order, a tap takes the gradient where it equals the window max, lies on a real input position,
 * and no earlier tap took it; then col2im puts every tap's share back on the input.
 */
export function maxPoolBackprop(dy: T, x: T, attrs: Pool2DAttrs): tf.Tensor {
  const axes = axesOf(x.shape, attrs);
  const [, h, w] = x.shape;
  const xp = padForWindows(input4d(x), axes, -Infinity);
  const taps = windowTaps(xp, axes);
  const realTaps = windowTaps(padForWindows(tf.ones([1, h, w, 1]), axes, 0), axes);
  const y = windowMax(xp, axes, attrs);
  const g = input4d(dy);
  let unclaimed: tf.Tensor = tf.onesLike(y);
  const shares = taps.map((tap, t) => {
    const claims = tf.mul(tf.mul(mask(tf.equal(tap, y)), realTaps[t]), unclaimed);
    if (t < taps.length - 1) unclaimed = tf.sub(unclaimed, claims);
    return tf.mul(claims, g) as tf.Tensor4D;
  });
  return unpadFromWindows(scatterTaps(shares, axes), axes);
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
function windowScales(axes: [WindowAxis, WindowAxis], attrs: AvgPool2DAttrs, numerator: number): tf.Tensor4D {
  const [rows, cols] = axes.map((a) => axisDivisors(a, attrs.countIncludePad));
  const scales = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => {
    cols.forEach((c, j) => {
      scales[i * cols.length + j] = r * c > 0 ? numerator / (r * c) : 0;
    });
  });
  return tf.tensor4d(scales, [1, rows.length, cols.length, 1]);
}

export function avgPool(x: T, attrs: AvgPool2DAttrs): tf.Tensor {
  const axes = axesOf(x.shape, attrs);
  const xp = padForWindows(input4d(x), axes, 0);
  const [kh, kw] = attrs.kernel;
  if (undilated(attrs)) {
    // tfjs's 'valid' average divides every window by kh*kw: scale by kh*kw / divisor.
    const mean = tf.avgPool(xp, [kh, kw], [...attrs.strides], 'valid');
    return tf.mul(mean, windowScales(axes, attrs, kh * kw));
  }
  return tf.mul(tf.addN(windowTaps(xp, axes)), windowScales(axes, attrs, 1));
}

/** Each dy, divided by its window's divisor, is spread over the window (col2im of the same share per tap). */
export function avgPoolBackprop(dy: T, inputShape: Shape, attrs: AvgPool2DAttrs): tf.Tensor {
  const axes = axesOf(inputShape, attrs);
  const share = tf.mul(input4d(dy), windowScales(axes, attrs, 1)) as tf.Tensor4D;
  const shares = new Array<tf.Tensor4D>(attrs.kernel[0] * attrs.kernel[1]).fill(share);
  return unpadFromWindows(scatterTaps(shares, axes), axes);
}
