// Convolution in WebAssembly SIMD: im2col, col2im, and the three convolutions as loops over blocks of
// output pixels, each block's X_col built into a small scratch that stays in cache while the GEMM packs
// it (see src/kernels/conv2d.ts for the scheme). A call covers a range of pixels, so threads split a
// convolution by calling these on disjoint ranges (src/threads.ts).
//
// Every call takes the window geometry as the same 15 numbers, after its first pointer: inH, inW, inC,
// cOff (the group's first input channel), cg (input channels per group), outH, outW, kh, kw, sh, sw, dh,
// dw, padTop, padLeft.

import { gemm } from './gemm';
import { storeRow } from './tile';

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

/**
 * The direct convolution for filters of few taps (kh·kw·inC ≤ 256, one group: LeNet's first conv has
 * 25), where building X_col and packing it costs more than the products: each step multiplies 4
 * neighbouring output pixels of a row by 8 output channels (the GEMM micro-kernel's tile), reading the
 * 4 pixels' inputs straight from x. Taps on padding multiply a 0, as X_col's zeros would, and every sum
 * runs over the taps in X_col's column order with the micro-kernel's float32 operations, so the result
 * is the im2col path's bit for bit.
 *
 * Covers output rows [line0, line0+lines) (a line is one image row of output pixels, outW of them). `w8`
 * is the filter with its output channels padded to `ocPad` (a multiple of 8) by zeros; `tile` is 32
 * bytes of this thread's scratch.
 */
export function conv2dDirect(
  x: usize,
  inH: i32, inW: i32, inC: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  line0: i32,
  lines: i32,
  w8: usize,
  ocPad: i32,
  outC: i32,
  y: usize,
  tile: usize,
): void {
  const zero = f32x4.splat(0);
  const step = <usize>(sw * inC) << 2; // bytes between the inputs of neighbouring output pixels
  const wRow = <usize>ocPad << 2; // bytes per filter tap in w8
  const pixelBytes = <usize>outC << 2;
  for (let line = line0; line < line0 + lines; line++) {
    const n = line / outH;
    const h0 = (line % outH) * sh - padTop;
    for (let wo = 0; wo < outW; ) {
      const w0 = wo * sw - padLeft;
      const out = y + ((<usize>(line * outW + wo) * outC) << 2);
      if (wo + 4 <= outW && w0 >= 0 && w0 + 3 * sw + (kw - 1) * dw < inW) {
        // 4 pixels whose taps are all inside the row's width: only a padding row can be outside.
        for (let ob = 0; ob < outC; ob += 8) {
          let a0l = zero, a0h = zero, a1l = zero, a1h = zero;
          let a2l = zero, a2h = zero, a3l = zero, a3h = zero;
          let wp = w8 + (<usize>ob << 2);
          for (let ki = 0; ki < kh; ki++) {
            const hi = h0 + ki * dh;
            if (hi < 0 || hi >= inH) {
              // a padding row: its zeros times the weights, as X_col would add them
              for (let t = 0; t < kw * inC; t++, wp += wRow) {
                const zl = f32x4.mul(zero, v128.load(wp));
                const zh = f32x4.mul(zero, v128.load(wp, 16));
                a0l = f32x4.add(a0l, zl); a0h = f32x4.add(a0h, zh);
                a1l = f32x4.add(a1l, zl); a1h = f32x4.add(a1h, zh);
                a2l = f32x4.add(a2l, zl); a2h = f32x4.add(a2h, zh);
                a3l = f32x4.add(a3l, zl); a3h = f32x4.add(a3h, zh);
              }
              continue;
            }
            const rowBase = x + ((<usize>((n * inH + hi) * inW + w0) * inC) << 2);
            for (let kj = 0; kj < kw; kj++) {
              let p = rowBase + ((<usize>(kj * dw) * inC) << 2);
              for (let c = 0; c < inC; c++, wp += wRow, p += 4) {
                const bl = v128.load(wp);
                const bh = v128.load(wp, 16);
                const x0 = v128.load32_splat(p);
                const x1 = v128.load32_splat(p + step);
                const x2 = v128.load32_splat(p + 2 * step);
                const x3 = v128.load32_splat(p + 3 * step);
                a0l = f32x4.add(a0l, f32x4.mul(x0, bl));
                a0h = f32x4.add(a0h, f32x4.mul(x0, bh));
                a1l = f32x4.add(a1l, f32x4.mul(x1, bl));
                a1h = f32x4.add(a1h, f32x4.mul(x1, bh));
                a2l = f32x4.add(a2l, f32x4.mul(x2, bl));
                a2h = f32x4.add(a2h, f32x4.mul(x2, bh));
                a3l = f32x4.add(a3l, f32x4.mul(x3, bl));
                a3h = f32x4.add(a3h, f32x4.mul(x3, bh));
              }
            }
          }
          const cols = min(8, outC - ob);
          const o = out + (<usize>ob << 2);
          storeRow(o, a0l, a0h, cols, false, 0, tile);
          storeRow(o + pixelBytes, a1l, a1h, cols, false, 0, tile);
          storeRow(o + 2 * pixelBytes, a2l, a2h, cols, false, 0, tile);
          storeRow(o + 3 * pixelBytes, a3l, a3h, cols, false, 0, tile);
        }
        wo += 4;
        continue;
      }
      // One pixel near the edge: every tap checked.
      for (let ob = 0; ob < outC; ob += 8) {
        let al = zero, ah = zero;
        let wp = w8 + (<usize>ob << 2);
        for (let ki = 0; ki < kh; ki++) {
          const hi = h0 + ki * dh;
          const rowInside = hi >= 0 && hi < inH;
          for (let kj = 0; kj < kw; kj++) {
            const wi = w0 + kj * dw;
            const inside = rowInside && wi >= 0 && wi < inW;
            const p = x + ((<usize>((n * inH + hi) * inW + wi) * inC) << 2);
            for (let c = 0; c < inC; c++, wp += wRow) {
              const xv = inside ? v128.load32_splat(p + (<usize>c << 2)) : zero;
              al = f32x4.add(al, f32x4.mul(xv, v128.load(wp)));
              ah = f32x4.add(ah, f32x4.mul(xv, v128.load(wp, 16)));
            }
          }
        }
        storeRow(out + (<usize>ob << 2), al, ah, min(8, outC - ob), false, 0, tile);
      }
      wo++;
    }
  }
}

/**
 * Copies x (batch x inH rows of `rowFloats` floats) into dst, zeroed by the caller, whose images are
 * `paddedH` rows of `paddedFloats` floats, each image's first row at row `top` and `left` floats in: the
 * zeros around them are the convolution's padding, made real so the direct kernels read every tap.
 */
export function padImages(
  x: usize, batch: i32, inH: i32, rowFloats: i32,
  top: i32, left: i32, paddedH: i32, paddedFloats: i32, dst: usize,
): void {
  const rowBytes = <usize>rowFloats << 2;
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < inH; h++) {
      const to = dst + ((<usize>((n * paddedH + top + h) * paddedFloats) + left) << 2);
      memory.copy(to, x + <usize>(n * inH + h) * rowBytes, rowBytes);
    }
  }
}

/**
 * For parts [part0, part0+parts) of `partRows` output pixels each (`rows` in all): part p's share of dW for
 * inputs of few channels, without X_col, into partials + p·(kh·run·outC) floats (dW's layout). A filter
 * row's taps are one run of `run` = kw·inC floats of the zero-padded input (`padded`: paddedH x paddedW x
 * inC per image, plus 8 floats, from padImages), so each dW block of (filter row, 8 taps, 4 output
 * channels) is summed over the part's pixels in 8 vector registers, in pixel order, in float32. The parts
 * are fixed by the caller whatever the thread count, and it sums them in order. `tile` is 128 bytes of
 * this thread's scratch.
 */
export function conv2dBackpropFilterDirect(
  padded: usize,
  paddedH: i32, paddedW: i32, inC: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32,
  part0: i32,
  parts: i32,
  partRows: i32,
  rows: i32,
  dy: usize,
  outC: i32,
  partials: usize,
  tile: usize,
): void {
  const run = kw * inC;
  const rowBytes = <usize>(paddedW * inC) << 2;
  const slice = kh * run * outC;
  const zero = f32x4.splat(0);
  for (let part = part0; part < part0 + parts; part++) {
    const first = part * partRows;
    const end = min(rows, first + partRows);
    const out = partials + ((<usize>part * slice) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let t0 = 0; t0 < run; t0 += 8) {
        for (let c0 = 0; c0 < outC; c0 += 4) {
          const cn = min(4, outC - c0);
          // taps t0..t0+3 (a0..a3) and t0+4..t0+7 (a4..a7) of channels c0..c0+3
          let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
          // pixel (n, ho, wo) of row `first`, stepped along
          let wo = first % outW;
          let ho = (first / outW) % outH;
          let n = first / (outW * outH);
          let g = dy + ((<usize>(first * outC + c0)) << 2);
          for (let r = first; r < end; r++, wo++, g += <usize>outC << 2) {
            if (wo == outW) {
              wo = 0;
              if (++ho == outH) {
                ho = 0;
                n++;
              }
            }
            const xr =
              padded +
              <usize>(n * paddedH + ho * sh + ki * dh) * rowBytes +
              ((<usize>(wo * sw * inC + t0)) << 2);
            const lo = v128.load(xr);
            const hi = v128.load(xr, 16);
            const d0 = v128.load32_splat(g);
            const d1 = cn > 1 ? v128.load32_splat(g, 4) : zero;
            const d2 = cn > 2 ? v128.load32_splat(g, 8) : zero;
            const d3 = cn > 3 ? v128.load32_splat(g, 12) : zero;
            a0 = f32x4.add(a0, f32x4.mul(d0, lo));
            a1 = f32x4.add(a1, f32x4.mul(d1, lo));
            a2 = f32x4.add(a2, f32x4.mul(d2, lo));
            a3 = f32x4.add(a3, f32x4.mul(d3, lo));
            a4 = f32x4.add(a4, f32x4.mul(d0, hi));
            a5 = f32x4.add(a5, f32x4.mul(d1, hi));
            a6 = f32x4.add(a6, f32x4.mul(d2, hi));
            a7 = f32x4.add(a7, f32x4.mul(d3, hi));
          }
          // The block's sums into dW (row ki·run + tap, column channel) through `tile`, channel j's 8 taps
          // at tile + 32·j; taps past the run (their lanes read the next pixel's input) are dropped.
          v128.store(tile, a0);
          v128.store(tile, a4, 16);
          v128.store(tile, a1, 32);
          v128.store(tile, a5, 48);
          v128.store(tile, a2, 64);
          v128.store(tile, a6, 80);
          v128.store(tile, a3, 96);
          v128.store(tile, a7, 112);
          const taps = min(8, run - t0);
          for (let j = 0; j < cn; j++) {
            for (let t = 0; t < taps; t++) {
              const v = load<f32>(tile + ((<usize>(j * 8 + t)) << 2));
              store<f32>(out + ((<usize>((ki * run + t0 + t) * outC + c0 + j)) << 2), v);
            }
          }
        }
      }
    }
  }
}

/**
 * dx for inputs of few channels (LeNet's first conv), without dX_col: each output pixel's dy row times
 * the filter gives the pixel's contribution to each filter row's kw·inC neighbouring input floats (one
 * run, since the width is undilated), added into a zero-padded copy of the image, 4 floats per vector.
 * Each contribution is the GEMM's dot product over the output channels (the same float32 steps in the
 * same order; outC is at most one depth block) and each input float sums its contributions in pixel
 * order, as col2im does: the im2col path's bit for bit.
 *
 * Covers images [image0, image0+images). `wT` holds, per filter row and output channel, the row's
 * kw·inC weights padded to `runPad` floats (a multiple of 4) with zeros; `padded` is this thread's
 * scratch of paddedH x paddedW x inC floats, plus 4, with the image at (padTop, padLeft).
 */
export function conv2dBackpropInputDirect(
  dy: usize,
  inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, padTop: i32, padLeft: i32,
  image0: i32,
  images: i32,
  wT: usize,
  runPad: i32,
  paddedH: i32,
  paddedW: i32,
  padded: usize,
  dx: usize,
): void {
  const run = kw * inC;
  const rowBytes = <usize>(paddedW * inC) << 2;
  const paddedBytes = <usize>paddedH * rowBytes;
  const imageBytes = <usize>(inH * inW * inC) << 2;
  const wRows = <usize>(outC * runPad) << 2; // bytes of wT per filter row
  // lanes of the last vector of a run that are past its end: cleared, so a NaN or infinite dy times the
  // zero padding of wT never reaches the neighbouring floats
  const tail = run & 3;
  const keep = tail == 0 ? i32x4.splat(-1) : i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tail));
  for (let n = image0; n < image0 + images; n++) {
    memory.fill(padded, 0, paddedBytes);
    let g = dy + ((<usize>n * outH * outW * outC) << 2);
    for (let ho = 0; ho < outH; ho++) {
      for (let wo = 0; wo < outW; wo++, g += <usize>outC << 2) {
        for (let ki = 0; ki < kh; ki++) {
          const dst = padded + <usize>(ho * sh + ki * dh) * rowBytes + ((<usize>(wo * sw * inC)) << 2);
          const wk = wT + <usize>ki * wRows;
          for (let v = 0; v < runPad; v += 4) {
            let acc = f32x4.splat(0);
            let wp = wk + (<usize>v << 2);
            for (let co = 0; co < outC; co++, wp += <usize>runPad << 2) {
              acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(g + (<usize>co << 2)), v128.load(wp)));
            }
            if (v + 4 > run) acc = v128.and(acc, keep);
            const p = dst + (<usize>v << 2);
            v128.store(p, f32x4.add(v128.load(p), acc));
          }
        }
      }
    }
    // the image's part of the padded copy, row by row
    const out = dx + <usize>n * imageBytes;
    const inRowBytes = <usize>(inW * inC) << 2;
    const from = padded + <usize>padTop * rowBytes + ((<usize>(padLeft * inC)) << 2);
    for (let h = 0; h < inH; h++) memory.copy(out + <usize>h * inRowBytes, from + <usize>h * rowBytes, inRowBytes);
  }
}
