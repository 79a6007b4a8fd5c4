/**
 * 2-D convolution and its two gradients, x NHWC, filter HWIO `[kh, kw, inC / groups, outC]`.
 *
 * The forward formula (core's `Conv2DAttrs`), for output channel o of group g = floor(o / (outC/groups)):
 *
 *   y[n,i,j,o] = Σ_{a<kh, b<kw, c<inC/groups} x[n, i·sh + a·dh - top, j·sw + b·dw - left, g·inC/groups + c]
 *                                             · w[a, b, c, o]
 *
 * with x outside the image 0. Each kernel below loops over ITS OWN output elements and sums, in float64,
 * exactly the terms of this formula that involve that element.
 */

import type { Conv2DAttrs, KernelTensor, Shape } from '@cnn/core';
import { size } from '../indexing.js';

type T = KernelTensor<Float32Array>;

/** y[n,i,j,o]: for each output element, loop over the taps and the group's input channels. */
export function conv2d(x: T, filter: T, attrs: Conv2DAttrs, out: Shape): Float32Array {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const [kh, kw, inPerGroup, O] = filter.shape as [number, number, number, number];
  const [, OH, OW] = out as [number, number, number, number];
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [top, left] = attrs.pads;
  const outPerGroup = O / attrs.groups;

  const xAt = (n: number, h: number, w: number, c: number) => x.data[((n * H + h) * W + w) * C + c];
  const wAt = (a: number, b: number, c: number, o: number) =>
    filter.data[((a * kw + b) * inPerGroup + c) * O + o];

  const y = new Float32Array(size(out));
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        for (let o = 0; o < O; o++) {
          const g = Math.floor(o / outPerGroup);
          let sum = 0;
          for (let a = 0; a < kh; a++) {
            const h = i * sh + a * dh - top;
            if (h < 0 || h >= H) continue; // zero padding
            for (let b = 0; b < kw; b++) {
              const w = j * sw + b * dw - left;
              if (w < 0 || w >= W) continue; // zero padding
              for (let c = 0; c < inPerGroup; c++) {
                sum += xAt(n, h, w, g * inPerGroup + c) * wAt(a, b, c, o);
              }
            }
          }
          y[((n * OH + i) * OW + j) * O + o] = sum;
        }
      }
    }
  }
  return y;
}

/**
 * dx[n,h,w,ch] = Σ dy[n,i,j,o] · w[a,b,c,o] over every output position (i, j) and tap (a, b) that read
 * x[n,h,w,ch] in the forward pass (i·sh + a·dh - top = h, j·sw + b·dw - left = w), and every output channel
 * o of ch's group g (c = ch - g·inC/groups is ch's index inside the group). `out` is x's shape: positions
 * no window read get 0.
 */
export function conv2dBackpropInput(dy: T, filter: T, attrs: Conv2DAttrs, out: Shape): Float32Array {
  const [N, H, W, C] = out as [number, number, number, number];
  const [kh, kw, inPerGroup, O] = filter.shape as [number, number, number, number];
  const [, OH, OW] = dy.shape as [number, number, number, number];
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [top, left] = attrs.pads;
  const outPerGroup = O / attrs.groups;

  const dyAt = (n: number, i: number, j: number, o: number) => dy.data[((n * OH + i) * OW + j) * O + o];
  const wAt = (a: number, b: number, c: number, o: number) =>
    filter.data[((a * kw + b) * inPerGroup + c) * O + o];

  const dx = new Float32Array(size(out));
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let ch = 0; ch < C; ch++) {
          const g = Math.floor(ch / inPerGroup);
          const c = ch - g * inPerGroup;
          let sum = 0;
          for (let a = 0; a < kh; a++) {
            // The output row i whose tap a reads row h: i·sh = h + top - a·dh, if that is a whole row.
            const rowTimesStride = h + top - a * dh;
            if (rowTimesStride < 0 || rowTimesStride % sh !== 0) continue;
            const i = rowTimesStride / sh;
            if (i >= OH) continue;
            for (let b = 0; b < kw; b++) {
              const colTimesStride = w + left - b * dw;
              if (colTimesStride < 0 || colTimesStride % sw !== 0) continue;
              const j = colTimesStride / sw;
              if (j >= OW) continue;
              for (let o = g * outPerGroup; o < (g + 1) * outPerGroup; o++) {
                sum += dyAt(n, i, j, o) * wAt(a, b, c, o);
              }
            }
          }
          dx[((n * H + h) * W + w) * C + ch] = sum;
        }
      }
    }
  }
  return dx;
}

/**
 * dw[a,b,c,o] = Σ_{n,i,j} x[n, i·sh + a·dh - top, j·sw + b·dw - left, g·inC/groups + c] · dy[n,i,j,o],
 * g = o's group, x outside the image 0. `out` is the filter's shape.
 */
export function conv2dBackpropFilter(x: T, dy: T, attrs: Conv2DAttrs, out: Shape): Float32Array {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const [kh, kw, inPerGroup, O] = out as [number, number, number, number];
  const [, OH, OW] = dy.shape as [number, number, number, number];
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const [top, left] = attrs.pads;
  const outPerGroup = O / attrs.groups;

  const xAt = (n: number, h: number, w: number, c: number) => x.data[((n * H + h) * W + w) * C + c];
  const dyAt = (n: number, i: number, j: number, o: number) => dy.data[((n * OH + i) * OW + j) * O + o];

  const dwOut = new Float32Array(size(out));
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      for (let c = 0; c < inPerGroup; c++) {
        for (let o = 0; o < O; o++) {
          const g = Math.floor(o / outPerGroup);
          let sum = 0;
          for (let n = 0; n < N; n++) {
            for (let i = 0; i < OH; i++) {
              const h = i * sh + a * dh - top;
              if (h < 0 || h >= H) continue; // zero padding
              for (let j = 0; j < OW; j++) {
                const w = j * sw + b * dw - left;
                if (w < 0 || w >= W) continue; // zero padding
                sum += xAt(n, h, w, g * inPerGroup + c) * dyAt(n, i, j, o);
              }
            }
          }
          dwOut[((a * kw + b) * inPerGroup + c) * O + o] = sum;
        }
      }
    }
  }
  return dwOut;
}
