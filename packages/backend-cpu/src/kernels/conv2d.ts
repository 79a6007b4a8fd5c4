/**
 * 2-D convolution (NHWC activations, HWIO filters) and its two gradients, all as im2col / col2im + GEMM.
 *
 * im2col: unfold every receptive field of the input into one row of a matrix `X_col`
 * (one row per output pixel, N*Ho*Wo rows; kh*kw*(inC/groups) columns, ordered (ki, kj, c) like the filter).
 * The HWIO filter of a group, read as a `[kh*kw*inC/groups, outC]` matrix, is already `W_row`, so
 *   forward:          Y      = X_col · W_row       (N*Ho*Wo x outC/groups per group)
 *   backprop filter:  dW     = X_colᵀ · dY
 *   backprop input:   dX_col = dY · W_rowᵀ, then col2im scatter-adds each row back onto the input pixels.
 * Output size (given to us as `out`): Ho = floor((H + top + bottom - dilH*(kh-1) - 1) / strideH) + 1, same for W.
 *
 * Groups split the input channels and the output channels into `groups` contiguous blocks; group g sees input
 * channels [g*Cg, (g+1)*Cg) and produces output channels [g*OCg, (g+1)*OCg) (depthwise: Cg = 1).
 * X_col is built in chunks of output rows so that it stays a few MiB whatever the batch.
 */

import type { Conv2DAttrs, KernelTensor, Shape } from '@cnn/core';
import { gemm, gemmEngine } from '../gemm.js';
import { floats, ranges, recycle, rounded, sizeOf } from '../util.js';
import { type WasmHeap, wasmHeap } from '../wasm.js';

type T = KernelTensor<Float32Array>;

/** Everything about one convolution's shapes, whichever of x / filter / y is being computed. */
interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padTop: number;
  padLeft: number;
  groups: number;
  /** Input channels per group. */
  cg: number;
  /** Output channels per group. */
  ocg: number;
  /** Rows of X_col: one per output pixel. */
  rows: number;
  /** Columns of X_col: one per filter tap and input channel of a group. */
  cols: number;
}

function geometry(xShape: Shape, filterShape: Shape, yShape: Shape, attrs: Conv2DAttrs): ConvGeometry {
  const [batch, inH, inW, inC] = xShape;
  const [kh, kw, cg, outC] = filterShape;
  const [, outH, outW] = yShape;
  const groups = attrs.groups;
  return {
    batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    outC,
    kh,
    kw,
    strideH: attrs.strides[0],
    strideW: attrs.strides[1],
    dilH: attrs.dilations[0],
    dilW: attrs.dilations[1],
    padTop: attrs.pads[0],
    padLeft: attrs.pads[1],
    groups,
    cg,
    ocg: outC / groups,
    rows: batch * outH * outW,
    cols: kh * kw * cg,
  };
}

/**
 * 1x1 filter, stride 1, no padding: X_col of group g is x itself (rows = pixels, columns = that group's
 * channels), read in place through a strided view.
 */
function isPointwise(g: ConvGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0;
}

/** X_col is built this many floats at a time (8 MiB). */
const COL_CHUNK = 1 << 21;

function rowsPerChunk(g: ConvGeometry): number {
  return Math.max(1, Math.min(g.rows, Math.floor(COL_CHUNK / Math.max(1, g.cols))));
}

/**
 * im2col for group `group`: rows [row0, row0+count) of X_col into `col` (count x cols, row-major).
 * Row r is output pixel (n, ho, wo); its columns are the input values under the filter taps, zero where a
 * tap falls on padding.
 */
function im2col(
  x: Float32Array,
  g: ConvGeometry,
  group: number,
  row0: number,
  count: number,
  col: Float32Array,
) {
  const { inH, inW, inC, outH, outW, kh, kw, cg } = g;
  const cOff = group * cg;
  let w = 0;
  for (let r = row0; r < row0 + count; r++) {
    const wo = r % outW;
    const ho = Math.floor(r / outW) % outH;
    const n = Math.floor(r / (outW * outH));
    const h0 = ho * g.strideH - g.padTop;
    const w0 = wo * g.strideW - g.padLeft;
    for (let ki = 0; ki < kh; ki++) {
      const hi = h0 + ki * g.dilH;
      if (hi < 0 || hi >= inH) {
        col.fill(0, w, w + kw * cg);
        w += kw * cg;
        continue;
      }
      const rowBase = (n * inH + hi) * inW;
      for (let kj = 0; kj < kw; kj++) {
        const wi = w0 + kj * g.dilW;
        if (wi < 0 || wi >= inW) {
          col.fill(0, w, w + cg);
        } else {
          const src = (rowBase + wi) * inC + cOff;
          for (let c = 0; c < cg; c++) col[w + c] = x[src + c];
        }
        w += cg;
      }
    }
  }
}

/** col2im for group `group`: scatter-adds rows [row0, row0+count) of dX_col onto the input pixels they came from. */
function col2im(
  col: Float32Array,
  g: ConvGeometry,
  group: number,
  row0: number,
  count: number,
  dx: Float64Array,
) {
  const { inH, inW, inC, outH, outW, kh, kw, cg } = g;
  const cOff = group * cg;
  let w = 0;
  for (let r = row0; r < row0 + count; r++) {
    const wo = r % outW;
    const ho = Math.floor(r / outW) % outH;
    const n = Math.floor(r / (outW * outH));
    const h0 = ho * g.strideH - g.padTop;
    const w0 = wo * g.strideW - g.padLeft;
    for (let ki = 0; ki < kh; ki++) {
      const hi = h0 + ki * g.dilH;
      if (hi < 0 || hi >= inH) {
        w += kw * cg;
        continue;
      }
      const rowBase = (n * inH + hi) * inW;
      for (let kj = 0; kj < kw; kj++) {
        const wi = w0 + kj * g.dilW;
        if (wi >= 0 && wi < inW) {
          const dst = (rowBase + wi) * inC + cOff;
          for (let c = 0; c < cg; c++) dx[dst + c] += col[w + c];
        }
        w += cg;
      }
    }
  }
}

// ---- the WebAssembly path: im2col, GEMM and col2im all in the SIMD module's memory ----

/** The geometry arguments of the module's im2col/col2im, for channel group `group`. */
function windowArgs(g: ConvGeometry, group: number): number[] {
  return [
    g.inH,
    g.inW,
    g.inC,
    group * g.cg,
    g.cg,
    g.outH,
    g.outW,
    g.kh,
    g.kw,
    g.strideH,
    g.strideW,
    g.dilH,
    g.dilW,
    g.padTop,
    g.padLeft,
  ];
}

/**
 * Pixels per block of X_col on the module: a block (blockRows x cols floats, 256 KiB) stays in L2 while
 * the GEMM packs it, instead of a whole X_col streaming through memory twice.
 */
const BLOCK_FLOATS = 1 << 16;
const blockRowsOf = (g: ConvGeometry) => Math.max(1, Math.floor(BLOCK_FLOATS / Math.max(1, g.cols)));

/**
 * When the module skips X_col for its direct kernels: inputs of at most `maxChannels` channels, where
 * X_col's copies are runs of a few floats and cost more than the products (LeNet's first conv: 5-float
 * runs). The forward (filters of at most one GEMM depth block of taps) and dx (undilated width, at most one
 * depth block of output channels) give the im2col path's bits; dW (undilated width, filter rows of more than 4
 * floats) sums in another order.
 * Tests set `maxChannels` to 0 to compare with the im2col path.
 */
export const directConv = { maxChannels: 4 };

/**
 * The largest zero-padded copy of x (in floats, 64 MiB) a direct kernel makes; a larger input takes the
 * im2col path, whose scratch is a few blocks whatever the input.
 */
const DIRECT_COPY_FLOATS = 1 << 24;

/** The rows and row width of x's zero-padded copy for the direct kernels (undilated width). */
function paddedSize(g: ConvGeometry): { paddedH: number; paddedW: number; floats: number } {
  const paddedH = Math.max(g.padTop + g.inH, (g.outH - 1) * g.strideH + (g.kh - 1) * g.dilH + 1);
  const paddedW = Math.max(g.padLeft + g.inW, (g.outW - 1) * g.strideW + (g.kw - 1) * g.dilW + 1);
  return { paddedH, paddedW, floats: g.batch * paddedH * paddedW * g.inC };
}

/**
 * Y = X_col · W_row on the module: per group, the output pixels cut into one range per thread, each
 * thread building its X_col blocks in its own scratch. Rows of Y are independent, so any cut gives the
 * same bits.
 */
function wasmConv2d(x: T, filter: T, g: ConvGeometry, size: number): Float32Array {
  const heap = wasmHeap();
  const { outC, ocg, cols } = g;
  const yp = heap.output(size);
  const xp = heap.put(x.data);
  const wp = heap.put(filter.data);
  if (isPointwise(g)) {
    for (let group = 0; group < g.groups; group++) {
      const a = xp + group * g.cg * 4;
      heap.gemm(g.rows, ocg, cols, a, g.inC, 1, wp + group * ocg * 4, outC, 1, yp + group * ocg * 4, outC, 0);
    }
    return heap.read(yp, size);
  }
  const threads = heap.threadsFor(g.rows * cols * ocg);
  const { paddedW } = paddedSize(g);
  const copyFloats = paddedW > g.inW ? g.batch * g.inH * paddedW * g.inC : 0;
  if (
    g.groups === 1 &&
    cols <= heap.mod.GEMM_DEPTH.value &&
    g.inC <= directConv.maxChannels &&
    copyFloats <= DIRECT_COPY_FLOATS
  ) {
    // Few taps: the direct kernel (no X_col), on the filter with its channels padded to 8s.
    const ocPad = Math.ceil(outC / 8) * 8;
    const w8 = heap.alloc(cols * ocPad, true);
    const view = heap.f32();
    for (let t = 0; t < cols; t++)
      view.set(filter.data.subarray(t * outC, (t + 1) * outC), w8 / 4 + t * ocPad);
    const { inH, inW, inC, outH, outW, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft } = g;
    // Left and right padding made real zeros (a copy of x with wider rows), so that pixels at the edges
    // also take the kernel's 4-pixel path; the zeros multiply the weights as X_col's would.
    let xd = xp;
    if (copyFloats > 0) {
      xd = heap.alloc(copyFloats, true);
      heap.mod.padImages(xp, g.batch, inH, inW * inC, 0, padLeft * inC, inH, paddedW * inC, xd);
    }
    const window = [inH, paddedW, inC, outH, outW, kh, kw, strideH, strideW, dilH, dilW, padTop, 0];
    const parts = ranges(g.batch * outH, threads).map(([line0, lines], t) => [
      xd,
      ...window,
      line0,
      lines,
      w8,
      ocPad,
      outC,
      yp,
      heap.scratch(t),
    ]);
    heap.run('conv2dDirect', parts);
    return heap.read(yp, size);
  }
  const blockRows = blockRowsOf(g);
  const colp = heap.alloc(threads * blockRows * cols);
  for (let group = 0; group < g.groups; group++) {
    const parts = ranges(g.rows, threads).map(([from, count], t) => [
      xp,
      ...windowArgs(g, group),
      from,
      count,
      blockRows,
      wp + group * ocg * 4,
      outC,
      ocg,
      yp + group * ocg * 4,
      colp + t * blockRows * cols * 4,
      heap.scratch(t),
    ]);
    heap.run('conv2dRows', parts);
  }
  return heap.read(yp, size);
}

/**
 * dX_col = dY · W_rowᵀ then col2im, on the module. Threads take whole images (an image's pixels scatter
 * into that image only); with fewer images than threads, the GEMMs are split instead and col2im runs on
 * the caller. Either way each dx sums its contributions in pixel order: the same bits.
 */
function wasmConv2dBackpropInput(dy: T, filter: T, g: ConvGeometry, size: number): Float32Array {
  const heap = wasmHeap();
  const { outC, ocg, cols } = g;
  const dxp = heap.output(size, true);
  const dyp = heap.put(dy.data);
  const wp = heap.put(filter.data);
  const threads = heap.threadsFor(g.rows * cols * ocg);
  if (
    g.groups === 1 &&
    g.inC <= directConv.maxChannels &&
    g.dilW === 1 &&
    outC <= heap.mod.GEMM_DEPTH.value
  ) {
    wasmConv2dBackpropInputDirect(heap, dyp, filter, g, threads, dxp);
    return heap.read(dxp, size);
  }
  const blockRows = blockRowsOf(g);
  const byImages = threads === 1 || g.batch >= threads;
  const colp = heap.alloc((byImages ? threads : 1) * blockRows * cols);
  const perImage = g.outH * g.outW;
  for (let group = 0; group < g.groups; group++) {
    const w = wp + group * ocg * 4;
    if (byImages) {
      const parts = ranges(g.batch, threads).map(([image, images], t) => [
        dyp + group * ocg * 4,
        ...windowArgs(g, group),
        image * perImage,
        images * perImage,
        blockRows,
        w,
        outC,
        ocg,
        dxp,
        colp + t * blockRows * cols * 4,
        heap.scratch(t),
      ]);
      heap.run('conv2dBackpropInputRows', parts);
      continue;
    }
    for (let row0 = 0; row0 < g.rows; row0 += blockRows) {
      const count = Math.min(blockRows, g.rows - row0);
      const a = dyp + (row0 * outC + group * ocg) * 4;
      // W_rowᵀ: element (oc, col) of group g is filter[col * outC + g*OCg + oc].
      heap.gemm(count, cols, ocg, a, outC, 1, w, 1, outC, colp, cols, 0);
      heap.mod.col2im(colp, ...windowArgs(g, group), row0, count, dxp);
    }
  }
  return heap.read(dxp, size);
}

/**
 * The direct dx (few input channels, undilated width): the filter rearranged so each filter row's
 * kw·inC weights per output channel are one zero-padded run, and each thread's zero-padded image.
 */
function wasmConv2dBackpropInputDirect(
  heap: WasmHeap,
  dyp: number,
  filter: T,
  g: ConvGeometry,
  threads: number,
  dxp: number,
): void {
  const { inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, dilH, padTop, padLeft } = g;
  const run = kw * inC;
  const runPad = Math.ceil(run / 4) * 4;
  const wT = heap.alloc(kh * outC * runPad, true);
  const view = heap.f32();
  for (let ki = 0; ki < kh; ki++)
    for (let t = 0; t < run; t++)
      for (let co = 0; co < outC; co++)
        view[wT / 4 + (ki * outC + co) * runPad + t] = filter.data[(ki * run + t) * outC + co];
  const { paddedH, paddedW } = paddedSize(g);
  const paddedFloats = paddedH * paddedW * inC + 4;
  const padded = heap.alloc(threads * paddedFloats);
  const parts = ranges(g.batch, threads).map(([image0, images], t) => [
    dyp,
    ...[inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, dilH, padTop, padLeft],
    image0,
    images,
    wT,
    runPad,
    paddedH,
    paddedW,
    padded + t * paddedFloats * 4,
    dxp,
  ]);
  heap.run('conv2dBackpropInputDirect', parts);
}

/**
 * The direct dW (few input channels, undilated width): x copied with real zero padding, the pixels cut
 * into parts fixed by the shapes, each part's dW summed by one thread, the parts added in order in
 * float64: the same bits for every thread count.
 */
function wasmConv2dBackpropFilterDirect(
  heap: WasmHeap,
  xp: number,
  dyp: number,
  g: ConvGeometry,
  dwp: number,
) {
  const { inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, dilH, padTop, padLeft, cols } = g;
  const { paddedH, paddedW, floats } = paddedSize(g);
  const padded = heap.alloc(floats + 8, true);
  heap.mod.padImages(xp, g.batch, inH, inW * inC, padTop, padLeft * inC, paddedH, paddedW * inC, padded);
  const slice = cols * outC;
  const nParts = Math.max(
    1,
    Math.min(FILTER_PARTS, Math.ceil(g.rows / 1024), Math.floor(FILTER_PARTIAL_FLOATS / slice)),
  );
  const partRows = Math.ceil(g.rows / nParts);
  const threads = Math.min(nParts, heap.threadsFor(g.rows * slice));
  const partials = heap.alloc(nParts * slice);
  const acc = heap.alloc(2 * slice);
  const window = [paddedH, paddedW, inC, outH, outW, kh, kw, strideH, strideW, dilH];
  const parts = ranges(nParts, threads).map(([part0, count], t) => [
    padded,
    ...window,
    part0,
    count,
    partRows,
    g.rows,
    dyp,
    outC,
    partials,
    heap.scratch(t),
  ]);
  heap.run('conv2dBackpropFilterDirect', parts);
  heap.mod.sumRows(partials, nParts, slice, 1, acc, dwp);
}

/** The most parts dW's sum over pixels is cut into, and the most floats their partial sums may take. */
const FILTER_PARTS = 16;
const FILTER_PARTIAL_FLOATS = 1 << 22;

/**
 * dW = X_colᵀ · dY on the module. The pixels are cut into a fixed number of parts (set by the shapes,
 * never by the thread count); threads take parts, each part's sum goes to its own partial, and the
 * partials are added in part order in float64 and rounded once: the same bits for every thread count.
 */
function wasmConv2dBackpropFilter(x: T, dy: T, g: ConvGeometry, size: number): Float32Array {
  const heap = wasmHeap();
  const { outC, ocg, cols } = g;
  const dwp = heap.output(size);
  const xp = heap.put(x.data);
  const dyp = heap.put(dy.data);
  if (isPointwise(g)) {
    for (let group = 0; group < g.groups; group++) {
      // X_colᵀ read straight from x: element (c, pixel) is x[pixel * inC + g*Cg + c].
      const a = xp + group * g.cg * 4;
      heap.gemm(
        cols,
        ocg,
        g.rows,
        a,
        1,
        g.inC,
        dyp + group * ocg * 4,
        outC,
        1,
        dwp + group * ocg * 4,
        outC,
        0,
      );
    }
    return heap.read(dwp, size);
  }
  // The direct dW wins where a filter row's taps fill its 8 lanes' worth (LeNet's 5x5 on 1 channel); for
  // shorter runs (3x3 on 1 channel) half its lanes would idle and im2col + GEMM is faster.
  if (
    g.groups === 1 &&
    g.inC <= directConv.maxChannels &&
    g.dilW === 1 &&
    g.kw * g.inC > 4 &&
    paddedSize(g).floats <= DIRECT_COPY_FLOATS
  ) {
    wasmConv2dBackpropFilterDirect(heap, xp, dyp, g, dwp);
    return heap.read(dwp, size);
  }
  const blockRows = blockRowsOf(g);
  const slice = cols * ocg;
  const nParts = Math.max(
    1,
    Math.min(FILTER_PARTS, Math.ceil(g.rows / blockRows), Math.floor(FILTER_PARTIAL_FLOATS / slice)),
  );
  const partRows = Math.ceil(g.rows / nParts);
  const threads = Math.min(nParts, heap.threadsFor(g.rows * slice));
  const colp = heap.alloc(threads * blockRows * cols);
  const partials = heap.alloc(nParts * slice);
  const acc = heap.alloc(2 * slice);
  const sum = ocg === outC ? dwp : heap.alloc(slice);
  for (let group = 0; group < g.groups; group++) {
    const parts = ranges(nParts, threads).map(([part0, count], t) => [
      xp,
      ...windowArgs(g, group),
      part0,
      count,
      partRows,
      g.rows,
      blockRows,
      dyp + group * ocg * 4,
      outC,
      ocg,
      partials,
      colp + t * blockRows * cols * 4,
      heap.scratch(t),
    ]);
    heap.run('conv2dBackpropFilterParts', parts);
    heap.mod.sumRows(partials, nParts, slice, 1, acc, sum);
    if (sum !== dwp) {
      // the group's cols x ocg block into dW's columns group*ocg.. (row stride outC)
      const view = heap.f32();
      for (let r = 0; r < cols; r++) {
        const from = sum / 4 + r * ocg;
        view.copyWithin(dwp / 4 + r * outC + group * ocg, from, from + ocg);
      }
    }
  }
  return heap.read(dwp, size);
}

/** y = conv2d(x, filter): per group, Y = X_col · W_row. */
export function conv2d(x: T, filter: T, attrs: Conv2DAttrs, out: Shape): Float32Array {
  const g = geometry(x.shape, filter.shape, out, attrs);
  if (gemmEngine() === 'wasm') return wasmConv2d(x, filter, g, sizeOf(out));
  const y = floats(sizeOf(out));
  const { outC, ocg, cols } = g;
  const w = filter.data;
  const wRow = (group: number) => ({ data: w, offset: group * ocg, rowStride: outC, colStride: 1 });
  if (isPointwise(g)) {
    for (let group = 0; group < g.groups; group++) {
      const xCol = { data: x.data, offset: group * g.cg, rowStride: g.inC, colStride: 1 };
      const c = { data: y, offset: group * ocg, rowStride: outC, colStride: 1 };
      gemm({ m: g.rows, n: ocg, k: cols, a: xCol, b: wRow(group), c });
    }
    return y;
  }
  const chunk = rowsPerChunk(g);
  const col = floats(chunk * cols);
  for (let row0 = 0; row0 < g.rows; row0 += chunk) {
    const count = Math.min(chunk, g.rows - row0);
    for (let group = 0; group < g.groups; group++) {
      im2col(x.data, g, group, row0, count, col);
      const xCol = { data: col, offset: 0, rowStride: cols, colStride: 1 };
      const c = { data: y, offset: row0 * outC + group * ocg, rowStride: outC, colStride: 1 };
      gemm({ m: count, n: ocg, k: cols, a: xCol, b: wRow(group), c });
    }
  }
  recycle(col);
  return y;
}

/** dx = conv2dBackpropInput(dy, filter): per group, dX_col = dY · W_rowᵀ, then col2im. `out` is x's shape. */
export function conv2dBackpropInput(dy: T, filter: T, attrs: Conv2DAttrs, out: Shape): Float32Array {
  const g = geometry(out, filter.shape, dy.shape, attrs);
  if (gemmEngine() === 'wasm') return wasmConv2dBackpropInput(dy, filter, g, sizeOf(out));
  const { outC, ocg, cols } = g;
  const w = filter.data;
  // W_rowᵀ: element (oc, col) of group g is filter[col * outC + g*OCg + oc].
  const wRowT = (group: number) => ({ data: w, offset: group * ocg, rowStride: 1, colStride: outC });
  const dyRows = (row0: number, group: number) => ({
    data: dy.data,
    offset: row0 * outC + group * ocg,
    rowStride: outC,
    colStride: 1,
  });
  if (isPointwise(g)) {
    const dx = floats(sizeOf(out));
    for (let group = 0; group < g.groups; group++) {
      const c = { data: dx, offset: group * g.cg, rowStride: g.inC, colStride: 1 };
      gemm({ m: g.rows, n: cols, k: ocg, a: dyRows(0, group), b: wRowT(group), c });
    }
    return dx;
  }
  // Overlapping windows add several contributions into one input value: sum them in float64.
  const dx64 = new Float64Array(sizeOf(out));
  const chunk = rowsPerChunk(g);
  const col = floats(chunk * cols);
  for (let row0 = 0; row0 < g.rows; row0 += chunk) {
    const count = Math.min(chunk, g.rows - row0);
    for (let group = 0; group < g.groups; group++) {
      const c = { data: col, offset: 0, rowStride: cols, colStride: 1 };
      gemm({ m: count, n: cols, k: ocg, a: dyRows(row0, group), b: wRowT(group), c });
      col2im(col, g, group, row0, count, dx64);
    }
  }
  recycle(col);
  return rounded(dx64);
}

/** dW = conv2dBackpropFilter(x, dy): per group, dW = X_colᵀ · dY. `out` is the filter's shape. */
export function conv2dBackpropFilter(x: T, dy: T, attrs: Conv2DAttrs, out: Shape): Float32Array {
  const g = geometry(x.shape, out, dy.shape, attrs);
  if (gemmEngine() === 'wasm') return wasmConv2dBackpropFilter(x, dy, g, sizeOf(out));
  const { outC, ocg, cols } = g;
  const dyRows = (row0: number, group: number) => ({
    data: dy.data,
    offset: row0 * outC + group * ocg,
    rowStride: outC,
    colStride: 1,
  });
  if (isPointwise(g)) {
    const dw = floats(sizeOf(out));
    for (let group = 0; group < g.groups; group++) {
      // X_colᵀ of the group, read straight from x: element (c, pixel) is x[pixel * inC + g*Cg + c].
      const xColT = { data: x.data, offset: group * g.cg, rowStride: 1, colStride: g.inC };
      const c = { data: dw, offset: group * ocg, rowStride: outC, colStride: 1 };
      gemm({ m: cols, n: ocg, k: g.rows, a: xColT, b: dyRows(0, group), c });
    }
    return dw;
  }
  const chunk = rowsPerChunk(g);
  const col = floats(chunk * cols);
  // The sum over output pixels is split across chunks; carry it in float64 when there is more than one.
  const single = chunk >= g.rows;
  const dw: Float32Array | Float64Array = single ? floats(sizeOf(out)) : new Float64Array(sizeOf(out));
  for (let row0 = 0; row0 < g.rows; row0 += chunk) {
    const count = Math.min(chunk, g.rows - row0);
    for (let group = 0; group < g.groups; group++) {
      im2col(x.data, g, group, row0, count, col);
      const xColT = { data: col, offset: 0, rowStride: 1, colStride: cols };
      const c = { data: dw, offset: group * ocg, rowStride: outC, colStride: 1 };
      gemm({ m: cols, n: ocg, k: count, a: xColT, b: dyRows(row0, group), c, accumulate: !single });
    }
  }
  recycle(col);
  return dw instanceof Float32Array ? dw : rounded(dw);
}
