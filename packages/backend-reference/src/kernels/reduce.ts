/**
 * sum / mean / max / min over a set of axes. `out` keeps each reduced dim as 1; for each output element
 * the kernel walks the block of input elements that collapse onto it, accumulating in float64.
 */

import type { KernelTensor, ReduceOp, Shape } from '@cnn/core';
import { ravel, size, stridesOf, unravel } from '../indexing.js';

export function reduce(
  op: ReduceOp,
  x: KernelTensor<Float32Array>,
  axes: readonly number[],
  out: Shape,
): Float32Array {
  const xStrides = stridesOf(x.shape);
  // The block that collapses onto one output element: the reduced dims' sizes (no axes: one element).
  const blockShape = axes.map((axis) => x.shape[axis]);
  const count = size(blockShape);

  const y = new Float32Array(size(out));
  for (let flat = 0; flat < y.length; flat++) {
    const index = unravel(flat, out); // reduced dims read 0 here
    let sum = 0;
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (let k = 0; k < count; k++) {
      const offsets = unravel(k, blockShape);
      axes.forEach((axis, r) => {
        index[axis] = offsets[r];
      });
      const v = x.data[ravel(index, xStrides)];
      sum += v;
      max = Math.max(max, v); // NaN sticks
      min = Math.min(min, v);
    }
    switch (op) {
      case 'sum':
        y[flat] = sum;
        break;
      case 'mean':
        y[flat] = sum / count; // the float64 sum cannot overflow, so a mean of finite values is finite
        break;
      case 'max':
        y[flat] = max;
        break;
      case 'min':
        y[flat] = min;
        break;
    }
  }
  return y;
}
