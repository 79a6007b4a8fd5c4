import { describe, it } from 'vitest';
import { reference } from '../src/index.js';
import { expectValues, t } from './helpers.js';

const b = reference();

describe('matMul', () => {
  it('a plain 2x3 by 3x2 product', () => {
    const a = t([2, 3], [1, 2, 3, 4, 5, 6]);
    const c = t([3, 2], [7, 8, 9, 10, 11, 12]);
    expectValues(b.matMul(a, c, false, false, [2, 2]), [58, 64, 139, 154]);
  });

  it('batch dims broadcast numpy-style: [2,1,2,2] by [3,2,2] gives [2,3,2,2]', () => {
    // a[0] = [[1,2],[3,4]], a[1] = [[0,1],[1,0]] (row swap); c = I, 2I, [[1,1],[0,1]].
    const a = t([2, 1, 2, 2], [1, 2, 3, 4, 0, 1, 1, 0]);
    const c = t([3, 2, 2], [1, 0, 0, 1, 2, 0, 0, 2, 1, 1, 0, 1]);
    const y = b.matMul(a, c, false, false, [2, 3, 2, 2]);
    expectValues(y, [1, 2, 3, 4, 2, 4, 6, 8, 1, 3, 3, 7, 0, 1, 1, 0, 0, 2, 2, 0, 0, 1, 1, 1]);
  });

  it('a rank-2 operand broadcasts against a batch', () => {
    // [2,1,2] (two row vectors) by one [2,2] matrix.
    const y = b.matMul(t([2, 1, 2], [1, 0, 0, 1]), t([2, 2], [1, 2, 3, 4]), false, false, [2, 1, 2]);
    expectValues(y, [1, 2, 3, 4]);
  });

  it('transposeA and transposeB swap the last two dims', () => {
    // a stored [2,3], c stored [2,2]: a^T c^T, a^T = [[1,4],[2,5],[3,6]], c^T = [[1,3],[2,4]].
    const a = t([2, 3], [1, 2, 3, 4, 5, 6]);
    const c = t([2, 2], [1, 2, 3, 4]);
    expectValues(b.matMul(a, c, true, true, [3, 2]), [9, 19, 12, 26, 15, 33]);
    // a c2^T with c2 stored [2,3] = [[1,0,1],[0,1,0]].
    const c2 = t([2, 3], [1, 0, 1, 0, 1, 0]);
    expectValues(b.matMul(a, c2, false, true, [2, 2]), [4, 2, 10, 5]);
    // a^T c3 with c3 stored [2,1] = [[1],[1]]: column sums of a.
    expectValues(b.matMul(a, t([2, 1], [1, 1]), true, false, [3, 1]), [5, 7, 9]);
  });

  it('transposes inside a broadcast batch', () => {
    // a: [1,2,2] = [[1,2],[3,4]] shared by both batches; c: [2,2,2]; y[k] = a^T c[k]^T.
    const a = t([1, 2, 2], [1, 2, 3, 4]);
    const c = t([2, 2, 2], [1, 0, 0, 1, 0, 1, 1, 0]);
    // a^T = [[1,3],[2,4]]; c[0]^T = I; c[1]^T = swap: a^T swap = [[3,1],[4,2]].
    expectValues(b.matMul(a, c, true, true, [2, 2, 2]), [1, 3, 2, 4, 3, 1, 4, 2]);
  });

  it('accumulates in float64 and rounds once', () => {
    const y = b.matMul(t([1, 3], [2 ** 24, 1, -(2 ** 24)]), t([3, 1], [1, 1, 1]), false, false, [1, 1]);
    expectValues(y, [1]);
  });
});
