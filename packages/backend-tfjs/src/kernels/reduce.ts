/**
 * Reductions, and softmax / logSoftmax along any axis. tfjs's softmax and logSoftmax work only on the
 * last axis, so both are composed (shift by the max so that every exp is at most 1).
 */

import type { ReduceOp, Shape } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, type T } from './common.js';

const reducers: Record<ReduceOp, (x: tf.Tensor, axes: number[]) => tf.Tensor> = {
  sum: (x, axes) => tf.sum(x, axes, true),
  max: (x, axes) => tf.max(x, axes, true),
  mean: (x, axes) => tf.mean(x, axes, true),
  min: (x, axes) => tf.min(x, axes, true),
};

/**
 * `floatSums`: the engine accumulates in float32, so a mean of large finite values would overflow in its
 * sum: each term is divided by the count first instead (one more rounding per term, no overflow).
 */
export function reduce(
  op: ReduceOp,
  x: T,
  axes: readonly number[],
  out: Shape,
  floatSums: boolean,
): tf.Tensor {
  const xt = input(x);
  if (axes.length === 0) return tf.clone(xt);
  if (op === 'mean' && floatSums) {
    const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
    return tf.reshape(tf.sum(tf.div(xt, count), [...axes], true), [...out]);
  }
  return tf.reshape(reducers[op](xt, [...axes]), [...out]);
}

/** x - max(x) along `axis`. */
function shifted(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.sub(x, tf.max(x, axis, true));
}

export function softmax(x: T, axis: number): tf.Tensor {
  const e = tf.exp(shifted(input(x), axis));
  return tf.div(e, tf.sum(e, axis, true));
}

export function logSoftmax(x: T, axis: number): tf.Tensor {
  const s = shifted(input(x), axis);
  return tf.sub(s, tf.log(tf.sum(tf.exp(s), axis, true)));
}
