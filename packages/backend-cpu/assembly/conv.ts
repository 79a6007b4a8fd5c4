// Convolution in WebAssembly SIMD: im2col, col2im, and the three convolutions as loops over blocks of
// output pixels, each block's X_col built into a small scratch that stays in cache while the GEMM packs
// it (see src/kernels/conv2d.ts for the scheme). A call covers a range of pixels, so threads split a
// convolution by calling these on disjoint ranges (src/threads.ts).
//
// Every call takes the window geometry as the same 15 numbers, after its first pointer: inH, inW, inC,
// cOff (the group's first input channel), cg (input channels per group), outH, outW, kh, kw, sh, sw, dh,
// dw, padTop, padLeft.

import { gemm } from './gemm';

/**
 * Copies `floats` float32s (regions do not overlap). Short runs are the rule in im2col (a filter row of a
 * thin input: 5 values for LeNet's conv1), where `memory.copy`'s call costs more than the copy: vectors
 * of 4, then single values.
 */
@inline
function copyFloats(dst: usize, src: usize, floats: i32): void {
  if (floats >= 64) {
    memory.copy(dst, src, <usize>floats << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= floats; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < floats; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** Zeroes `floats` float32s, like `copyFloats`. */
@inline
function zeroFloats(dst: usize, floats: i32): void {
  if (floats >= 64) {
    memory.fill(dst, 0, <usize>floats << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= floats; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < floats; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * im2col (see src/kernels/conv2d.ts): rows [row0, row0+count) of X_col for channel group `cOff..cOff+cg`
 * into `dst` (count x kh·kw·cg, row-major). Row r is output pixel (n, ho, wo); its columns are the input
 * values under the filter taps, 0 where a tap falls on padding. With no dilation along the width and one
 * group, a tap row's kw·inC values are contiguous in NHWC, and are copied as one run.
 */
export function im2col(
  x: usize,
  inH: i32,
  inW: i32,
  inC: i32,
  cOff: i32,
  cg: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  padTop: i32,
  padLeft: i32,
  row0: i32,
  count: i32,
  dst: usize,
): void {
  let w = dst;
  const run = kw * cg;
  // Pixel (n, ho, wo) of row r, stepped along instead of divided out per row.
  let wo = row0 % outW;
  let ho = (row0 / outW) % outH;
  let n = row0 / (outW * outH);
  for (let r = 0; r < count; r++, wo++) {
    if (wo == outW) {
      wo = 0;
      if (++ho == outH) {
        ho = 0;
        n++;
      }
    }
    const h0 = ho * sh - padTop;
    const w0 = wo * sw - padLeft;
    const inside = w0 >= 0 && w0 + (kw - 1) * dw < inW;
    for (let ki = 0; ki < kh; ki++) {
      const hi = h0 + ki * dh;
      if (hi < 0 || hi >= inH) {
        zeroFloats(w, run);
        w += <usize>run << 2;
        continue;
      }
      const rowBase = (n * inH + hi) * inW;
      if (inside && dw == 1 && cg == inC) {
        copyFloats(w, x + ((<usize>(rowBase + w0) * inC + cOff) << 2), run);
        w += <usize>run << 2;
        continue;
      }
      for (let kj = 0; kj < kw; kj++) {
        const wi = w0 + kj * dw;
        if (wi < 0 || wi >= inW) zeroFloats(w, cg);
        else copyFloats(w, x + ((<usize>(rowBase + wi) * inC + cOff) << 2), cg);
        w += <usize>cg << 2;
      }
    }
  }
}

/** col2im: scatter-adds rows [row0, row0+count) of dX_col (`col`) onto the input pixels of `dx` they came from. */
export function col2im(
  col: usize,
  inH: i32,
  inW: i32,
  inC: i32,
  cOff: i32,
  cg: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  padTop: i32,
  padLeft: i32,
  row0: i32,
  count: i32,
  dx: usize,
): void {
  let w = col;
  // Pixel (n, ho, wo) of row r, stepped along instead of divided out per row.
  let wo = row0 % outW;
  let ho = (row0 / outW) % outH;
  let n = row0 / (outW * outH);
  for (let r = 0; r < count; r++, wo++) {
    if (wo == outW) {
      wo = 0;
      if (++ho == outH) {
        ho = 0;
        n++;
      }
    }
    const h0 = ho * sh - padTop;
    const w0 = wo * sw - padLeft;
    for (let ki = 0; ki < kh; ki++) {
      const hi = h0 + ki * dh;
      if (hi < 0 || hi >= inH) {
        w += <usize>(kw * cg) << 2;
        continue;
      }
      const rowBase = (n * inH + hi) * inW;
      for (let kj = 0; kj < kw; kj++) {
        const wi = w0 + kj * dw;
        if (wi >= 0 && wi < inW) {
          const d = dx + ((<usize>(rowBase + wi) * inC + cOff) << 2);
          let c = 0;
          for (; c + 4 <= cg; c += 4) {
            const p = d + (<usize>c << 2);
            v128.store(p, f32x4.add(v128.load(p), v128.load(w + (<usize>c << 2))));
          }
          for (; c < cg; c++) {
            const p = d + (<usize>c << 2);
            store<f32>(p, load<f32>(p) + load<f32>(w + (<usize>c << 2)));
          }
        }
        w += <usize>cg << 2;
      }
    }
  }
}

/**
 * Y rows [row0, row0+count) = X_col · W_row, `blockRows` pixels at a time. `w` is the group's first
 * filter column (row stride outC), `y` the group's first output channel (row stride outC); `col` holds
 * blockRows x kh·kw·cg floats, `packs` the GEMM scratch.
 */
export function conv2dRows(
  x: usize,
  inH: i32, inW: i32, inC: i32, cOff: i32, cg: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  row0: i32,
  count: i32,
  blockRows: i32,
  w: usize,
  outC: i32,
  ocg: i32,
  y: usize,
  col: usize,
  packs: usize,
): void {
  const cols = kh * kw * cg;
  for (let r = row0; r < row0 + count; r += blockRows) {
    const n = min(blockRows, row0 + count - r);
    im2col(x, inH, inW, inC, cOff, cg, outH, outW, kh, kw, sh, sw, dh, dw, padTop, padLeft, r, n, col);
    gemm(n, ocg, cols, col, cols, 1, w, outC, 1, y + ((<usize>r * outC) << 2), outC, false, packs);
  }
}

/**
 * dX += col2im(dY rows [row0, row0+count) · W_rowᵀ), `blockRows` pixels at a time (arguments as in
 * `conv2dRows`; `dy` is the group's first output channel). Pixels of one image scatter into that image
 * only, so threads that take whole images never write the same dx.
 */
export function conv2dBackpropInputRows(
  dy: usize,
  inH: i32, inW: i32, inC: i32, cOff: i32, cg: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  row0: i32,
  count: i32,
  blockRows: i32,
  w: usize,
  outC: i32,
  ocg: i32,
  dx: usize,
  col: usize,
  packs: usize,
): void {
  const cols = kh * kw * cg;
  for (let r = row0; r < row0 + count; r += blockRows) {
    const n = min(blockRows, row0 + count - r);
    // W_rowᵀ: element (oc, col) is w[col * outC + oc].
    gemm(n, cols, ocg, dy + ((<usize>r * outC) << 2), outC, 1, w, 1, outC, col, cols, false, packs);
    col2im(col, inH, inW, inC, cOff, cg, outH, outW, kh, kw, sh, sw, dh, dw, padTop, padLeft, r, n, dx);
  }
}

/**
 * For parts [part0, part0+parts) of `partRows` pixels each (the last one shorter; `rows` in all): part
 * p's share of dW, the sum over its pixels of X_colᵀ · dY, into partials + p·cols·ocg floats (cols x
 * ocg, row-major), built `blockRows` pixels at a time. The parts are fixed by the caller whatever the
 * thread count, and it sums them in order, so dW does not depend on which thread took which part.
 */
export function conv2dBackpropFilterParts(
  x: usize,
  inH: i32, inW: i32, inC: i32, cOff: i32, cg: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  part0: i32,
  parts: i32,
  partRows: i32,
  rows: i32,
  blockRows: i32,
  dy: usize,
  outC: i32,
  ocg: i32,
  partials: usize,
  col: usize,
  packs: usize,
): void {
  const cols = kh * kw * cg;
  for (let p = part0; p < part0 + parts; p++) {
    const first = p * partRows;
    const end = min(rows, first + partRows);
    const part = partials + ((<usize>p * cols * ocg) << 2);
    for (let r = first; r < end; r += blockRows) {
      const n = min(blockRows, end - r);
      im2col(x, inH, inW, inC, cOff, cg, outH, outW, kh, kw, sh, sw, dh, dw, padTop, padLeft, r, n, col);
      const dyRows = dy + ((<usize>r * outC) << 2);
      gemm(cols, ocg, n, col, 1, cols, dyRows, outC, 1, part, ocg, r > first, packs);
    }
  }
}
