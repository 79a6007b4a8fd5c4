import type { ReduceOp, Shape } from '../backend.js';
import { tidy } from '../memory.js';
import { assertTensor, fmt, normalizeAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div, equal, exp, log, mul, sub } from './elementwise.js';
import { concat, reshape, slice } from './layout.js';
import { runKernel, runOptionalKernel } from './op.js';
import { describeValue } from './padding.js';

/** Resolves `axes` (undefined = all, negatives allowed) to sorted unique non-negative axes. */
export function resolveAxes(op: string, rank: number, axes?: number | readonly number[]): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  if (typeof axes !== 'number' && !(Array.isArray(axes) && axes.every((a) => typeof a === 'number'))) {
    throw new Error(`${op}: axes must be a number or an array of numbers, got ${describeValue(axes)}`);
  }
  const list = typeof axes === 'number' ? [axes] : axes;
  const resolved = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))];
  return resolved.sort((a, b) => a - b);
}

/** What a reduction of no elements gives: the op's identity (mean of nothing is NaN). */
const emptyValue: Record<ReduceOp, number> = {
  sum: 0,
  mean: Number.NaN,
  max: Number.NEGATIVE_INFINITY,
  min: Number.POSITIVE_INFINITY,
};

function reduce(
  op: ReduceOp,
  x: Tensor,
  axes: number | readonly number[] | undefined,
  keepDims: boolean,
): Tensor {
  assertTensor(op, 'x', x);
  const resolved = resolveAxes(op, x.rank, axes);
  const kept = x.shape.map((d, i) => (resolved.includes(i) ? 1 : d));
  const count = resolved.reduce((n, a) => n * x.shape[a]!, 1);
  const squeezed = kept.filter((_, i) => !resolved.includes(i));
  return tidy(() => {
    const y = runKernel(op, [x], kept, (backend, kx) => backend.reduce(op, kx!, resolved, kept), {
      empty: emptyValue[op],
      grad: (dy, [x], y) => {
        // dy arrives in y's shape (kept); broadcast it back over the reduced axes.
        if (op === 'sum') return [broadcastTo(dy, x!.shape)];
        if (op === 'mean') return [broadcastTo(div(dy, count), x!.shape)];
        // max/min: the gradient is shared equally among the tied extremes.
        const mask = equal(x!, y);
        return [mul(mask, div(dy, sum(mask, resolved, true)))];
      },
    });
    return keepDims ? y : reshape(y, squeezed);
  });
}

/** The sum over `axes` (all by default); the sum of nothing is 0. */
export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduce('sum', x, axes, keepDims);
/** The mean over `axes` (all by default); the mean of nothing is NaN. */
export const mean = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduce('mean', x, axes, keepDims);
/** Maximum over `axes`; NaN where the reduced elements hold a NaN. */
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduce('max', x, axes, keepDims);
/** The minimum over `axes` (all by default); the minimum of nothing is +Infinity. */
export const min = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduce('min', x, axes, keepDims);

/** Softmax along `axis` (default last): exp(x - max) / Σ exp(x - max). */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertTensor('softmax', 'x', x);
  const a = normalizeAxis('softmax', axis, x.rank);
  return runOptionalKernel(
    'softmax',
    [x],
    x.shape,
    (backend, kx) => backend.softmax!(kx!, a, x.shape),
    () => {
      const e = exp(sub(x, max(x, a, true)));
      return div(e, sum(e, a, true));
    },
    // dx = y * (dy - Σ dy·y)
    { grad: (dy, _, y) => [mul(y, sub(dy, sum(mul(dy, y), a, true)))] },
  );
}

/** log(softmax(x)) computed stably: x - max - log Σ exp(x - max). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  assertTensor('logSoftmax', 'x', x);
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  return runOptionalKernel(
    'logSoftmax',
    [x],
    x.shape,
    (backend, kx) => backend.logSoftmax!(kx!, a, x.shape),
    () => {
      const shifted = sub(x, max(x, a, true));
      return sub(shifted, log(sum(exp(shifted), a, true)));
    },
    // dx = dy - softmax(x) * Σ dy
    { grad: (dy, _, y) => [sub(dy, mul(exp(y), sum(dy, a, true)))] },
  );
}

/**
 * Repeats size-1 dims up to `shape` (numpy broadcasting; missing leading dims count as 1). A copy, no
 * arithmetic: without a fused kernel each stretched axis is built by doubling concats. Its gradient sums
 * back (`sumTo`).
 */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  assertTensor('broadcastTo', 'x', x);
  const lead = shape.length - x.rank;
  const fits = lead >= 0 && x.shape.every((d, i) => d === shape[lead + i] || d === 1);
  if (!fits) throw new Error(`broadcastTo: shape ${fmt(x.shape)} cannot be broadcast to ${fmt(shape)}`);
  if (shapesEqual(x.shape, shape)) return x;
  const out = [...shape];
  return runOptionalKernel(
    'broadcastTo',
    [x],
    out,
    (backend, kx) => backend.broadcastTo!(kx!, out),
    () => {
      let y = reshape(x, [...Array(lead).fill(1), ...x.shape]);
      out.forEach((n, axis) => {
        if (y.shape[axis] === n) return;
        while (y.shape[axis]! * 2 <= n) y = concat([y, y], axis);
        if (y.shape[axis] !== n) {
          const rest = y.shape.map((d, i) => (i === axis ? n - d : -1));
          y = concat(
            [
              y,
              slice(
                y,
                y.shape.map(() => 0),
                rest,
              ),
            ],
            axis,
          );
        }
      });
      return y;
    },
    { grad: (dy, [x]) => [sumTo(dy, x!.shape)] },
  );
}

/** Sums a broadcast gradient back to the shape of the operand it flowed from (the adjoint of broadcastTo). */
export function sumTo(grad: Tensor, shape: Shape): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  return reshape(axes.length ? sum(grad, axes, true) : grad, shape);
}
