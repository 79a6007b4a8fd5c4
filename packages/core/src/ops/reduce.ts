import type { ReduceOp } from '../backend.js';
import { composite } from '../memory.js';
import { assertTensor, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div, equal, exp, mul, sub } from './elementwise.js';
import { broadcastTo, reshape } from './layout.js';
import { runKernel } from './op.js';

/** Resolves `axes` (undefined = all, negatives allowed) to sorted unique non-negative axes. */
export function resolveAxes(op: string, rank: number, axes?: number | readonly number[]): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  const list = typeof axes === 'number' ? [axes] : axes;
  const resolved = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))];
  return resolved.sort((a, b) => a - b);
}

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
  return composite(() => {
    const y = runKernel(
      op,
      [x],
      kept,
      (backend, kx) => backend.reduce(op, kx!, resolved, kept),
      (dy, y) => {
        // dy arrives in y's shape (kept or squeezed); bring it back to the kept shape, then broadcast.
        const dyKept = reshape(dy, kept);
        if (op === 'sum') return [broadcastTo(dyKept, x.shape)];
        if (op === 'mean') return [broadcastTo(div(dyKept, count), x.shape)];
        // max/min: the gradient is shared equally among the tied extremes.
        const mask = equal(x, reshape(y, kept));
        return [mul(mask, div(dyKept, sum(mask, resolved, true)))];
      },
    );
    if (keepDims) return y;
    return reshape(
      y,
      kept.filter((_, i) => !resolved.includes(i)),
    );
  });
}

export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduce('sum', x, axes, keepDims);
export const mean = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduce('mean', x, axes, keepDims);
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduce('max', x, axes, keepDims);
export const min = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor =>
  reduce('min', x, axes, keepDims);

/** Softmax along `axis` (default last): exp(x - max) / Σ exp(x - max). */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertTensor('softmax', 'x', x);
  const a = normalizeAxis('softmax', axis, x.rank);
  return runKernel(
    'softmax',
    [x],
    x.shape,
    (backend, kx) => backend.softmax(kx!, a),
    // dx = y * (dy - Σ dy·y)
    (dy, y) => [mul(y, sub(dy, sum(mul(dy, y), a, true)))],
  );
}

/** log(softmax(x)) computed stably: x - max - log Σ exp(x - max). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  assertTensor('logSoftmax', 'x', x);
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  return runKernel(
    'logSoftmax',
    [x],
    x.shape,
    (backend, kx) => backend.logSoftmax(kx!, a),
    // dx = dy - softmax(x) * Σ dy
    (dy, y) => [sub(dy, mul(exp(y), sum(dy, a, true)))],
  );
}
