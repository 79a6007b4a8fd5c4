import { describe, expect, it } from 'vitest';
import { reference } from '../src/index.js';
import { expectValues, t } from './helpers.js';

const b = reference();
const { NaN: nan, POSITIVE_INFINITY: Inf, NEGATIVE_INFINITY: NInf } = Number;

describe('binary', () => {
  it('numpy broadcasting: [2,1] with [3] gives [2,3]', () => {
    const a = t([2, 1], [1, 2]);
    const c = t([3], [10, 20, 30]);
    expectValues(b.binary('add', a, c, [2, 3]), [11, 21, 31, 12, 22, 32]);
    expectValues(b.binary('sub', a, c, [2, 3]), [-9, -19, -29, -8, -18, -28]);
    expectValues(b.binary('mul', c, a, [2, 3]), [10, 20, 30, 20, 40, 60]);
  });

  it('a rank-0 operand and size-1 dims in the middle stretch', () => {
    expectValues(b.binary('mul', t([], [5]), t([2, 2], [1, 2, 3, 4]), [2, 2]), [5, 10, 15, 20]);
    // [2,1,2] + [1,3,1] -> [2,3,2]: y[i,j,k] = a[i,k] + c[j].
    const y = b.binary('add', t([2, 1, 2], [0, 1, 10, 11]), t([1, 3, 1], [100, 200, 300]), [2, 3, 2]);
    expectValues(y, [100, 101, 200, 201, 300, 301, 110, 111, 210, 211, 310, 311]);
  });

  it('div follows IEEE 754', () => {
    expectValues(b.binary('div', t([4], [1, -1, 0, 1]), t([4], [0, 0, 0, -0]), [4]), [Inf, NInf, nan, NInf]);
    expectValues(b.binary('div', t([1], [1]), t([1], [3]), [1]), [1 / 3]);
  });

  it('maximum / minimum: NaN if either operand is NaN', () => {
    const a = t([3], [nan, 1, -1]);
    const c = t([3], [0, nan, 2]);
    expectValues(b.binary('maximum', a, c, [3]), [nan, nan, 2]);
    expectValues(b.binary('minimum', a, c, [3]), [nan, nan, -1]);
  });

  it('pow is IEEE 754 pow', () => {
    const base = t([9], [2, -8, nan, 1, -2, 0, nan, -1, 1]);
    const exponent = t([9], [3, 1 / 3, 0, nan, 0.5, -1, 1, -Inf, Inf]);
    expectValues(b.binary('pow', base, exponent, [9]), [8, nan, 1, 1, nan, Inf, nan, 1, 1]);
    expectValues(b.binary('pow', t([2], [-2, -2]), t([2], [2, 3]), [2]), [4, -8]);
  });

  it('equal / greater give 1 or 0, and 0 for any NaN', () => {
    expectValues(b.binary('equal', t([4], [1, nan, 2, 0]), t([4], [1, nan, 3, -0]), [4]), [1, 0, 0, 1]);
    expectValues(b.binary('greater', t([4], [2, nan, 1, 0]), t([4], [1, 0, 1, nan]), [4]), [1, 0, 0, 0]);
  });

  it('rounds the float64 result once to float32', () => {
    // 1 + 2^-30 is not a float32: the sum rounds back to 1.
    expectValues(b.binary('add', t([1], [1]), t([1], [2 ** -30]), [1]), [1]);
  });
});

describe('unary', () => {
  const run = (op: Parameters<typeof b.unary>[0], values: number[]) =>
    b.unary(op, t([values.length], values), [values.length]);

  it('neg, exp, log, sqrt, rsqrt, square, abs, reciprocal', () => {
    expectValues(run('neg', [1, -2, 0]), [-1, 2, -0]);
    expectValues(run('exp', [0, 1, NInf]), [1, Math.E, 0]);
    expectValues(run('log', [1, 0, -1, Inf]), [0, NInf, nan, Inf]);
    expectValues(run('sqrt', [4, -1, 0]), [2, nan, 0]);
    expectValues(run('rsqrt', [4, 0, Inf]), [0.5, Inf, 0]);
    expectValues(run('square', [-3, 0.5]), [9, 0.25]);
    expectValues(run('abs', [-2, 3, -0]), [2, 3, 0]);
    expectValues(run('reciprocal', [4, 0, -0]), [0.25, Inf, NInf]);
  });

  it('sign: -1, 0 or 1; sign(±0) = ±0, sign(NaN) = NaN', () => {
    expectValues(run('sign', [-3, -0, 0, 2, nan, NInf]), [-1, -0, 0, 1, nan, -1]);
  });

  it('never mutates its input', () => {
    const x = t([2], [4, 9]);
    const y = b.unary('sqrt', x, [2]);
    expect(Array.from(x.data)).toEqual([4, 9]);
    expect(y).not.toBe(x.data);
  });
});
