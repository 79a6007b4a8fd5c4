/**
 * 2-D convolution (NHWC activations, HWIO filters `[kh, kw, inC/groups, outC]`, tfjs's own layout) and its
 * two gradients.
 *
 * tfjs limits worked around here:
 * - no grouped conv: groups == inC maps onto `depthwiseConv2d` (its `[kh, kw, inC, multiplier]` filter is
 *   our `[kh, kw, 1, outC]` reshaped, output channel c*multiplier + m in both); other groups run one conv
 *   per group on channel slices and concatenate;
 * - stride > 1 together with dilation > 1 is refused ("either strides or dilations must be 1"), and the
 *   backprop kernels take no dilation at all: the filter is dilated explicitly (zeros between taps);
 * - Conv2DBackpropFilter is missing on wasm (and very slow on cpu), depthwise backprop kernels are missing
 *   on wasm: the filter gradient is an im2col (a tap-copying depthwise conv) + batched matMul on every
 *   engine, the depthwise input gradient a depthwise conv of the stride-spread dy with the flipped filter.
 */

import type { Conv2DAttrs, Pads4, Pair, Shape } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input4d, type T } from './common.js';
import { spreadCols, spreadRows, tapExtractor } from './windows.js';

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** Our `[top, left, bottom, right]` as tfjs's explicit NHWC padding. */
function explicitPadding(pads: Pads4): ExplicitPadding {
  const [top, left, bottom, right] = pads;
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

const isOne = (p: Pair) => p[0] === 1 && p[1] === 1;

/**
 * `[kh, kw, I, O]` to `[(kh-1)*dh+1, (kw-1)*dw+1, I, O]` with dh-1 (dw-1) zero taps between taps: a conv
 * with the dilated filter and dilation 1 is the dilated conv.
 */
function dilateFilter(f: tf.Tensor4D, [dh, dw]: Pair): tf.Tensor4D {
  let t = f;
  if (dh > 1) {
    const [kh, kw, i, o] = t.shape;
    const spaced = tf.pad(tf.reshape(t, [kh, 1, kw * i * o]), [
      [0, 0],
      [0, dh - 1],
      [0, 0],
    ]);
    t = tf.slice(tf.reshape(spaced, [kh * dh, kw, i, o]), 0, [(kh - 1) * dh + 1, kw, i, o]) as tf.Tensor4D;
  }
  if (dw > 1) {
    const [kh, kw, i, o] = t.shape;
    const spaced = tf.pad(tf.reshape(t, [kh * kw, 1, i * o]), [
      [0, 0],
      [0, dw - 1],
      [0, 0],
    ]);
    t = tf.slice(tf.reshape(spaced, [kh, kw * dw, i, o]), 0, [kh, (kw - 1) * dw + 1, i, o]) as tf.Tensor4D;
  }
  return t;
}

/** The filter and dilations to hand tfjs: dilation moves into the filter when tfjs would refuse it. */
function tfjsFilter(f: tf.Tensor4D, attrs: Conv2DAttrs): [tf.Tensor4D, [number, number]] {
  if (isOne(attrs.strides) || isOne(attrs.dilations)) return [f, [...attrs.dilations]];
  return [dilateFilter(f, attrs.dilations), [1, 1]];
}

/** Channels [from, from + count) of an NHWC tensor or an HWIO filter's output axis (both last). */
function channels(t: tf.Tensor4D, from: number, count: number): tf.Tensor4D {
  return tf.slice(t, [0, 0, 0, from], [-1, -1, -1, count]);
}

function ungroupedConv(x: tf.Tensor4D, f: tf.Tensor4D, attrs: Conv2DAttrs): tf.Tensor4D {
  const [filter, dilations] = tfjsFilter(f, attrs);
  return tf.conv2d(x, filter, [...attrs.strides], explicitPadding(attrs.pads), 'NHWC', dilations);
}

export function conv2d(x: T, filter: T, attrs: Conv2DAttrs): tf.Tensor {
  const xt = input4d(x);
  const ft = input4d(filter);
  const { groups } = attrs;
  if (groups === 1) return ungroupedConv(xt, ft, attrs);
  const [kh, kw, cg, outC] = ft.shape;
  if (cg === 1) {
    const [depthwise, dilations] = tfjsFilter(tf.reshape(ft, [kh, kw, groups, outC / groups]), attrs);
    return tf.depthwiseConv2d(
      xt,
      depthwise,
      [...attrs.strides],
      explicitPadding(attrs.pads),
      'NHWC',
      dilations,
    );
  }
  const ocg = outC / groups;
  const outputs: tf.Tensor4D[] = [];
  for (let g = 0; g < groups; g++) {
    outputs.push(ungroupedConv(channels(xt, g * cg, cg), channels(ft, g * ocg, ocg), attrs));
  }
  return tf.concat(outputs, 3);
}

function ungroupedBackpropInput(dy: tf.Tensor4D, f: tf.Tensor4D, attrs: Conv2DAttrs, xShape: Shape) {
  const filter = isOne(attrs.dilations) ? f : dilateFilter(f, attrs.dilations);
  const [n, h, w] = xShape;
  return tf.conv2dTranspose(
    dy,
    filter,
    [n, h, w, f.shape[2]],
    [...attrs.strides],
    explicitPadding(attrs.pads),
  );
}

/**
 * Depthwise input gradient as a forward depthwise conv: spread dy by the strides (zeros between pixels),
 * pad it by (extent - 1 - pad) before and what remains after, and correlate with the spatially flipped
 * filter at stride 1; then sum each input channel's `multiplier` output channels.
 */
function depthwiseBackpropInput(dy: tf.Tensor4D, f: tf.Tensor4D, attrs: Conv2DAttrs, xShape: Shape) {
  const [n, h, w, c] = xShape;
  const [kh, kw, , outC] = f.shape;
  const [dh, dw] = attrs.dilations;
  const [top, left] = attrs.pads;
  const extentH = (kh - 1) * dh + 1;
  const extentW = (kw - 1) * dw + 1;
  const spread = spreadCols(spreadRows(dy, attrs.strides[0]), attrs.strides[1]);
  const [, rows, cols] = spread.shape;
  // Core keeps every pad below the kernel extent, so neither side is negative.
  const padded: tf.Tensor4D = tf.pad(spread, [
    [0, 0],
    [extentH - 1 - top, h + top - rows],
    [extentW - 1 - left, w + left - cols],
    [0, 0],
  ]);
  const flipped = tf.reshape(tf.reverse(f, [0, 1]), [kh, kw, outC, 1]) as tf.Tensor4D;
  const perOutput = tf.depthwiseConv2d(padded, flipped, 1, 'valid', 'NHWC', [dh, dw]);
  return tf.sum(tf.reshape(perOutput, [n, h, w, c, outC / c]), 4);
}

/** d(conv2d)/dx, `out` the input shape. */
export function conv2dBackpropInput(dy: T, filter: T, attrs: Conv2DAttrs, out: Shape): tf.Tensor {
  const dyt = input4d(dy);
  const ft = input4d(filter);
  const { groups } = attrs;
  if (groups === 1) return ungroupedBackpropInput(dyt, ft, attrs, out);
  const [, , cg, outC] = ft.shape;
  if (cg === 1) return depthwiseBackpropInput(dyt, ft, attrs, out);
  const ocg = outC / groups;
  const groupShape = [out[0], out[1], out[2], cg];
  const parts: tf.Tensor4D[] = [];
  for (let g = 0; g < groups; g++) {
    parts.push(
      ungroupedBackpropInput(channels(dyt, g * ocg, ocg), channels(ft, g * ocg, ocg), attrs, groupShape),
    );
  }
  return tf.concat(parts, 3);
}

/** im2col values materialised at a time: bounds the memory of the filter gradient. */
const IM2COL_FLOATS = 1 << 24;

/**
 * Filter gradient by im2col: X_col `[N*outH*outW, C*kh*kw]` comes from one depthwise conv with a
 * tap-copying filter (much faster on tfjs than kh*kw strided slices); its columns are channel-major
 * (c*taps + t), so the columns of group g are one contiguous block. Then per group,
 * dW_g = dY_gᵀ · X_col,g, all groups as one batched matMul `[G, ocg, M] · [G, M, cg*taps]`. With
 * `explicitTranspose` (tfjs-wasm) dY_gᵀ is materialised rather than passed as a transpose flag.
 * Batches are processed in chunks of at most IM2COL_FLOATS im2col values.
 */
function im2colBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DAttrs,
  filterShape: Shape,
  explicitTranspose: boolean,
) {
  const [kh, kw, cg, outC] = filterShape;
  const { groups } = attrs;
  const ocg = outC / groups;
  const taps = kh * kw;
  const [batch, , , inC] = x.shape;
  const [, outH, outW] = dy.shape;
  const extractor = tapExtractor(kh, kw, inC, attrs.dilations);
  const perImage = outH * outW * taps * inC;
  const chunk = Math.max(1, Math.min(batch, Math.floor(IM2COL_FLOATS / Math.max(1, perImage))));
  let sum: tf.Tensor | null = null;
  for (let n0 = 0; n0 < batch; n0 += chunk) {
    const count = Math.min(chunk, batch - n0);
    const part = tf.tidy(() => {
      const xs = count === batch ? x : tf.slice(x, [n0, 0, 0, 0], [count, -1, -1, -1]);
      const dys = count === batch ? dy : tf.slice(dy, [n0, 0, 0, 0], [count, -1, -1, -1]);
      const rows = count * outH * outW;
      const cols = tf.depthwiseConv2d(xs, extractor, [...attrs.strides], explicitPadding(attrs.pads));
      const byGroup = (t: tf.Tensor, width: number) =>
        groups === 1
          ? tf.reshape(t, [1, rows, width])
          : tf.transpose(tf.reshape(t, [rows, groups, width]), [1, 0, 2]);
      const colsByGroup = byGroup(cols, cg * taps);
      const dyByGroup = byGroup(dys, ocg);
      if (explicitTranspose) return tf.matMul(tf.transpose(dyByGroup, [0, 2, 1]), colsByGroup);
      return tf.matMul(dyByGroup, colsByGroup, true, false);
    });
    sum = sum ? tf.add(sum, part) : part;
  }
  // [G, ocg, cg, taps] -> [taps, cg, G, ocg] = HWIO with output channel g*ocg + j.
  const perGroup = tf.reshape(sum as tf.Tensor, [groups, ocg, cg, taps]);
  return tf.reshape(tf.transpose(perGroup, [3, 2, 0, 1]), [kh, kw, cg, outC]);
}

/** d(conv2d)/dfilter, `out` the filter shape. */
export function conv2dBackpropFilter(
  x: T,
  dy: T,
  attrs: Conv2DAttrs,
  out: Shape,
  explicitTranspose: boolean,
): tf.Tensor {
  return im2colBackpropFilter(input4d(x), input4d(dy), attrs, out, explicitTranspose);
}
