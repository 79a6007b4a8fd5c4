/** Elementwise kernels: binary ops with numpy broadcasting (tfjs broadcasts the same way), unary ops, where. */

import type { BinaryOp, UnaryOp } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, isNaNMask, mask, type T } from './common.js';

/** tfjs-wasm's maximum/minimum return the other operand for a NaN; ours propagate it (a + b is NaN then). */
const propagatingNaN =
  (op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
  (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
    tf.where(tf.logicalOr(isNaNMask(a), isNaNMask(b)), tf.add(a, b), op(a, b));

/** IEEE pow: tfjs-cpu uses Math.pow, which gives NaN for 1 ** NaN and (-1) ** ±Infinity; IEEE gives 1. */
function ieeePow(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const one = tf.logicalOr(tf.equal(a, 1), tf.logicalAnd(tf.equal(a, -1), tf.equal(tf.abs(b), Infinity)));
  return tf.where(one, tf.onesLike(tf.add(a, b)), tf.pow(a, b));
}

const binaryOps: Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  maximum: propagatingNaN(tf.maximum),
  minimum: propagatingNaN(tf.minimum),
  pow: ieeePow,
  // tfjs comparisons give bool tensors; ours are 1/0 floats.
  equal: (a, b) => mask(tf.equal(a, b)),
  greater: (a, b) => mask(tf.greater(a, b)),
};

/**
 * tfjs-webgl's division returns 1 whenever a == b, so 0/0 and ±Infinity/±Infinity come out 1, not NaN
 * (`exactDivision` false: those cases are put right).
 */
function ieeeDivision(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const undefinedRatio = tf.logicalAnd(
    tf.equal(tf.abs(a), tf.abs(b)),
    tf.logicalOr(tf.equal(a, 0), tf.equal(tf.abs(a), Infinity)),
  );
  const q = tf.div(a, b);
  return tf.where(undefinedRatio, tf.fill(q.shape, Number.NaN), q);
}

export function binary(op: BinaryOp, a: T, b: T, exactDivision: boolean): tf.Tensor {
  if (op === 'div' && !exactDivision) return ieeeDivision(input(a), input(b));
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
  // tfjs's sign(NaN) is 0; ours is NaN.
  sign: (x) => tf.where(isNaNMask(x), x, tf.sign(x)),
  reciprocal: (x) => tf.reciprocal(x),
};

export function unary(op: UnaryOp, x: T): tf.Tensor {
  return unaryOps[op](input(x));
}

/** `cond != 0 ? a : b`; tfjs's where broadcasts all three. */
export function where(cond: T, a: T, b: T): tf.Tensor {
  return tf.where(tf.notEqual(input(cond), 0), input(a), input(b));
}
