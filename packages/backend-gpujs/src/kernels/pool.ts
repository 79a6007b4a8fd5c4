/**
 * 2-D pooling kernels (NHWC): max and average, forward and backward.
 *
 * Output (i, j) sees input positions (i·sh + a·dh - top, j·sw + b·dw - left) for taps a < kh, b < kw
 * that lie inside the image (padding never takes part). Backward kernels are gathers: each input element
 * loops over the taps that can reach it, finds the output window (i, j) of each (a whole-number row and
 * column in range), and sums what that window sends it. So no two invocations write one element and
 * there are no atomics.
 *
 * Max pooling's backward runs in two kernels: the first stores each window's argmax tap (the first
 * maximum in row-major window order, or the first NaN: core's rule), the second routes dy through it.
 */

import type { AvgPool2DAttrs, KernelTensor, Pool2DAttrs, Shape } from '@cnn/core';
import type { GpuData, Runtime } from '../runtime.js';
import { decode, ieeeParams, listParams } from '../source.js';

type T = KernelTensor<GpuData>;

/**
 * The input elements an output range of a windowed NHWC kernel reads, as whole input rows: output row
 * `r` of an image reads input rows [firstRow(r), lastRow(r)] of the same image (clipped to the image). A
 * range spanning several images reads those images whole. For binding only the texture pages it needs.
 */
export function rowsTouched(
  out: { image: number; row: number },
  input: { image: number; row: number; rows: number },
  firstRow: (r: number) => number,
  lastRow: (r: number) => number,
) {
  return (o0: number, o1: number) => {
    const [n0, n1] = [Math.floor(o0 / out.image), Math.floor((o1 - 1) / out.image)];
    if (n0 !== n1) return [n0 * input.image, (n1 + 1) * input.image - 1] as const;
    const r0 = Math.floor((o0 - n0 * out.image) / out.row);
    const r1 = Math.floor((o1 - 1 - n0 * out.image) / out.row);
    const lo = Math.max(0, firstRow(r0));
    const hi = Math.min(input.rows - 1, lastRow(r1));
    if (hi < lo) return [n0 * input.image, n0 * input.image] as const;
    return [n0 * input.image + lo * input.row, n0 * input.image + (hi + 1) * input.row - 1] as const;
  };
}

/** A forward window (pooling, im2col): output row i reads input rows i·sh - top .. + (kh-1)·dh. */
export const forwardRows = (sh: number, dh: number, top: number, kh: number) => ({
  first: (i: number) => i * sh - top,
  last: (i: number) => i * sh - top + (kh - 1) * dh,
});

/** A gather back through a window: input row h is read by output rows (h + top - a·dh) / sh. */
export const backwardRows = (sh: number, dh: number, top: number, kh: number) => ({
  first: (h: number) => Math.ceil((h + top - (kh - 1) * dh) / sh),
  last: (h: number) => Math.floor((h + top) / sh),
});

/** rowsTouched for an NHWC output `y` reading NHWC input `x` through a pooling window (forward or back). */
function poolRows(y: Shape, x: Shape, attrs: Pool2DAttrs, direction: 'forward' | 'backward') {
  const rows = (direction === 'forward' ? forwardRows : backwardRows)(
    attrs.strides[0],
    attrs.dilations[0],
    attrs.pads[0],
    attrs.kernel[0],
  );
  return rowsTouched(
    { image: perImage(y), row: y[2]! * y[3]! },
    { image: perImage(x), row: x[2]! * x[3]!, rows: x[1]! },
    rows.first,
    rows.last,
  );
}

const perImage = (shape: Shape) => shape.slice(1).reduce((a, b) => a * b, 1);

function poolParams(x: Shape, y: Shape, attrs: Pool2DAttrs) {
  const [N, H, W, C] = x as [number, number, number, number];
  const [, OH, OW] = y as [number, number, number, number];
  return {
    N,
    H,
    W,
    C,
    OH,
    OW,
    KH: attrs.kernel[0],
    KW: attrs.kernel[1],
    sh: attrs.strides[0],
    sw: attrs.strides[1],
    dh: attrs.dilations[0],
    dw: attrs.dilations[1],
    top: attrs.pads[0],
    left: attrs.pads[1],
    bottom: attrs.pads[2],
    right: attrs.pads[3],
    ...ieeeParams,
  };
}

/**
 * Loop passes per output element of `windowLoop`/`reachingWindows` (each loop one more for its exit test),
 * with `body` passes inside the inner loop: `KernelSpec.loops`, so that a window too large for
 * llvmpipe's loop cap is refused instead of being cut short (runtime.ts, LOOP_BUDGET).
 */
function windowLoops(attrs: Pool2DAttrs, body = 0): number {
  const [kh, kw] = attrs.kernel;
  return kh * (kw * (1 + body) + 2) + 1;
}

/** Loop passes of `divisorCode`. */
const divisorLoops = (attrs: Pool2DAttrs) => attrs.kernel[0] + attrs.kernel[1] + 2;

/** Loops over window (oi, oj)'s taps inside the image; `inner` sees `t` (tap index) and `ix` (x address). */
function windowLoop(oi: string, oj: string, n: string, c: string, inner: string): string {
  return (
    '  for (let a = 0; a < p_KH; a++) {\n' +
    `    const h = ${oi} * p_sh + a * p_dh - p_top;\n` +
    '    if (h >= 0 && h < p_H) {\n' +
    '      for (let b = 0; b < p_KW; b++) {\n' +
    `        const w = ${oj} * p_sw + b * p_dw - p_left;\n` +
    '        if (w >= 0 && w < p_W) {\n' +
    '          const t = a * p_KW + b;\n' +
    `          const ix = ((${n} * p_H + h) * p_W + w) * p_C + ${c};\n` +
    `${inner}` +
    '        }\n' +
    '      }\n' +
    '    }\n' +
    '  }\n'
  );
}

/**
 * Loops over the windows that input (h, w) (variables c1, c2) falls in as tap (a, b); `inner` sees oi, oj,
 * t (the tap index) and `iy` (the dy/argmax address).
 */
function reachingWindows(inner: string): string {
  return (
    '  for (let a = 0; a < p_KH; a++) {\n' +
    '    const th = c1 + p_top - a * p_dh;\n' +
    '    const oi = idiv_(th, p_sh);\n' +
    '    if (th >= 0 && oi * p_sh == th && oi < p_OH) {\n' +
    '      for (let b = 0; b < p_KW; b++) {\n' +
    '        const tw = c2 + p_left - b * p_dw;\n' +
    '        const oj = idiv_(tw, p_sw);\n' +
    '        if (tw >= 0 && oj * p_sw == tw && oj < p_OW) {\n' +
    '          const t = a * p_KW + b;\n' +
    '          const iy = ((c0 * p_OH + oi) * p_OW + oj) * p_C + c3;\n' +
    `${inner}` +
    '        }\n' +
    '      }\n' +
    '    }\n' +
    '  }\n'
  );
}

/** The largest value of each window; NaN if it holds one (GLSL's max would not propagate it). */
export function maxPool(rt: Runtime, x: T, attrs: Pool2DAttrs, out: Shape): GpuData {
  const params = poolParams(x.shape, out, attrs);
  return rt.run(
    {
      key: 'pool.max',
      loops: windowLoops(attrs),
      inputs: { x: { data: x.data, touched: poolRows(out, x.shape, attrs, 'forward') } },
      params: { ...params, ...listParams('d', out) },
      body: (read) =>
        `${decode('i', 'c', 'd', 4)}` +
        '  let m = -p_inf;\n  let nanSeen = 0;\n' +
        windowLoop(
          'c1',
          'c2',
          'c0',
          'c3',
          `          const v = ${read('x', 'ix')};\n` +
            '          if (v != v) { nanSeen = 1; }\n' +
            '          if (v > m) { m = v; }\n',
        ) +
        '  if (nanSeen > 0) { return p_nan; }\n  return m;',
    },
    out,
  );
}

/** Each window's argmax as its tap index a·kw + b: the first maximum, or the first NaN. */
function maxPoolArgmax(
  rt: Runtime,
  x: T,
  attrs: Pool2DAttrs,
  params: ReturnType<typeof poolParams>,
  yShape: Shape,
): GpuData {
  return rt.run(
    {
      key: 'pool.argmax',
      loops: windowLoops(attrs),
      inputs: { x: { data: x.data, touched: poolRows(yShape, x.shape, attrs, 'forward') } },
      params: { ...params, ...listParams('d', yShape) },
      body: (read) =>
        `${decode('i', 'c', 'd', 4)}` +
        '  let best = -p_inf;\n  let at = -1;\n  let nanSeen = 0;\n' +
        windowLoop(
          'c1',
          'c2',
          'c0',
          'c3',
          `          const v = ${read('x', 'ix')};\n` +
            '          if (nanSeen == 0) {\n' +
            '            if (v != v) { nanSeen = 1; at = t; }\n' +
            '            else if (at < 0 || v > best) { best = v; at = t; }\n' +
            '          }\n',
        ) +
        '  return at;',
    },
    yShape,
  );
}

/** dx[h, w] = Σ dy of the windows whose argmax is (h, w). */
export function maxPoolBackprop(rt: Runtime, dy: T, x: T, attrs: Pool2DAttrs, out: Shape): GpuData {
  const params = poolParams(out, dy.shape, attrs);
  const argmax = maxPoolArgmax(rt, x, attrs, params, dy.shape);
  try {
    return rt.run(
      {
        key: 'pool.maxBackprop',
        loops: windowLoops(attrs),
        inputs: {
          dy: { data: dy.data, touched: poolRows(out, dy.shape, attrs, 'backward') },
          argmax: { data: argmax, touched: poolRows(out, dy.shape, attrs, 'backward') },
        },
        params: { ...params, ...listParams('d', out) },
        body: (read) =>
          `${decode('i', 'c', 'd', 4)}` +
          '  let s = 0;\n' +
          reachingWindows(`          if (${read('argmax', 'iy')} == t) { s += ${read('dy', 'iy')}; }\n`) +
          '  return s;',
      },
      out,
    );
  } finally {
    rt.dispose(argmax);
  }
}

/**
 * The divisor of window (oi, oj) as rows × columns (the window is separable): the taps inside
 * [lo, hi) of each axis, the padded input for countIncludePad (clipped at the end padding), else the image.
 */
function divisorCode(oi: string, oj: string, name: string): string {
  return (
    `  let ${name}r = 0;\n` +
    '  for (let ra = 0; ra < p_KH; ra++) {\n' +
    `    const rh = ${oi} * p_sh + ra * p_dh - p_top;\n` +
    `    if (rh >= p_rowLo && rh < p_rowHi) { ${name}r += 1; }\n` +
    '  }\n' +
    `  let ${name}c = 0;\n` +
    '  for (let rb = 0; rb < p_KW; rb++) {\n' +
    `    const rw = ${oj} * p_sw + rb * p_dw - p_left;\n` +
    `    if (rw >= p_colLo && rw < p_colHi) { ${name}c += 1; }\n` +
    '  }\n' +
    `  const ${name} = ${name}r * ${name}c;\n`
  );
}

function divisorParams(attrs: AvgPool2DAttrs, H: number, W: number) {
  return attrs.countIncludePad
    ? { rowLo: -attrs.pads[0], rowHi: H + attrs.pads[2], colLo: -attrs.pads[1], colHi: W + attrs.pads[3] }
    : { rowLo: 0, rowHi: H, colLo: 0, colHi: W };
}

/** The mean of each window: Σ x / divisor, each term divided first so a sum of large values cannot overflow. */
export function avgPool(rt: Runtime, x: T, attrs: AvgPool2DAttrs, out: Shape): GpuData {
  const params = poolParams(x.shape, out, attrs);
  return rt.run(
    {
      key: 'pool.avg',
      loops: divisorLoops(attrs) + windowLoops(attrs),
      inputs: { x: { data: x.data, touched: poolRows(out, x.shape, attrs, 'forward') } },
      params: { ...params, ...divisorParams(attrs, params.H, params.W), ...listParams('d', out) },
      body: (read) =>
        `${decode('i', 'c', 'd', 4)}` +
        divisorCode('c1', 'c2', 'div') +
        '  let s = 0;\n' +
        windowLoop('c1', 'c2', 'c0', 'c3', `          s += ${read('x', 'ix')} / div;\n`) +
        '  return s;',
    },
    out,
  );
}

/** dx[h, w] = Σ over the windows that hold (h, w) of dy / that window's divisor. */
export function avgPoolBackprop(rt: Runtime, dy: T, attrs: AvgPool2DAttrs, out: Shape): GpuData {
  const params = poolParams(out, dy.shape, attrs);
  return rt.run(
    {
      key: 'pool.avgBackprop',
      loops: windowLoops(attrs, divisorLoops(attrs)),
      inputs: { dy: { data: dy.data, touched: poolRows(out, dy.shape, attrs, 'backward') } },
      params: { ...params, ...divisorParams(attrs, params.H, params.W), ...listParams('d', out) },
      body: (read) =>
        `${decode('i', 'c', 'd', 4)}` +
        '  let s = 0;\n' +
        reachingWindows(
          `${divisorCode('oi', 'oj', 'div')
            .split('\n')
            .map((l) => (l ? `          ${l}` : l))
            .join('\n')}` + `          s += ${read('dy', 'iy')} / div;\n`,
        ) +
        '  return s;',
    },
    out,
  );
}
