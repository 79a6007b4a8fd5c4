/** Data movement: concat, slice, transpose, pad map one to one onto tfjs ops. */

import type { Shape } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, type T } from './common.js';

export function concat(xs: readonly T[], axis: number): tf.Tensor {
  return tf.concat(xs.map(input), axis);
}

export function slice(x: T, begin: readonly number[], size: readonly number[]): tf.Tensor {
  return tf.slice(input(x), [...begin], [...size]);
}

export function transpose(x: T, perm: readonly number[]): tf.Tensor {
  return tf.transpose(input(x), [...perm]);
}

export function pad(x: T, before: readonly number[], after: readonly number[], value: number, _out: Shape) {
  return tf.pad(
    input(x),
    before.map((b, i): [number, number] => [b, after[i]]),
    value,
  );
}
