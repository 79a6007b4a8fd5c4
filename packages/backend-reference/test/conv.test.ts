import type { Conv2DAttrs } from '@cnn/core';
import { describe, it } from 'vitest';
import { reference } from '../src/index.js';
import { expectValues, range, t } from './helpers.js';

const b = reference();

const same3x3: Conv2DAttrs = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 };

// x = 1 2 3 / 4 5 6 / 7 8 9 (one image, one channel).
const x3 = t([1, 3, 3, 1], range(9, 1));
// An asymmetric 3x3 filter: 1 at tap (0,0), 2 at tap (2,2), so y[i,j] = x[i-1,j-1] + 2 x[i+1,j+1].
const corner = t([3, 3, 1, 1], [1, 0, 0, 0, 0, 0, 0, 0, 2]);

describe('conv2d', () => {
  it('3x3, pads 1, ones filter: the zero-padded neighbourhood sums', () => {
    const y = b.conv2d(x3, t([3, 3, 1, 1], new Array(9).fill(1)), same3x3, [1, 3, 3, 1]);
    expectValues(y, [12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });

  it('3x3, pads 1, asymmetric filter: taps are not flipped (cross-correlation)', () => {
    // (0,0): 0 + 2·5; (0,1): 0 + 2·6; (0,2): 0 + 0; (1,0): 0 + 2·8; (1,1): 1 + 2·9; (1,2): 2 + 0;
    // (2,0): 0; (2,1): x[1,0] = 4; (2,2): x[1,1] = 5.
    expectValues(b.conv2d(x3, corner, same3x3, [1, 3, 3, 1]), [10, 12, 0, 16, 19, 2, 0, 4, 5]);
  });

  it('stride 2 and dilation 2: a 2x2 filter of ones reads x[2i,2j], x[2i,2j+2], x[2i+2,2j], x[2i+2,2j+2]', () => {
    // x[h,w] = 5h + w on 5x5; extent 3, out (5 - 3)/2 + 1 = 2; y = 40i + 8j + 24.
    const x = t([1, 5, 5, 1], range(25));
    const attrs: Conv2DAttrs = { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [2, 2], groups: 1 };
    expectValues(b.conv2d(x, t([2, 2, 1, 1], [1, 1, 1, 1]), attrs, [1, 2, 2, 1]), [24, 32, 64, 72]);
  });

  it('asymmetric pads [top, left, bottom, right]', () => {
    // 1x2 filter [1, 10] on the 3x3 image with left pad 1, no right pad: y[i,j] = x[i,j-1] + 10 x[i,j].
    const attrs: Conv2DAttrs = { strides: [1, 1], pads: [0, 1, 0, 0], dilations: [1, 1], groups: 1 };
    const y = b.conv2d(x3, t([1, 2, 1, 1], [1, 10]), attrs, [1, 3, 3, 1]);
    expectValues(y, [10, 21, 32, 40, 54, 65, 70, 87, 98]);
  });

  it('groups: each output channel reads only its group of input channels', () => {
    // 4 input channels [1,2,3,4], 2 groups, filter [1,1,2,4]: w[c][o] = (c+1)·10^o.
    const w = t([1, 1, 2, 4], [1, 10, 100, 1000, 2, 20, 200, 2000]);
    const attrs: Conv2DAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 2 };
    // o0, o1 (group 0): 1·w[0][o] + 2·w[1][o]; o2, o3 (group 1): 3·w[0][o] + 4·w[1][o].
    expectValues(b.conv2d(t([1, 1, 1, 4], [1, 2, 3, 4]), w, attrs, [1, 1, 1, 4]), [5, 50, 1100, 11000]);
  });

  it('batch and several channels: y[n,0,0,o] = Σ_c x[n,0,0,c] w[0,0,c,o]', () => {
    const x = t([2, 1, 1, 2], [1, 2, 3, 4]);
    const w = t([1, 1, 2, 3], [1, 0, -1, 0, 1, 2]);
    const attrs: Conv2DAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
    expectValues(b.conv2d(x, w, attrs, [2, 1, 1, 3]), [1, 2, 3, 3, 4, 5]);
  });

  it('accumulates in float64 and rounds once', () => {
    // 2^24 + 1 - 2^24: a float32 accumulator loses the 1.
    const x = t([1, 1, 3, 1], [2 ** 24, 1, -(2 ** 24)]);
    const attrs: Conv2DAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
    expectValues(b.conv2d(x, t([1, 3, 1, 1], [1, 1, 1]), attrs, [1, 1, 1, 1]), [1]);
  });
});

describe('conv2dBackpropInput', () => {
  it('3x3, pads 1, dy = ones: each x gets the filter taps of the outputs that read it', () => {
    // Tap (0,0) = 1 reads x[i-1,j-1]: x rows/cols 0..1 get 1; tap (2,2) = 2 reads x[i+1,j+1]: rows/cols 1..2 get 2.
    const dx = b.conv2dBackpropInput(t([1, 3, 3, 1], new Array(9).fill(1)), corner, same3x3, [1, 3, 3, 1]);
    expectValues(dx, [1, 1, 0, 1, 3, 2, 0, 2, 2]);
  });

  it('stride 2: positions no window read (row 3, column 3, odd positions) get 0', () => {
    const attrs: Conv2DAttrs = { strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
    const dx = b.conv2dBackpropInput(
      t([1, 2, 2, 1], [1, 2, 3, 4]),
      t([1, 1, 1, 1], [3]),
      attrs,
      [1, 4, 4, 1],
    );
    expectValues(dx, [3, 0, 6, 0, 0, 0, 0, 0, 9, 0, 12, 0, 0, 0, 0, 0]);
  });

  it("groups: dx[c] sums over the output channels of c's group only", () => {
    const w = t([1, 1, 2, 4], [1, 10, 100, 1000, 2, 20, 200, 2000]);
    const attrs: Conv2DAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 2 };
    const dx = b.conv2dBackpropInput(t([1, 1, 1, 4], [1, 1, 1, 1]), w, attrs, [1, 1, 1, 4]);
    expectValues(dx, [11, 22, 1100, 2200]);
  });
});

describe('conv2dBackpropFilter', () => {
  it('3x3, pads 1: dw[a,b] = Σ_ij x[i+a-1, j+b-1] dy[i,j]', () => {
    // dy = 1 at (0,0) and 10 at (2,2): dw[a,b] = x[a-1,b-1] + 10 x[a+1,b+1] (0 outside the image).
    const dy = t([1, 3, 3, 1], [1, 0, 0, 0, 0, 0, 0, 0, 10]);
    const dw = b.conv2dBackpropFilter(x3, dy, same3x3, [3, 3, 1, 1]);
    expectValues(dw, [50, 60, 0, 80, 91, 2, 0, 4, 5]);
  });

  it('dy = ones gives the neighbourhood sums', () => {
    const dw = b.conv2dBackpropFilter(x3, t([1, 3, 3, 1], new Array(9).fill(1)), same3x3, [3, 3, 1, 1]);
    expectValues(dw, [12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });

  it('groups: dw[0,0,c,o] = x[group(o)·2 + c] · dy[o]', () => {
    const attrs: Conv2DAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 2 };
    const dw = b.conv2dBackpropFilter(
      t([1, 1, 1, 4], [1, 2, 3, 4]),
      t([1, 1, 1, 4], [1, 1, 1, 1]),
      attrs,
      [1, 1, 2, 4],
    );
    expectValues(dw, [1, 1, 3, 3, 2, 2, 4, 4]);
  });

  it('sums over the batch', () => {
    const attrs: Conv2DAttrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
    const dw = b.conv2dBackpropFilter(t([2, 1, 1, 1], [2, 3]), t([2, 1, 1, 1], [5, 7]), attrs, [1, 1, 1, 1]);
    expectValues(dw, [2 * 5 + 3 * 7]);
  });
});
