/**
 * Sliding windows over NHWC tensors built from plain tfjs ops, for the kernels tfjs lacks or gets wrong:
 * dilated and ceil-mode pooling, first-max routing, the im2col of the conv filter gradient.
 *
 * A window of output pixel (ho, wo) reads rows `ho*strideH - padTop + ki*dilH` (ki < kh), columns alike.
 * `padForWindows` pads (or crops) the input so that it covers exactly the rows and columns the windows
 * read. Then the taps of every window are either strided slices of the padded input (`windowTaps`, exact
 * for any value) or, much faster on tfjs, the channels of one depthwise conv with a tap-copying filter
 * (`tapColumns`, finite values only). `scatterTapColumns` is the transpose of the latter: col2im.
 */

import type { Pads4, Pair, Shape } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';

/** One spatial axis of a sliding-window op. */
export interface WindowAxis {
  inSize: number;
  outSize: number;
  kernel: number;
  stride: number;
  dilation: number;
  padBefore: number;
  padAfter: number;
}

/** Number of positions the windows cover along an axis, from -padBefore to the last tap of the last window. */
export function spanOf(a: WindowAxis): number {
  return (a.outSize - 1) * a.stride + (a.kernel - 1) * a.dilation + 1;
}

/** Input positions some window reads (the rest, at the end, only floor-mode pads reach past). */
function keptOf(a: WindowAxis): number {
  return Math.min(a.inSize, spanOf(a) - a.padBefore);
}

/** The height and width axes of a window op on an NHWC input. */
export function windowAxes(
  xShape: Shape,
  kernel: Pair,
  strides: Pair,
  dilations: Pair,
  pads: Pads4,
  outShape: Shape,
): [WindowAxis, WindowAxis] {
  const [top, left, bottom, right] = pads;
  const axis = (i: 0 | 1, before: number, after: number): WindowAxis => ({
    inSize: xShape[i + 1],
    outSize: outShape[i + 1],
    kernel: kernel[i],
    stride: strides[i],
    dilation: dilations[i],
    padBefore: before,
    padAfter: after,
  });
  return [axis(0, top, bottom), axis(1, left, right)];
}

/**
 * x `[N, H, W, C]` padded with `value` (or cropped, where no window reaches) to `[N, spanH, spanW, C]`, so
 * that index 0 is position -padBefore. Ceil-mode windows that run past the explicit pads are covered too.
 */
export function padForWindows(x: tf.Tensor4D, axes: [WindowAxis, WindowAxis], value: number): tf.Tensor4D {
  const [ah, aw] = axes;
  let t = x;
  const keepH = keptOf(ah);
  const keepW = keptOf(aw);
  if (keepH < ah.inSize || keepW < aw.inSize) t = tf.slice(t, [0, 0, 0, 0], [-1, keepH, keepW, -1]);
  const afterH = spanOf(ah) - ah.padBefore - keepH;
  const afterW = spanOf(aw) - aw.padBefore - keepW;
  if (ah.padBefore > 0 || aw.padBefore > 0 || afterH > 0 || afterW > 0) {
    t = tf.pad(
      t,
      [
        [0, 0],
        [ah.padBefore, afterH],
        [aw.padBefore, afterW],
        [0, 0],
      ],
      value,
    );
  }
  return t;
}

/** The inverse placement of `padForWindows`: the input's part of a padded tensor, zeros where it was cropped. */
export function unpadFromWindows(xp: tf.Tensor4D, axes: [WindowAxis, WindowAxis]): tf.Tensor4D {
  const [ah, aw] = axes;
  const keepH = keptOf(ah);
  const keepW = keptOf(aw);
  let t = tf.slice(xp, [0, ah.padBefore, aw.padBefore, 0], [-1, keepH, keepW, -1]);
  if (keepH < ah.inSize || keepW < aw.inSize) {
    t = tf.pad(t, [
      [0, 0],
      [0, ah.inSize - keepH],
      [0, aw.inSize - keepW],
      [0, 0],
    ]);
  }
  return t;
}

/**
 * Tap (ki, kj) of every window, `[N, outH, outW, C]`, for all taps in scan order (ki major): the values a
 * window sees at that tap are a strided slice of the padded input.
 */
export function windowTaps(xp: tf.Tensor4D, axes: [WindowAxis, WindowAxis]): tf.Tensor4D[] {
  const [ah, aw] = axes;
  const [n, , , c] = xp.shape;
  const taps: tf.Tensor4D[] = [];
  for (let ki = 0; ki < ah.kernel; ki++) {
    for (let kj = 0; kj < aw.kernel; kj++) {
      const h0 = ki * ah.dilation;
      const w0 = kj * aw.dilation;
      if (ah.stride === 1 && aw.stride === 1) {
        taps.push(tf.slice(xp, [0, h0, w0, 0], [n, ah.outSize, aw.outSize, c]));
      } else {
        const end = [n, h0 + (ah.outSize - 1) * ah.stride + 1, w0 + (aw.outSize - 1) * aw.stride + 1, c];
        taps.push(tf.stridedSlice(xp, [0, h0, w0, 0], end, [1, ah.stride, aw.stride, 1]) as tf.Tensor4D);
      }
    }
  }
  return taps;
}

/** `[N, H, W, C]` to `[N, (H-1)*s+1, W, C]` with s-1 zero rows between rows (the transpose of a stride-s slice). */
export function spreadRows(t: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return t;
  const [n, h, w, c] = t.shape;
  const spaced = tf.pad(tf.reshape(t, [n, h, 1, w * c]), [
    [0, 0],
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spaced, [n, h * s, w, c]),
    [0, 0, 0, 0],
    [n, (h - 1) * s + 1, w, c],
  ) as tf.Tensor4D;
}

/** Columns alike: `[N, H, W, C]` to `[N, H, (W-1)*s+1, C]`. */
export function spreadCols(t: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return t;
  const [n, h, w, c] = t.shape;
  const spaced = tf.pad(tf.reshape(t, [n * h, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spaced, [n, h, w * s, c]),
    [0, 0, 0, 0],
    [n, h, (w - 1) * s + 1, c],
  ) as tf.Tensor4D;
}

export /**
 * A depthwise filter that copies taps instead of weighting them: `[extentH, extentW, C, taps]`, 1 at
 * (ki*dilH, kj*dilW, c, ki*kw + kj). A depthwise conv with it (multiplier = taps) turns x into im2col form:
 * output channel c*taps + t is input channel c at tap t of each window. The dilation is built into the
 * filter, so it works with any stride (tfjs refuses stride and dilation both above 1).
 */
function tapExtractor(kh: number, kw: number, channels: number, [dh, dw]: Pair): tf.Tensor4D {
  const extentH = (kh - 1) * dh + 1;
  const extentW = (kw - 1) * dw + 1;
  const taps = kh * kw;
  const values = new Float32Array(extentH * extentW * channels * taps);
  for (let ki = 0; ki < kh; ki++) {
    for (let kj = 0; kj < kw; kj++) {
      const position = (ki * dh * extentW + kj * dw) * channels;
      for (let c = 0; c < channels; c++) values[(position + c) * taps + ki * kw + kj] = 1;
    }
  }
  return tf.tensor4d(values, [extentH, extentW, channels, taps]);
}

/**
 * Every window's taps as channels: `[N, outH, outW, C*taps]`, channel c*taps + t holding input channel c
 * at tap t. One depthwise conv with `tapExtractor`: exact for finite inputs (an infinity times a zero tap
 * gives NaN in its whole window).
 */
export function tapColumns(xp: tf.Tensor4D, axes: [WindowAxis, WindowAxis]): tf.Tensor4D {
  const [ah, aw] = axes;
  const extractor = tapExtractor(ah.kernel, aw.kernel, xp.shape[3], [ah.dilation, aw.dilation]);
  return tf.depthwiseConv2d(xp, extractor, [ah.stride, aw.stride], 'valid');
}

/**
 * col2im, the transpose of `tapColumns`: `parts` `[N, outH*outW, C, taps]` holds one value per window, channel
 * and tap; each goes back to the padded-input position the tap read, overlapping windows adding up.
 * Returns `[N, spanH, spanW, C]`. Channels are folded into the batch so that a plain transposed conv
 * with the one-channel `tapExtractor` does the scatter (tfjs-wasm has no depthwise input gradient).
 */
export function scatterTapColumns(parts: tf.Tensor4D, axes: [WindowAxis, WindowAxis]): tf.Tensor4D {
  const [ah, aw] = axes;
  const [n, , c, taps] = parts.shape;
  const spanH = spanOf(ah);
  const spanW = spanOf(aw);
  const perChannel = tf.reshape(tf.transpose(parts, [0, 2, 1, 3]), [n * c, ah.outSize, aw.outSize, taps]);
  const extractor = tapExtractor(ah.kernel, aw.kernel, 1, [ah.dilation, aw.dilation]);
  const scattered = tf.conv2dTranspose(
    perChannel as tf.Tensor4D,
    extractor,
    [n * c, spanH, spanW, 1],
    [ah.stride, aw.stride],
    'valid',
  );
  return tf.reshape(tf.transpose(tf.reshape(scattered, [n, c, spanH * spanW]), [0, 2, 1]), [
    n,
    spanH,
    spanW,
    c,
  ]);
}

/** `[1, outH*outW, 1, taps]`: 1 where a window's tap lies on a real input position, 0 on padding. */
export function realTapMask(axes: [WindowAxis, WindowAxis]): tf.Tensor4D {
  const [ah, aw] = axes;
  const real = (a: WindowAxis, o: number, i: number) => {
    const p = o * a.stride - a.padBefore + i * a.dilation;
    return p >= 0 && p < a.inSize;
  };
  const taps = ah.kernel * aw.kernel;
  const values = new Float32Array(ah.outSize * aw.outSize * taps);
  let k = 0;
  for (let ho = 0; ho < ah.outSize; ho++) {
    for (let wo = 0; wo < aw.outSize; wo++) {
      for (let ki = 0; ki < ah.kernel; ki++) {
        for (let kj = 0; kj < aw.kernel; kj++) values[k++] = real(ah, ho, ki) && real(aw, wo, kj) ? 1 : 0;
      }
    }
  }
  return tf.tensor4d(values, [1, ah.outSize * aw.outSize, 1, taps]);
}

/** Along one axis: how many taps of each output's window fall on real input positions. */
export function realTapCounts(a: WindowAxis): number[] {
  const counts: number[] = [];
  for (let o = 0; o < a.outSize; o++) {
    const start = o * a.stride - a.padBefore;
    let count = 0;
    for (let i = 0; i < a.kernel; i++) {
      const p = start + i * a.dilation;
      if (p >= 0 && p < a.inSize) count++;
    }
    counts.push(count);
  }
  return counts;
}
