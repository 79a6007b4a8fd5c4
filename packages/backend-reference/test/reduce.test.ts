import { describe, it } from 'vitest';
import { reference } from '../src/index.js';
import { expectValues, range, t } from './helpers.js';

const b = reference();

// x[i,j,k] = 6i + 2j + k, shape [2,3,2].
const x = t([2, 3, 2], range(12));

describe('reduce', () => {
  it('over axes [0, 2]: out [1,3,1]', () => {
    // Σ_{i,k} (6i + 2j + k) = 12 + 8j + 2.
    expectValues(b.reduce('sum', x, [0, 2], [1, 3, 1]), [14, 22, 30]);
    expectValues(b.reduce('mean', x, [0, 2], [1, 3, 1]), [3.5, 5.5, 7.5]);
    expectValues(b.reduce('max', x, [0, 2], [1, 3, 1]), [7, 9, 11]);
    expectValues(b.reduce('min', x, [0, 2], [1, 3, 1]), [0, 2, 4]);
  });

  it('over one axis, and over all axes', () => {
    // Over j: Σ_j (6i + 2j + k) = 18i + 6 + 3k.
    expectValues(b.reduce('sum', x, [1], [2, 1, 2]), [6, 9, 24, 27]);
    expectValues(b.reduce('sum', x, [0, 1, 2], [1, 1, 1]), [66]);
    expectValues(b.reduce('mean', x, [0, 1, 2], [1, 1, 1]), [5.5]);
  });

  it('no axes: a copy', () => {
    for (const op of ['sum', 'mean', 'max', 'min'] as const) {
      expectValues(b.reduce(op, x, [], [2, 3, 2]), range(12));
    }
  });

  it('max / min / sum of a set holding NaN are NaN', () => {
    const nan = t([1, 3], [1, Number.NaN, 3]);
    for (const op of ['sum', 'mean', 'max', 'min'] as const) {
      expectValues(b.reduce(op, nan, [1], [1, 1]), [Number.NaN]);
    }
    // Infinities are ordinary values.
    const inf = t([3], [Number.NEGATIVE_INFINITY, 2, Number.POSITIVE_INFINITY]);
    expectValues(b.reduce('max', inf, [0], [1]), [Number.POSITIVE_INFINITY]);
    expectValues(b.reduce('min', inf, [0], [1]), [Number.NEGATIVE_INFINITY]);
  });

  it('accumulates in float64: a mean of finite values is finite, a sum of 2^24 + 1 + 1 is exact', () => {
    expectValues(b.reduce('mean', t([3], [3e38, 3e38, 3e38]), [0], [1]), [3e38]);
    expectValues(b.reduce('sum', t([3], [3e38, 3e38, 3e38]), [0], [1]), [Number.POSITIVE_INFINITY]);
    expectValues(b.reduce('sum', t([3], [2 ** 24, 1, 1]), [0], [1]), [2 ** 24 + 2]);
  });
});
