import { describe, it } from 'vitest';
import { reference } from '../src/index.js';
import { expectValues, range, t } from './helpers.js';

const b = reference();

describe('concat', () => {
  it('three inputs along axis 1', () => {
    const y = b.concat([t([2, 1], [1, 2]), t([2, 2], [3, 4, 5, 6]), t([2, 1], [7, 8])], 1, [2, 4]);
    expectValues(y, [1, 3, 4, 7, 2, 5, 6, 8]);
  });

  it('along axis 0 and along the last axis of a rank-3 tensor', () => {
    expectValues(b.concat([t([1, 2], [1, 2]), t([2, 2], [3, 4, 5, 6])], 0, [3, 2]), [1, 2, 3, 4, 5, 6]);
    const y = b.concat([t([2, 1, 1], [1, 2]), t([2, 1, 2], [10, 11, 20, 21])], 2, [2, 1, 3]);
    expectValues(y, [1, 10, 11, 2, 20, 21]);
  });
});

describe('slice', () => {
  it('the block of shape out starting at begin', () => {
    // x[i,j] = 4i + j on [3,4].
    expectValues(b.slice(t([3, 4], range(12)), [1, 1], [2, 2]), [5, 6, 9, 10]);
    expectValues(b.slice(t([3, 4], range(12)), [0, 3], [3, 1]), [3, 7, 11]);
  });
});

describe('transpose', () => {
  it('a matrix', () => {
    expectValues(b.transpose(t([2, 3], range(6)), [1, 0], [3, 2]), [0, 3, 1, 4, 2, 5]);
  });

  it('output axis i is input axis perm[i]', () => {
    // x[p,q,r] = 12p + 4q + r on [2,3,4]; perm [2,0,1]: y[r,p,q] = x[p,q,r], out [4,2,3].
    const y = b.transpose(t([2, 3, 4], range(24)), [2, 0, 1], [4, 2, 3]);
    const expected: number[] = [];
    for (let r = 0; r < 4; r++) {
      for (let p = 0; p < 2; p++) {
        for (let q = 0; q < 3; q++) expected.push(12 * p + 4 * q + r);
      }
    }
    expectValues(y, expected);
    expectValues(y.subarray(0, 6), [0, 4, 8, 12, 16, 20]);
  });
});

describe('pad', () => {
  it('before / after per axis, filled with value', () => {
    const y = b.pad(t([2, 2], [1, 2, 3, 4]), [1, 0], [0, 2], -1, [3, 4]);
    expectValues(y, [-1, -1, -1, -1, 1, 2, -1, -1, 3, 4, -1, -1]);
  });

  it('NaN as the pad value, and no padding on an axis', () => {
    const y = b.pad(t([1, 2], [1, 2]), [0, 1], [0, 1], Number.NaN, [1, 4]);
    expectValues(y, [Number.NaN, 1, 2, Number.NaN]);
  });
});
