/**
 * 2-D max and average pooling and their gradients, NHWC.
 *
 * Output (i, j) sees the input positions `(i·sh + a·dh - top, j·sw + b·dw - left)` for a < kh, b < kw
 * that lie inside the image, per channel; padding never takes part. `out` may be larger than the floor
 * formula gives (ceil mode): the last windows are then partial. Core guarantees no window is all padding.
 */

import type { AvgPool2DAttrs, KernelTensor, Pool2DAttrs, Shape } from '@cnn/core';
import { size } from '../indexing.js';

type T = KernelTensor<Float32Array>;

/** The flat NHWC offsets of the real input positions in window (n, i, j, c), in row-major tap order. */
function windowPositions(
  attrs: Pool2DAttrs,
  inputShape: Shape,
  n: number,
  i: number,
  j: number,
  c: number,
): number[] {
  const [, H, W, C] = inputShape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [top, left] = attrs.pads;
  const positions: number[] = [];
  for (let a = 0; a < kh; a++) {
    const h = i * sh + a * dh - top;
    if (h < 0 || h >= H) continue; // padding: not part of the window
    for (let b = 0; b < kw; b++) {
      const w = j * sw + b * dw - left;
      if (w < 0 || w >= W) continue;
      positions.push(((n * H + h) * W + w) * C + c);
    }
  }
  return positions;
}

/**
 * The argmax of a window: the first position (row-major in the window) holding its maximum, or the
 * first NaN if it holds one (a NaN beats everything, and the first NaN wins).
 */
function argmax(data: Float32Array, positions: readonly number[]): number {
  let best = positions[0];
  for (const p of positions) {
    if (Number.isNaN(data[p])) return p;
    if (data[p] > data[best]) best = p;
  }
  return best;
}

/**
 * The avgPool divisor of window (i, j).
 * countIncludePad: the number of taps inside the PADDED input (rows -top .. H + bottom - 1, columns
 * -left .. W + right - 1), so a ceil-mode window that reaches past the end padding is clipped there.
 * Otherwise: the number of real input positions in the window.
 */
function divisor(attrs: AvgPool2DAttrs, inputShape: Shape, i: number, j: number): number {
  const [, H, W] = inputShape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [top, left, bottom, right] = attrs.pads;
  const firstRow = attrs.countIncludePad ? -top : 0;
  const endRow = attrs.countIncludePad ? H + bottom : H;
  const firstCol = attrs.countIncludePad ? -left : 0;
  const endCol = attrs.countIncludePad ? W + right : W;
  let rows = 0;
  for (let a = 0; a < kh; a++) {
    const h = i * sh + a * dh - top;
    if (h >= firstRow && h < endRow) rows++;
  }
  let cols = 0;
  for (let b = 0; b < kw; b++) {
    const w = j * sw + b * dw - left;
    if (w >= firstCol && w < endCol) cols++;
  }
  return rows * cols;
}

/** Calls `visit(n, i, j, c, flat)` for every element of an NHWC shape, in row-major order. */
function forEachNHWC(
  shape: Shape,
  visit: (n: number, i: number, j: number, c: number, flat: number) => void,
) {
  const [N, OH, OW, C] = shape as [number, number, number, number];
  let flat = 0;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        for (let c = 0; c < C; c++) visit(n, i, j, c, flat++);
      }
    }
  }
}

/** y = the window's largest value, NaN if it holds a NaN: the value at the window's argmax. */
export function maxPool(x: T, attrs: Pool2DAttrs, out: Shape): Float32Array {
  const y = new Float32Array(size(out));
  forEachNHWC(out, (n, i, j, c, flat) => {
    y[flat] = x.data[argmax(x.data, windowPositions(attrs, x.shape, n, i, j, c))];
  });
  return y;
}

/** dx = Σ over windows whose argmax is this position, of the window's dy. `out` is x's shape. */
export function maxPoolBackprop(dy: T, x: T, attrs: Pool2DAttrs, out: Shape): Float32Array {
  const dx = new Float64Array(size(out));
  forEachNHWC(dy.shape, (n, i, j, c, flat) => {
    dx[argmax(x.data, windowPositions(attrs, x.shape, n, i, j, c))] += dy.data[flat];
  });
  return Float32Array.from(dx);
}

/** y = (Σ of the window's real values) / divisor, summed in float64. */
export function avgPool(x: T, attrs: AvgPool2DAttrs, out: Shape): Float32Array {
  const y = new Float32Array(size(out));
  forEachNHWC(out, (n, i, j, c, flat) => {
    let sum = 0;
    for (const p of windowPositions(attrs, x.shape, n, i, j, c)) sum += x.data[p];
    y[flat] = sum / divisor(attrs, x.shape, i, j);
  });
  return y;
}

/** dx = Σ over the windows that hold this real position, of dy / divisor. `out` is the input shape. */
export function avgPoolBackprop(dy: T, attrs: AvgPool2DAttrs, out: Shape): Float32Array {
  const dx = new Float64Array(size(out));
  forEachNHWC(dy.shape, (n, i, j, c, flat) => {
    const share = dy.data[flat] / divisor(attrs, out, i, j);
    for (const p of windowPositions(attrs, out, n, i, j, c)) dx[p] += share;
  });
  return Float32Array.from(dx);
}
