import type { BinaryOp, Shape, UnaryOp } from '../backend.js';
import { engine } from '../engine.js';
import { assertTensor, broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { scalar } from './creation.js';
import { reshape } from './layout.js';
import { runKernel } from './op.js';
import { sum } from './reduce.js';

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
  const backend = (typeof a === 'number' ? (b as Tensor) : a).backend;
  const ta = typeof a === 'number' ? scalar(a, backend) : a;
  const tb = typeof b === 'number' ? scalar(b, backend) : b;
  assertTensor(op, 'a', ta);
  assertTensor(op, 'b', tb);
  const out = broadcastShapes(op, ta.shape, tb.shape);
  const y = runKernel(
    op,
    [ta, tb],
    out,
    (backend, ka, kb) => backend.binary(op, ka!, kb!, out),
    grad && ((dy, y) => grad(dy, ta, tb, y)),
  );
  disposeTemporaries(ta !== a ? ta : null, tb !== b ? tb : null);
  return y;
}

/** Scalars made from number operands are freed at once, unless the tape still needs them for backward. */
function disposeTemporaries(...temps: (Tensor | null)[]): void {
  if (engine.isRecording()) return;
  for (const t of temps) t?.dispose();
}

/** Sums a broadcast gradient back to the shape of the operand it flowed from. */
export function sumTo(grad: Tensor, shape: Shape): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  return reshape(axes.length ? sum(grad, axes, true) : grad, shape);
}

export const add = (a: Operand, b: Operand): Tensor =>
  binary('add', a, b, (dy, a, b) => [sumTo(dy, a.shape), sumTo(dy, b.shape)]);

export const sub = (a: Operand, b: Operand): Tensor =>
  binary('sub', a, b, (dy, a, b) => [sumTo(dy, a.shape), sumTo(neg(dy), b.shape)]);

export const mul = (a: Operand, b: Operand): Tensor =>
  binary('mul', a, b, (dy, a, b) => [sumTo(mul(dy, b), a.shape), sumTo(mul(dy, a), b.shape)]);

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

export const pow = (a: Operand, b: Operand): Tensor =>
  binary('pow', a, b, (dy, a, b, y) => [
    sumTo(mul(dy, mul(b, pow(a, sub(b, 1)))), a.shape),
    sumTo(mul(dy, where(greater(a, 0), mul(y, log(a)), 0)), b.shape),
  ]);

/** 1 where a == b, else 0 (no gradient). */
export const equal = (a: Operand, b: Operand): Tensor => binary('equal', a, b);
/** 1 where a > b, else 0 (no gradient). */
export const greater = (a: Operand, b: Operand): Tensor => binary('greater', a, b);

/** `cond != 0 ? a : b`, broadcasting all three. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  assertTensor('where', 'cond', cond);
  const ta = typeof a === 'number' ? scalar(a, cond.backend) : a;
  const tb = typeof b === 'number' ? scalar(b, cond.backend) : b;
  assertTensor('where', 'a', ta);
  assertTensor('where', 'b', tb);
  const out = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const y = runKernel(
    'where',
    [cond, ta, tb],
    out,
    (backend, c, ka, kb) => backend.where(c!, ka!, kb!, out),
    (dy) => [null, sumTo(where(cond, dy, 0), ta.shape), sumTo(where(cond, 0, dy), tb.shape)],
  );
  disposeTemporaries(ta !== a ? ta : null, tb !== b ? tb : null);
  return y;
}

function unary(op: UnaryOp, x: Tensor, grad?: (dy: Tensor, x: Tensor, y: Tensor) => Tensor): Tensor {
  assertTensor(op, 'x', x);
  return runKernel(
    op,
    [x],
    x.shape,
    (backend, kx) => backend.unary(op, kx!),
    grad && ((dy, y) => [grad(dy, x, y)]),
  );
}

export const neg = (x: Tensor): Tensor => unary('neg', x, (dy) => neg(dy));
export const exp = (x: Tensor): Tensor => unary('exp', x, (dy, _x, y) => mul(dy, y));
export const log = (x: Tensor): Tensor => unary('log', x, (dy, x) => div(dy, x));
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, (dy, _x, y) => div(dy, mul(y, 2)));
/** 1 / sqrt(x); d/dx = -0.5 * y³. */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, (dy, _x, y) => mul(dy, mul(pow(y, 3), -0.5)));
export const square = (x: Tensor): Tensor => unary('square', x, (dy, x) => mul(dy, mul(x, 2)));
export const abs = (x: Tensor): Tensor => unary('abs', x, (dy, x) => mul(dy, sign(x)));
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const reciprocal = (x: Tensor): Tensor =>
  unary('reciprocal', x, (dy, _x, y) => neg(mul(dy, square(y))));
