/**
 * Max and average pooling (NHWC) and their gradients.
 *
 * Window of output pixel (ho, wo): rows h0 + i*dilH for i < kh with h0 = ho*strideH - top (columns alike).
 * `out` may hold ceil_mode windows that run past the input and its explicit pads. Positions outside
 * the input never take part in a max; for averages see `avgDivisor`.
 * The innermost loop always runs over channels, the contiguous NHWC axis.
 */

import type { AvgPool2DAttrs, KernelTensor, Pool2DAttrs, Shape } from '@cnn/core';
import { gemmEngine } from '../gemm.js';
import { floats, ranges, rounded, sizeOf } from '../util.js';
import { type WasmHeap, wasmKernel } from '../wasm.js';

type T = KernelTensor<Float32Array>;

interface PoolGeometry {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
}

function geometry(inShape: Shape, out: Shape): PoolGeometry {
  const [batch, inH, inW, channels] = inShape;
  return { batch, inH, inW, channels, outH: out[1], outW: out[2] };
}

/** The real input positions along one axis that a window starting at `start` covers, in scan order. */
function validTaps(start: number, kernel: number, dilation: number, size: number): number[] {
  const taps: number[] = [];
  for (let i = 0; i < kernel; i++) {
    const p = start + i * dilation;
    if (p >= 0 && p < size) taps.push(p);
  }
  return taps;
}

/** For each output index along one axis, the input positions its window covers. */
function tapsPerOutput(
  outSize: number,
  stride: number,
  pad: number,
  kernel: number,
  dil: number,
  inSize: number,
) {
  const all: number[][] = [];
  for (let o = 0; o < outSize; o++) all.push(validTaps(o * stride - pad, kernel, dil, inSize));
  return all;
}

/**
 * Scans every window in order and reports, per output pixel and channel, the first maximal input index
 * (-1 for a window with no real input position), and the maximum itself in `y` (0 for such a window).
 * NaN wins over numbers, so it propagates like in PyTorch. The running maxima of one window's channels
 * live in `y` itself, so the inner loop reads each input value once and never through the index.
 */
function scanMax(x: T, attrs: Pool2DAttrs, out: Shape, y: Float32Array | null): Int32Array {
  const { batch, inH, inW, channels: C, outH, outW } = geometry(x.shape, out);
  const [kh, kw] = attrs.kernel;
  const rowTaps = tapsPerOutput(outH, attrs.strides[0], attrs.pads[0], kh, attrs.dilations[0], inH);
  const colTaps = tapsPerOutput(outW, attrs.strides[1], attrs.pads[1], kw, attrs.dilations[1], inW);
  const data = x.data;
  const arg = new Int32Array(batch * outH * outW * C);
  const best = y ?? new Float32Array(C);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let ho = 0; ho < outH; ho++) {
      const rows = rowTaps[ho];
      for (let wo = 0; wo < outW; wo++) {
        const cols = colTaps[wo];
        // Where this window's maxima go: its own slots of y, or the one window's scratch.
        const m = y ? o : 0;
        if (rows.length === 0 || cols.length === 0) {
          arg.fill(-1, o, o + C);
          best.fill(0, m, m + C);
          o += C;
          continue;
        }
        // The first tap starts every channel's running max; later taps replace it when larger, or NaN
        // (v !== v) over a number: NaN propagates, as in PyTorch.
        const first = ((n * inH + rows[0]) * inW + cols[0]) * C;
        for (let c = 0; c < C; c++) {
          arg[o + c] = first + c;
          best[m + c] = data[first + c];
        }
        for (let r = 0; r < rows.length; r++) {
          const rowBase = (n * inH + rows[r]) * inW;
          for (let t = r === 0 ? 1 : 0; t < cols.length; t++) {
            const base = (rowBase + cols[t]) * C;
            for (let c = 0; c < C; c++) {
              const v = data[base + c];
              const cur = best[m + c];
              // biome-ignore lint/suspicious/noSelfCompare: x !== x is the NaN test, inlined in the hot loop
              if (v > cur || (v !== v && cur === cur)) {
                arg[o + c] = base + c;
                best[m + c] = v;
              }
            }
          }
        }
        o += C;
      }
    }
  }
  return arg;
}

/**
 * The SIMD scan (forward with `y`, backward with `dy` and `dx`; the others 0) with the images split over
 * the threads: each image's windows read and write that image only, so any split gives the same bits.
 */
function wasmMaxPool(
  heap: WasmHeap,
  x: T,
  attrs: Pool2DAttrs,
  out: Shape,
  xp: number,
  y: number,
  dy: number,
  dx: number,
): void {
  const [batch, ...window] = simdWindowArgs(x, attrs, out);
  const [inH, inW, C, outH, outW] = window as [number, number, number, number, number];
  const [kh, kw] = attrs.kernel;
  // A tap (load, compare, two selects) costs about what 4 of the GEMM's multiply-adds do.
  const threads = heap.threadsFor(4 * batch * outH * outW * C * kh * kw);
  const [inBytes, outBytes] = [4 * inH * inW * C, 4 * outH * outW * C];
  const at = (pointer: number, bytes: number, image: number) => (pointer ? pointer + image * bytes : 0);
  const parts = ranges(batch!, threads).map(([image, images]) => [
    xp + image * inBytes,
    images,
    ...window,
    at(y, outBytes, image),
    at(dy, outBytes, image),
    at(dx, inBytes, image),
  ]);
  heap.run('maxPool', parts);
}

/** The window geometry as the SIMD kernel's arguments (assembly/pool.ts), after x's pointer. */
function simdWindowArgs(x: T, attrs: Pool2DAttrs, out: Shape): number[] {
  const { batch, inH, inW, channels, outH, outW } = geometry(x.shape, out);
  return [
    batch,
    inH,
    inW,
    channels,
    outH,
    outW,
    ...attrs.kernel,
    ...attrs.strides,
    ...attrs.dilations,
    attrs.pads[0],
    attrs.pads[1],
  ];
}

export function maxPool(x: T, attrs: Pool2DAttrs, out: Shape): Float32Array {
  if (gemmEngine() === 'wasm') {
    return wasmKernel([x.data], sizeOf(out), (heap, [xp], yp) =>
      wasmMaxPool(heap, x, attrs, out, xp!, yp, 0, 0),
    );
  }
  const y = floats(sizeOf(out));
  scanMax(x, attrs, out, y);
  return y;
}

/**
 * Each dy goes to the argmax of its window (first one on ties). Windows that overlap (stride < kernel) can
 * send several dy to one input: those sums accumulate in float64 and round once; otherwise each input gets
 * at most one dy, stored as it is.
 */
export function maxPoolBackprop(dy: T, x: T, attrs: Pool2DAttrs, out: Shape): Float32Array {
  const g = dy.data;
  const [kh, kw] = attrs.kernel;
  const disjoint =
    attrs.strides[0] >= (kh - 1) * attrs.dilations[0] + 1 &&
    attrs.strides[1] >= (kw - 1) * attrs.dilations[1] + 1;
  if (disjoint && gemmEngine() === 'wasm') {
    return wasmKernel(
      [x.data, g],
      sizeOf(out),
      (heap, [xp, dyp], dxp) => wasmMaxPool(heap, x, attrs, dy.shape, xp!, 0, dyp!, dxp),
      true,
    );
  }
  const arg = scanMax(x, attrs, dy.shape, null);
  if (disjoint) {
    const dx = floats(sizeOf(out));
    for (let o = 0; o < arg.length; o++) if (arg[o] >= 0) dx[arg[o]] = g[o];
    return dx;
  }
  const dx = new Float64Array(sizeOf(out));
  for (let o = 0; o < arg.length; o++) if (arg[o] >= 0) dx[arg[o]] += g[o];
  return rounded(dx);
}

/**
 * The divisor of each window along one axis (the 2-D divisor is the product of the two axes').
 * countIncludePad=false: the real input positions. true: the window positions inside the explicitly padded
 * range [-padBefore, size + padAfter), i.e. padding counts but a ceil_mode overhang past it does not
 * (PyTorch's rule).
 */
function avgDivisors(
  outSize: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  kernel: number,
  dil: number,
  inSize: number,
  includePad: boolean,
): number[] {
  const divisors: number[] = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - padBefore;
    let count = 0;
    for (let i = 0; i < kernel; i++) {
      const p = start + i * dil;
      if (includePad ? p >= -padBefore && p < inSize + padAfter : p >= 0 && p < inSize) count++;
    }
    divisors.push(count);
  }
  return divisors;
}

interface AvgPlan {
  geom: PoolGeometry;
  rowTaps: number[][];
  colTaps: number[][];
  rowDiv: number[];
  colDiv: number[];
}

function avgPlan(inShape: Shape, outShape: Shape, attrs: AvgPool2DAttrs): AvgPlan {
  const geom = geometry(inShape, outShape);
  const [kh, kw] = attrs.kernel;
  const [sh, sw] = attrs.strides;
  const [top, left, bottom, right] = attrs.pads;
  const [dh, dw] = attrs.dilations;
  const inc = attrs.countIncludePad;
  return {
    geom,
    rowTaps: tapsPerOutput(geom.outH, sh, top, kh, dh, geom.inH),
    colTaps: tapsPerOutput(geom.outW, sw, left, kw, dw, geom.inW),
    rowDiv: avgDivisors(geom.outH, sh, top, bottom, kh, dh, geom.inH, inc),
    colDiv: avgDivisors(geom.outW, sw, left, right, kw, dw, geom.inW, inc),
  };
}

export function avgPool(x: T, attrs: AvgPool2DAttrs, out: Shape): Float32Array {
  const { geom, rowTaps, colTaps, rowDiv, colDiv } = avgPlan(x.shape, out, attrs);
  const { batch, inH, inW, channels: C, outH, outW } = geom;
  const y = floats(sizeOf(out));
  const data = x.data;
  const sum = new Float64Array(C);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let ho = 0; ho < outH; ho++) {
      for (let wo = 0; wo < outW; wo++) {
        sum.fill(0);
        for (const hi of rowTaps[ho]) {
          for (const wi of colTaps[wo]) {
            const base = ((n * inH + hi) * inW + wi) * C;
            for (let c = 0; c < C; c++) sum[c] += data[base + c];
          }
        }
        const divisor = rowDiv[ho] * colDiv[wo];
        const scale = divisor > 0 ? 1 / divisor : 0;
        for (let c = 0; c < C; c++) y[o + c] = sum[c] * scale;
        o += C;
      }
    }
  }
  return y;
}

/** Each dy, divided by its window's divisor, is spread over the window's real input positions. */
export function avgPoolBackprop(dy: T, attrs: AvgPool2DAttrs, inputShape: Shape): Float32Array {
  const { geom, rowTaps, colTaps, rowDiv, colDiv } = avgPlan(inputShape, dy.shape, attrs);
  const { batch, inH, inW, channels: C, outH, outW } = geom;
  const dx = new Float64Array(sizeOf(inputShape));
  const g = dy.data;
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let ho = 0; ho < outH; ho++) {
      for (let wo = 0; wo < outW; wo++) {
        const divisor = rowDiv[ho] * colDiv[wo];
        const scale = divisor > 0 ? 1 / divisor : 0;
        for (const hi of rowTaps[ho]) {
          for (const wi of colTaps[wo]) {
            const base = ((n * inH + hi) * inW + wi) * C;
            for (let c = 0; c < C; c++) dx[base + c] += g[o + c] * scale;
          }
        }
        o += C;
      }
    }
  }
  return rounded(dx);
}
