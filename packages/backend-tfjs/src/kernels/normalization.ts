/**
 * Batch normalization (inference form) and local response normalization, channels on the last axis.
 *
 * LRN is composed: tfjs's localResponseNormalization sums a symmetric window of radius r (so only odd ONNX
 * sizes fit) and multiplies the sum by alpha, not alpha/size. ONNX's window of channel c is
 * [c - floor((size-1)/2), c + ceil((size-1)/2)] clipped to the channels.
 */

import type { LRNAttrs } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, type T } from './common.js';

/** `(x - mean) / sqrt(variance + epsilon) * scale + offset` per channel. */
export function batchNorm(x: T, mean: T, variance: T, scale: T, offset: T, epsilon: number): tf.Tensor {
  const xt = input(x);
  const [m, v, s, o] = [mean, variance, scale, offset].map(input) as tf.Tensor1D[];
  // tfjs's batchNorm takes ranks up to 4; the per-channel math does not care, so flatten the rest.
  if (xt.rank <= 4) return tf.batchNorm(xt, m, v, o, s, epsilon);
  const channels = x.shape[x.shape.length - 1];
  return tf.reshape(tf.batchNorm(tf.reshape(xt, [-1, channels]), m, v, o, s, epsilon), [...x.shape]);
}

/** x as [rows, C] (channels last). */
function channelRows(x: T): tf.Tensor2D {
  return tf.reshape(input(x), [-1, x.shape[x.shape.length - 1]!]);
}

/** Per-channel means of [rows, C]; with `floatSums` (float32 sums) each term is divided first, so no overflow. */
function channelMeans(t: tf.Tensor2D, floatSums: boolean): tf.Tensor1D {
  return floatSums ? tf.sum(tf.div(t, t.shape[0]), 0) : tf.mean(t, 0);
}

/** Training batch norm's statistics, [2, C]: the means and the population variances over the leading axes. */
export function moments(x: T, floatSums: boolean): tf.Tensor {
  const rows = channelRows(x);
  const mean = channelMeans(rows, floatSums);
  return tf.stack([mean, channelMeans(tf.square(tf.sub(rows, mean)) as tf.Tensor2D, floatSums)]);
}

/** Training batch norm's gradient sums, [2, C]: Σ dy and Σ dy · (x - mean) over the leading axes. */
export function batchNormGradSums(x: T, dy: T, mean: T): tf.Tensor {
  const g = channelRows(dy);
  return tf.stack([tf.sum(g, 0), tf.sum(tf.mul(g, tf.sub(channelRows(x), input(mean))), 0)]);
}

/** Training batch norm's dx: `scale/σ · (dy - Σdy/count - (x - mean)/σ² · Σdy(x - mean)/count)`. */
export function batchNormBackprop(
  x: T,
  dy: T,
  mean: T,
  variance: T,
  scale: T,
  sums: T,
  epsilon: number,
): tf.Tensor {
  const rows = channelRows(x);
  const count = rows.shape[0];
  const invStd = tf.rsqrt(tf.add(input(variance), epsilon));
  const [sumDy, sumDyCentered] = tf.unstack(input(sums));
  const centeredTerm = tf.mul(
    tf.sub(rows, input(mean)),
    tf.mul(tf.square(invStd), tf.div(sumDyCentered!, count)),
  );
  const dx = tf.mul(
    tf.sub(tf.sub(channelRows(dy), tf.div(sumDy!, count)), centeredTerm),
    tf.mul(input(scale), invStd),
  );
  return tf.reshape(dx, [...x.shape]);
}

/** How far the ONNX window reaches below and above a channel. */
function reach(size: number): [number, number] {
  return [Math.floor((size - 1) / 2), Math.ceil((size - 1) / 2)];
}

/** For each channel c of `t` `[M, C]`: the sum of channels [c - below, c + above] that exist. */
function channelWindowSum(t: tf.Tensor2D, below: number, above: number): tf.Tensor2D {
  const [rows, channels] = t.shape;
  const padded = tf.pad(t, [
    [0, 0],
    [below, above],
  ]);
  const shifts: tf.Tensor2D[] = [];
  for (let k = 0; k <= below + above; k++) shifts.push(tf.slice(padded, [0, k], [rows, channels]));
  return shifts.length === 1 ? shifts[0] : tf.addN(shifts);
}

/** s = bias + alpha/size * (window sum of x^2), for x as `[M, C]`. */
function lrnScale(x: tf.Tensor2D, attrs: LRNAttrs): tf.Tensor2D {
  const [below, above] = reach(attrs.size);
  return tf.add(tf.mul(channelWindowSum(tf.square(x), below, above), attrs.alpha / attrs.size), attrs.bias);
}

function asRows(x: T): tf.Tensor2D {
  return tf.reshape(input(x), [-1, x.shape[x.shape.length - 1] ?? 1]);
}

/** y = x / s^beta. */
export function lrn(x: T, attrs: LRNAttrs): tf.Tensor {
  const xt = asRows(x);
  const y = tf.mul(xt, tf.pow(lrnScale(xt, attrs), -attrs.beta));
  return tf.reshape(y, [...x.shape]);
}

/**
 * dx_i = dy_i * s_i^-beta - (2*alpha*beta/size) * x_i * sum_{j : i in window(j)} dy_j * x_j * s_j^(-beta-1);
 * i lies in window(j) exactly when j is in [i - above, i + below]: the reversed window.
 */
export function lrnBackprop(x: T, dy: T, attrs: LRNAttrs): tf.Tensor {
  const xt = asRows(x);
  const g = asRows(dy);
  const [below, above] = reach(attrs.size);
  const s = lrnScale(xt, attrs);
  const sPow = tf.pow(s, -attrs.beta);
  const t = tf.div(tf.mul(tf.mul(g, xt), sPow), s) as tf.Tensor2D;
  const coeff = (2 * attrs.alpha * attrs.beta) / attrs.size;
  const dx = tf.sub(tf.mul(g, sPow), tf.mul(tf.mul(xt, channelWindowSum(t, above, below)), coeff));
  return tf.reshape(dx, [...x.shape]);
}
