/**
 * Elementwise binary ops on numpy-broadcast operands, and unary ops. Each value is computed in float64
 * from the float32 inputs and rounded once to float32 when stored.
 */

import type { BinaryOp, KernelTensor, Shape, UnaryOp } from '@cnn/core';
import { broadcastStrides, ravel, size, unravel } from '../indexing.js';

type T = KernelTensor<Float32Array>;

/**
 * IEEE 754 pow: `1 ** y` and `(-1) ** ±Infinity` are 1 (ECMAScript's `**` gives NaN there, and agrees
 * everywhere else).
 */
function ieeePow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && Math.abs(b) === Number.POSITIVE_INFINITY) return 1;
  return a ** b;
}

/** One binary op on two numbers (see core's `BinaryOp` for the edge cases). */
function binaryScalar(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return (a, b) => a * b;
    case 'div':
      return (a, b) => a / b; // IEEE 754: x/0 = ±Infinity, 0/0 = NaN
    case 'maximum':
      return (a, b) => Math.max(a, b); // NaN if either is NaN
    case 'minimum':
      return (a, b) => Math.min(a, b);
    case 'pow':
      return ieeePow;
    case 'equal':
      return (a, b) => (a === b ? 1 : 0); // NaN equals nothing
    case 'greater':
      return (a, b) => (a > b ? 1 : 0);
  }
}

/** out[index] = op(a[broadcast index], b[broadcast index]). */
export function binary(op: BinaryOp, a: T, b: T, out: Shape): Float32Array {
  const f = binaryScalar(op);
  const aStrides = broadcastStrides(a.shape, out.length);
  const bStrides = broadcastStrides(b.shape, out.length);
  const y = new Float32Array(size(out));
  for (let flat = 0; flat < y.length; flat++) {
    const index = unravel(flat, out);
    y[flat] = f(a.data[ravel(index, aStrides)], b.data[ravel(index, bStrides)]);
  }
  return y;
}

/** One unary op on a number (see core's `UnaryOp`). */
function unaryScalar(op: UnaryOp): (x: number) => number {
  switch (op) {
    case 'neg':
      return (x) => -x;
    case 'exp':
      return Math.exp;
    case 'log':
      return Math.log; // log(0) = -Infinity, log(negative) = NaN
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'square':
      return (x) => x * x;
    case 'abs':
      return Math.abs;
    case 'sign':
      return (x) => (x > 0 ? 1 : x < 0 ? -1 : x); // ±0 stays ±0, NaN stays NaN
    case 'reciprocal':
      return (x) => 1 / x;
  }
}

/** out[i] = op(x[i]). */
export function unary(op: UnaryOp, x: T, out: Shape): Float32Array {
  const f = unaryScalar(op);
  const y = new Float32Array(size(out));
  for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]);
  return y;
}
