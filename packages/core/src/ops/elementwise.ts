import type { BinaryOp, Shape, UnaryOp } from '../backend.js';
import { assertTensor, broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { scalar } from './creation.js';
import { runKernel, runOptionalKernel } from './op.js';
import { sumTo } from './reduce.js';

/** A number operand becomes a scalar tensor on the other operand's backend. */
export type Operand = Tensor | number;

function binary(
  op: BinaryOp,
  a: Operand,
  b: Operand,
  grad?: (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => (Tensor | null)[],
): Tensor {
  if (typeof a === 'number' && typeof b === 'number')
    throw new Error(`${op}: at least one operand must be a Tensor`);
  if (typeof a !== 'number') assertTensor(op, 'a', a);
  if (typeof b !== 'number') assertTensor(op, 'b', b);
  const backend = (typeof a === 'number' ? (b as Tensor) : a).backend;
  const out = broadcastShapes(op, shapeOf(a), shapeOf(b));
  // A number operand becomes a scalar tensor for the kernel; the tape keeps its own handle if it needs it.
  const ta = typeof a === 'number' ? scalar(a, backend) : a;
  const tb = typeof b === 'number' ? scalar(b, backend) : b;
  try {
    return runKernel(op, [ta, tb], out, (backend, ka, kb) => backend.binary(op, ka!, kb!, out), {
      grad: grad ? (dy, [a, b], y) => grad(dy, a!, b!, y) : 'zero',
    });
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}

function shapeOf(v: Operand): Shape {
  return typeof v === 'number' ? [] : v.shape;
}

/** `a + b`, numpy broadcasting. */
export const add = (a: Operand, b: Operand): Tensor =>
  binary('add', a, b, (dy, a, b) => [sumTo(dy, a.shape), sumTo(dy, b.shape)]);

/** `a - b`, numpy broadcasting. */
export const sub = (a: Operand, b: Operand): Tensor =>
  binary('sub', a, b, (dy, a, b) => [sumTo(dy, a.shape), sumTo(neg(dy), b.shape)]);

/** `a · b` elementwise, numpy broadcasting. */
export const mul = (a: Operand, b: Operand): Tensor =>
  binary('mul', a, b, (dy, a, b) => [sumTo(mul(dy, b), a.shape), sumTo(mul(dy, a), b.shape)]);

/** `a / b` (IEEE: x/0 is ±Infinity or NaN), numpy broadcasting. */
export const div = (a: Operand, b: Operand): Tensor =>
  binary('div', a, b, (dy, a, b, y) => [sumTo(div(dy, b), a.shape), sumTo(neg(div(mul(dy, y), b)), b.shape)]);

/** Elementwise max; on ties the gradient goes to `a`. */
export const maximum = (a: Operand, b: Operand): Tensor =>
  binary('maximum', a, b, (dy, a, b) => {
    const bWins = greater(b, a);
    return [sumTo(where(bWins, 0, dy), a.shape), sumTo(where(bWins, dy, 0), b.shape)];
  });

/** Elementwise min; on ties the gradient goes to `a`. */
export const minimum = (a: Operand, b: Operand): Tensor =>
  binary('minimum', a, b, (dy, a, b) => {
    const bWins = greater(a, b);
    return [sumTo(where(bWins, 0, dy), a.shape), sumTo(where(bWins, dy, 0), b.shape)];
  });

/** `a ** b` with IEEE 754 `pow` semantics (`1 ** y = 1`), numpy broadcasting. */
export const pow = (a: Operand, b: Operand): Tensor =>
  binary('pow', a, b, (dy, a, b, y) => [
    sumTo(mul(dy, mul(b, pow(a, sub(b, 1)))), a.shape),
    sumTo(mul(dy, where(greater(a, 0), mul(y, log(a)), 0)), b.shape),
  ]);

/** 1 where a == b, else 0 (no gradient). */
export const equal = (a: Operand, b: Operand): Tensor => binary('equal', a, b);
/** 1 where a > b, else 0 (no gradient). */
export const greater = (a: Operand, b: Operand): Tensor => binary('greater', a, b);

/** `cond != 0 ? a : b`, broadcasting all three (a NaN cond selects a). */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  assertTensor('where', 'cond', cond);
  if (typeof a !== 'number') assertTensor('where', 'a', a);
  if (typeof b !== 'number') assertTensor('where', 'b', b);
  const out = broadcastShapes('where', broadcastShapes('where', cond.shape, shapeOf(a)), shapeOf(b));
  const ta = typeof a === 'number' ? scalar(a, cond.backend) : a;
  const tb = typeof b === 'number' ? scalar(b, cond.backend) : b;
  try {
    return runOptionalKernel(
      'where',
      [cond, ta, tb],
      out,
      (backend, c, ka, kb) => backend.where!(c!, ka!, kb!, out),
      () => {
        // Without a fused kernel: with m = (cond != 0) as 1/0, `a ** m` is a or 1 and `b ** (1 - m)` is b or 1
        // (x ** 1 = x and x ** 0 = 1 for every x, NaN and Infinity included), so multiplying by the mask
        // again zeroes the unselected side without ever forming 0 · Infinity.
        const m = sub(1, equal(cond, 0));
        const notM = sub(1, m);
        return add(mul(pow(ta, m), m), mul(pow(tb, notM), notM));
      },
      {
        grad: (dy, [c, ta, tb]) => [
          null,
          sumTo(where(c!, dy, 0), ta!.shape),
          sumTo(where(c!, 0, dy), tb!.shape),
        ],
      },
    );
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}

function unary(op: UnaryOp, x: Tensor, grad?: (dy: Tensor, x: Tensor, y: Tensor) => Tensor): Tensor {
  assertTensor(op, 'x', x);
  return runKernel(op, [x], x.shape, (backend, kx) => backend.unary(op, kx!, x.shape), {
    grad: grad ? (dy, [x], y) => [grad(dy, x!, y)] : 'zero',
  });
}

/** `-x`. */
export const neg = (x: Tensor): Tensor => unary('neg', x, (dy) => neg(dy));
/** `e^x`. */
export const exp = (x: Tensor): Tensor => unary('exp', x, (dy, _x, y) => mul(dy, y));
/** The natural logarithm. */
export const log = (x: Tensor): Tensor => unary('log', x, (dy, x) => div(dy, x));
/** The square root. */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, (dy, _x, y) => div(dy, mul(y, 2)));
/** 1 / sqrt(x); d/dx = -0.5 * y³. */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, (dy, _x, y) => mul(dy, mul(pow(y, 3), -0.5)));
/** `x²`. */
export const square = (x: Tensor): Tensor => unary('square', x, (dy, x) => mul(dy, mul(x, 2)));
/** `|x|`. */
export const abs = (x: Tensor): Tensor => unary('abs', x, (dy, x) => mul(dy, sign(x)));
/** -1, 0 or 1 by the sign of x (`sign(±0) = ±0`, `sign(NaN) = NaN`). */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** `1 / x`. */
export const reciprocal = (x: Tensor): Tensor =>
  unary('reciprocal', x, (dy, _x, y) => neg(mul(dy, square(y))));
