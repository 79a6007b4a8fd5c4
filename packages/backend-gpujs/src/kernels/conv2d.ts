/**
 * 2-D convolution and both its backprops, as GPU im2col / col2im kernels around the one GEMM kernel.
 *
 * im2col: every output pixel's receptive field (the kh·kw·inC/groups input values its filter taps read,
 * zero where the window hangs over the padding) becomes one ROW of a matrix `cols` of shape
 * [N·outH·outW, groups, kh·kw·inC/groups]. A convolution is then one matrix product: `cols` (pixels ×
 * taps) times the filter seen as a (taps × outC) matrix, which is exactly how an HWIO filter is laid out
 * in memory. Groups are a batch dim of that product, placed so that the GEMM writes NHWC directly.
 *
 * - conv2d:               y  = cols · W                (per group: [pixels, taps] · [taps, outC/g])
 * - conv2dBackpropFilter: dW = colsᵀ · dy              (the same cols, transposed by strides)
 * - conv2dBackpropInput:  dcols = dy · Wᵀ, then col2im: every input element sums the dcols entries of
 *   the (pixel, tap) pairs that read it (a gather over the taps, so no two invocations write one place).
 *
 * A 1×1 convolution with stride 1 and no padding needs no im2col: x already is `cols`.
 */

import type { Conv2DAttrs, KernelTensor, Shape } from '@cnn/core';
import type { GpuData, Runtime } from '../runtime.js';
import { decode, listParams } from '../source.js';
import { gemm } from './gemm.js';
import { forwardRows, rowsTouched } from './pool.js';

type T = KernelTensor<GpuData>;

/** The geometry every convolution kernel needs, from x (NHWC), filter (HWIO) and the output (NHWC). */
function geometry(xShape: Shape, wShape: Shape, yShape: Shape, attrs: Conv2DAttrs) {
  const [N, H, W, C] = xShape as [number, number, number, number];
  const [KH, KW, Cg, O] = wShape as [number, number, number, number];
  const [, OH, OW] = yShape as [number, number, number, number];
  const G = attrs.groups;
  const Og = O / G;
  const R = KH * KW * Cg; // taps per group: one row of cols per group
  const pixels = N * OH * OW;
  const pointwise =
    KH === 1 &&
    KW === 1 &&
    attrs.strides[0] === 1 &&
    attrs.strides[1] === 1 &&
    attrs.pads.every((p) => p === 0);
  const params = {
    N,
    H,
    W,
    C,
    OH,
    OW,
    KH,
    KW,
    Cg,
    G,
    R,
    sh: attrs.strides[0],
    sw: attrs.strides[1],
    dh: attrs.dilations[0],
    dw: attrs.dilations[1],
    top: attrs.pads[0],
    left: attrs.pads[1],
  };
  return { N, H, W, C, KH, KW, Cg, O, G, Og, R, OH, OW, pixels, pointwise, params };
}

type Geometry = ReturnType<typeof geometry>;

/** The row maps of a convolution window (see pool.ts's rowsTouched), forward or backward. */
function rowFns(kind: typeof forwardRows, geo: Geometry) {
  const rows = kind(geo.params.sh, geo.params.dh, geo.params.top, geo.KH);
  return [rows.first, rows.last] as const;
}

/**
 * im2col on the GPU: cols[p, g, r] for pixel p = (n, i, j), group g and tap r = (a, b, c) is
 * x[n, i·sh + a·dh - top, j·sw + b·dw - left, g·Cg + c], or 0 in the padding.
 */
function im2col(rt: Runtime, x: GpuData, geo: Geometry): GpuData {
  return rt.run(
    {
      key: 'conv.im2col',
      inputs: {
        x: {
          data: x,
          touched: rowsTouched(
            { image: geo.OH * geo.OW * geo.G * geo.R, row: geo.OW * geo.G * geo.R },
            { image: geo.H * geo.W * geo.C, row: geo.W * geo.C, rows: geo.H },
            ...rowFns(forwardRows, geo),
          ),
        },
      },
      params: { ...geo.params, ...listParams('d', [geo.N, geo.OH, geo.OW, geo.G, geo.KH, geo.KW, geo.Cg]) },
      body: (read) =>
        `${decode('i', 'c', 'd', 7)}` +
        // c0..c6 = n, i, j, g, a, b, channel in group
        '  const h = c1 * p_sh + c4 * p_dh - p_top;\n' +
        '  const w = c2 * p_sw + c5 * p_dw - p_left;\n' +
        '  if (h < 0 || h >= p_H || w < 0 || w >= p_W) { return 0; }\n' +
        '  const ix = ((c0 * p_H + h) * p_W + w) * p_C + c3 * p_Cg + c6;\n' +
        `  return ${read('x', 'ix')};`,
    },
    [geo.pixels, geo.G, geo.R],
  );
}

/**
 * col2im on the GPU (the gather form of the transposed convolution): dx[n, h, w, c] sums dcols[p, g, r]
 * over the taps (a, b) whose window position lands on (h, w): output row i = (h + top - a·dh) / sh must be
 * a whole number in [0, outH), and the same for the column. Rows and columns no window read stay 0.
 * The sum over the taps runs in chunks when dcols spans more texture pages than one call binds.
 */
function col2im(rt: Runtime, dcols: GpuData, geo: Geometry, out: Shape): GpuData {
  const { H, W, C, OH, OW, G, R, KW, KH } = geo;
  const { sh, sw, dh, dw, top, left } = geo.params;
  const GR = G * R;
  // The dcols elements output range [o0, o1) reads for taps [t0, t1) (t = a·kw + b): within one image,
  // the output rows oi (and, within one input row, columns oj) that those taps reach, times all G·R.
  const touched = (t0: number, t1: number) => (o0: number, o1: number) => {
    const image = H * W * C;
    const [n0, n1] = [Math.floor(o0 / image), Math.floor((o1 - 1) / image)];
    if (n0 !== n1) return [n0 * OH * OW * GR, (n1 + 1) * OH * OW * GR - 1] as const;
    const [h0, h1] = [Math.floor((o0 % image) / (W * C)), Math.floor(((o1 - 1) % image) / (W * C))];
    const [a0, a1] = [Math.floor(t0 / KW), Math.floor((t1 - 1) / KW)];
    const oiLo = Math.max(0, Math.ceil((h0 + top - a1 * dh) / sh));
    const oiHi = Math.min(OH - 1, Math.floor((h1 + top - a0 * dh) / sh));
    let [ojLo, ojHi] = [0, OW - 1];
    if (h0 === h1) {
      const [w0, w1] = [Math.floor((o0 % (W * C)) / C), Math.floor(((o1 - 1) % (W * C)) / C)];
      const [b0, b1] = a0 === a1 ? [t0 - a0 * KW, t1 - 1 - a0 * KW] : [0, KW - 1];
      ojLo = Math.max(0, Math.ceil((w0 + left - b1 * dw) / sw));
      ojHi = Math.min(OW - 1, Math.floor((w1 + left - b0 * dw) / sw));
    }
    const at = (oi: number, oj: number) => ((n0 * OH + oi) * OW + oj) * GR;
    if (oiHi < oiLo || ojHi < ojLo) return [at(0, 0), at(0, 0)] as const;
    return [at(oiLo, ojLo), at(oiHi, ojHi) + GR - 1] as const;
  };
  // A sum over the kh·kw taps: in chunks of taps when the dcols pages one call can bind run out.
  return rt.runAccumulated(out, KH * KW, (t0, tn, prev) => ({
    key: `conv.col2im:${prev ? 'acc' : 'first'}`,
    inputs: {
      dcols: { data: dcols, touched: touched(t0, t0 + tn) },
      ...(prev ? { prev: { data: prev } } : {}),
    },
    params: { ...geo.params, t0, tn, ...listParams('d', [geo.N, H, W, C]) },
    loops: tn + 1, // within LOOP_BUDGET through runAccumulated's chunks, like GEMM's K
    body: (read) =>
      `${decode('i', 'c', 'd', 4)}` +
      '  const g = idiv_(c3, p_Cg);\n' +
      '  const cc = c3 - g * p_Cg;\n' +
      (prev ? `  const li = i - o_base;\n  let s = ${read('prev', 'li')};\n` : '  let s = 0;\n') +
      '  for (let k = 0; k < p_tn; k++) {\n' +
      '    const t = p_t0 + k;\n' +
      '    const a = idiv_(t, p_KW);\n' +
      '    const b = t - a * p_KW;\n' +
      '    const th = c1 + p_top - a * p_dh;\n' +
      '    const oi = idiv_(th, p_sh);\n' +
      '    const tw = c2 + p_left - b * p_dw;\n' +
      '    const oj = idiv_(tw, p_sw);\n' +
      '    if (th >= 0 && oi * p_sh == th && oi < p_OH && tw >= 0 && oj * p_sw == tw && oj < p_OW) {\n' +
      '      const ic = ((c0 * p_OH + oi) * p_OW + oj) * (p_G * p_R) + g * p_R + t * p_Cg + cc;\n' +
      `      s += ${read('dcols', 'ic')};\n` +
      '    }\n' +
      '  }\n' +
      '  return s;',
  }));
}

/** y[p, g·Og + o] = Σ_r cols[p, g, r] · w[r, g·Og + o]: NHWC out, HWIO filter read as [taps, outC]. */
export function conv2d(rt: Runtime, x: T, filter: T, attrs: Conv2DAttrs, out: Shape): GpuData {
  const geo = geometry(x.shape, filter.shape, out, attrs);
  const cols = geo.pointwise ? x.data : im2col(rt, x.data, geo);
  try {
    return gemm(
      rt,
      {
        a: cols,
        b: filter.data,
        layout: 'mbn',
        M: geo.pixels,
        N: geo.Og,
        K: geo.R,
        batch: [geo.G],
        aBatchStrides: [geo.R],
        bBatchStrides: [geo.Og],
        sAm: geo.G * geo.R,
        sAk: 1,
        sBk: geo.O,
        sBn: 1,
      },
      out,
    );
  } finally {
    if (cols !== x.data) rt.dispose(cols);
  }
}

/** dx: dcols[p, g, r] = Σ_o dy[p, g·Og + o] · w[r, g·Og + o] (dy · Wᵀ), then col2im. */
export function conv2dBackpropInput(rt: Runtime, dy: T, filter: T, attrs: Conv2DAttrs, out: Shape): GpuData {
  const geo = geometry(out, filter.shape, dy.shape, attrs);
  const plan = {
    a: dy.data,
    b: filter.data,
    layout: 'mbn' as const,
    M: geo.pixels,
    N: geo.R,
    K: geo.Og,
    batch: [geo.G],
    aBatchStrides: [geo.Og],
    bBatchStrides: [geo.Og],
    sAm: geo.O,
    sAk: 1,
    sBk: 1,
    sBn: geo.O,
  };
  if (geo.pointwise) return gemm(rt, plan, out);
  const dcols = gemm(rt, plan, [geo.pixels, geo.G, geo.R]);
  try {
    return col2im(rt, dcols, geo, out);
  } finally {
    rt.dispose(dcols);
  }
}

/** dW[r, g·Og + o] = Σ_p cols[p, g, r] · dy[p, g·Og + o] (colsᵀ · dy), written in HWIO order. */
export function conv2dBackpropFilter(rt: Runtime, x: T, dy: T, attrs: Conv2DAttrs, out: Shape): GpuData {
  const geo = geometry(x.shape, out, dy.shape, attrs);
  const cols = geo.pointwise ? x.data : im2col(rt, x.data, geo);
  try {
    return gemm(
      rt,
      {
        a: cols,
        b: dy.data,
        layout: 'mbn',
        M: geo.R,
        N: geo.Og,
        K: geo.pixels,
        batch: [geo.G],
        aBatchStrides: [geo.R],
        bBatchStrides: [geo.Og],
        sAm: 1,
        sAk: geo.G * geo.R,
        sBk: geo.O,
        sBn: 1,
      },
      out,
    );
  } finally {
    if (cols !== x.data) rt.dispose(cols);
  }
}
