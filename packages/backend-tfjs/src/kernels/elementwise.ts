/** Elementwise kernels: binary ops with numpy broadcasting (tfjs broadcasts the same way), unary ops, where. */

import type { BinaryOp, UnaryOp } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, mask, type T } from './common.js';

const binaryOps: Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  maximum: (a, b) => tf.maximum(a, b),
  minimum: (a, b) => tf.minimum(a, b),
  pow: (a, b) => tf.pow(a, b),
  // tfjs comparisons give bool tensors; ours are 1/0 floats.
  equal: (a, b) => mask(tf.equal(a, b)),
  greater: (a, b) => mask(tf.greater(a, b)),
};

export function binary(op: BinaryOp, a: T, b: T): tf.Tensor {
  return binaryOps[op](input(a), input(b));
}

const unaryOps: Record<UnaryOp, (x: tf.Tensor) => tf.Tensor> = {
  neg: (x) => tf.neg(x),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x),
  sqrt: (x) => tf.sqrt(x),
  rsqrt: (x) => tf.rsqrt(x),
  square: (x) => tf.square(x),
  abs: (x) => tf.abs(x),
  sign: (x) => tf.sign(x),
  reciprocal: (x) => tf.reciprocal(x),
};

export function unary(op: UnaryOp, x: T): tf.Tensor {
  return unaryOps[op](input(x));
}

/** `cond != 0 ? a : b`; tfjs's where broadcasts all three. */
export function where(cond: T, a: T, b: T): tf.Tensor {
  return tf.where(tf.notEqual(input(cond), 0), input(a), input(b));
}
