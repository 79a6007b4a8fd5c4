import type { AvgPool2DAttrs, Pool2DAttrs } from '@cnn/core';
import { describe, it } from 'vitest';
import { reference } from '../src/index.js';
import { expectValues, range, t } from './helpers.js';

const b = reference();

// x[h,w] = 4h + w + 1 on 4x4. Kernel 3, stride 2, pads 1 on every side, ceil mode: 3x3 outputs
// (floor would give 2). Window rows (and columns): i=0 -> {-1,0,1}, i=1 -> {1,2,3}, i=2 -> {3,4,5}; the real
// ones are R0 = {0,1}, R1 = {1,2,3}, R2 = {3}. Row 4 is end padding, row 5 lies past the padded input.
const x4 = t([1, 4, 4, 1], range(16, 1));
const ceilWindow: Pool2DAttrs = { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1] };
const ceilOut = [1, 3, 3, 1];

describe('maxPool', () => {
  it('ceil mode with padding: max of the real positions, x[max R_i, max R_j]', () => {
    // max rows: 1, 3, 3 -> y = 4·r_i + r_j + 1.
    expectValues(b.maxPool(x4, ceilWindow, ceilOut), [6, 8, 8, 14, 16, 16, 14, 16, 16]);
  });

  it('padding never wins: an all-negative image keeps its values', () => {
    const attrs: Pool2DAttrs = { kernel: [2, 2], strides: [1, 1], pads: [1, 1, 0, 0], dilations: [1, 1] };
    expectValues(b.maxPool(t([1, 2, 2, 1], [-4, -3, -2, -1]), attrs, [1, 2, 2, 1]), [-4, -3, -2, -1]);
  });

  it('NaN in a window gives NaN; -Infinity is an ordinary value', () => {
    // Two 2x2 windows: {5, 2, 5, 5} and {1, NaN, 3, NaN}.
    const x = t([1, 2, 4, 1], [5, 2, 1, Number.NaN, 5, 5, 3, Number.NaN]);
    const attrs: Pool2DAttrs = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] };
    expectValues(b.maxPool(x, attrs, [1, 1, 2, 1]), [5, Number.NaN]);
    const inf = t([1, 1, 2, 1], [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    const row: Pool2DAttrs = { kernel: [1, 2], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] };
    expectValues(b.maxPool(inf, row, [1, 1, 1, 1]), [Number.NEGATIVE_INFINITY]);
  });

  it('per channel, with dilation', () => {
    // 1x3 image, 2 channels; kernel 1x2 dilation 2 reads columns 0 and 2.
    const x = t([1, 1, 3, 2], [1, 9, 5, 0, 3, -1]);
    const attrs: Pool2DAttrs = { kernel: [1, 2], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 2] };
    expectValues(b.maxPool(x, attrs, [1, 1, 1, 2]), [3, 9]);
  });
});

describe('maxPoolBackprop', () => {
  it('routes dy to the first maximum (ties) or the first NaN', () => {
    const x = t([1, 2, 4, 1], [5, 2, 1, Number.NaN, 5, 5, 3, Number.NaN]);
    const attrs: Pool2DAttrs = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] };
    // Window 0: the first 5 is at (0,0); window 1: the first NaN is at (0,3).
    const dx = b.maxPoolBackprop(t([1, 1, 2, 1], [10, 20]), x, attrs, [1, 2, 4, 1]);
    expectValues(dx, [10, 0, 0, 20, 0, 0, 0, 0]);
  });

  it('the first maximum need not be the first position; overlapping windows add up', () => {
    // x = [1, 3, 2], windows {0,1} and {1,2}: both argmaxes are position 1.
    const attrs: Pool2DAttrs = { kernel: [1, 2], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] };
    const dx = b.maxPoolBackprop(t([1, 1, 2, 1], [1, 10]), t([1, 1, 3, 1], [1, 3, 2]), attrs, [1, 1, 3, 1]);
    expectValues(dx, [0, 11, 0]);
    // Ties in a later window: {7, 7} -> the first 7.
    const tie = b.maxPoolBackprop(t([1, 1, 2, 1], [1, 10]), t([1, 1, 3, 1], [-1, 7, 7]), attrs, [1, 1, 3, 1]);
    expectValues(tie, [0, 11, 0]);
  });

  it("ceil mode with padding: each window's dy lands on its bottom-right real position", () => {
    // x increases along rows and columns, so each argmax is (max R_i, max R_j) with max R = 1, 3, 3.
    const dy = t([1, 3, 3, 1], range(9, 1));
    const dx = b.maxPoolBackprop(dy, x4, ceilWindow, [1, 4, 4, 1]);
    // (1,1) <- dy[0,0] = 1; (1,3) <- dy[0,1] + dy[0,2] = 5; (3,1) <- dy[1,0] + dy[2,0] = 11;
    // (3,3) <- dy[1,1] + dy[1,2] + dy[2,1] + dy[2,2] = 5 + 6 + 8 + 9.
    expectValues(dx, [0, 0, 0, 0, 0, 1, 0, 5, 0, 0, 0, 0, 0, 11, 0, 28]);
  });
});

describe('avgPool', () => {
  it('countIncludePad false: divides by the number of real positions', () => {
    const attrs: AvgPool2DAttrs = { ...ceilWindow, countIncludePad: false };
    // mean = 4·mean(R_i) + mean(R_j) + 1, mean(R) = 0.5, 2, 3.
    expectValues(b.avgPool(x4, attrs, ceilOut), [3.5, 5, 6, 9.5, 11, 12, 13.5, 15, 16]);
  });

  it('countIncludePad true: divides by the window clipped to the padded input (rows -1..4)', () => {
    const attrs: AvgPool2DAttrs = { ...ceilWindow, countIncludePad: true };
    // Divisor per dim: 3, 3, 2 (the last window {3,4,5} keeps 3 and the pad row 4, not 5).
    // Sums: |R_i||R_j|·mean, |R| = 2, 3, 1.
    const expected = [14 / 9, 30 / 9, 12 / 6, 57 / 9, 99 / 9, 36 / 6, 27 / 6, 45 / 6, 16 / 4];
    expectValues(b.avgPool(x4, attrs, ceilOut), expected);
  });

  it('no padding, no ceil: both divisor rules agree', () => {
    const attrs = { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] } as const;
    for (const countIncludePad of [false, true]) {
      expectValues(b.avgPool(x4, { ...attrs, countIncludePad }, [1, 2, 2, 1]), [3.5, 5.5, 11.5, 13.5]);
    }
  });

  it('sums in float64: the mean of 3e38 values is finite', () => {
    const attrs: AvgPool2DAttrs = {
      kernel: [2, 2],
      strides: [1, 1],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      countIncludePad: false,
    };
    expectValues(b.avgPool(t([1, 2, 2, 1], [3e38, 3e38, 3e38, 3e38]), attrs, [1, 1, 1, 1]), [3e38]);
  });
});

describe('avgPoolBackprop', () => {
  // With dy = ones the result separates: dx[h,w] = r(h)·r(w), r(h) = Σ over windows i holding row h of 1/d_i.
  const dy = t([1, 3, 3, 1], new Array(9).fill(1));
  const outer = (r: number[]) => r.flatMap((rh) => r.map((rw) => rh * rw));

  it('countIncludePad false: d = 2, 3, 1', () => {
    const dx = b.avgPoolBackprop(dy, { ...ceilWindow, countIncludePad: false }, [1, 4, 4, 1]);
    expectValues(dx, outer([1 / 2, 1 / 2 + 1 / 3, 1 / 3, 1 / 3 + 1]), 1e-7);
  });

  it('countIncludePad true: d = 3, 3, 2, and nothing lands on padding', () => {
    const dx = b.avgPoolBackprop(dy, { ...ceilWindow, countIncludePad: true }, [1, 4, 4, 1]);
    expectValues(dx, outer([1 / 3, 2 / 3, 1 / 3, 1 / 3 + 1 / 2]), 1e-7);
  });
});
