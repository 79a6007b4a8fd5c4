// Max pooling in WebAssembly SIMD, vectorised over the channels of each window (NHWC's contiguous axis).
// The same scan as src/kernels/pool.ts `scanMax`, bit for bit: a window's first real tap starts each
// channel's running max, a later tap replaces it when strictly larger, or when it is NaN over a number
// (NaN propagates, as in PyTorch); the index kept is that of the value kept, so ties go to the first.
// The compare is a lane mask, not a branch: random data would mispredict half the time.

/**
 * Scans every window of x (batch x inH x inW x C) for output pixels outH x outW. With `y` non-zero writes
 * each window's max there (0 for a window with no real tap); with `dx` non-zero, instead sends each
 * `dy` value to its window's argmax in dx (which must be zeroed, and windows must not overlap: the
 * TypeScript kernel sums overlapping ones in float64).
 */
export function maxPool(
  x: usize,
  batch: i32,
  inH: i32,
  inW: i32,
  C: i32,
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
  y: usize,
  dy: usize,
  dx: usize,
): void {
  let o: i32 = 0; // flat index of (n, ho, wo, 0) in the output
  for (let n = 0; n < batch; n++) {
    for (let ho = 0; ho < outH; ho++) {
      const h0 = ho * sh - padTop;
      for (let wo = 0; wo < outW; wo++, o += C) {
        const w0 = wo * sw - padLeft;
        // The window's first real tap, in scan order (rows, then columns).
        let first: i32 = -1;
        for (let ki = 0; ki < kh && first < 0; ki++) {
          const hi = h0 + ki * dh;
          if (hi < 0 || hi >= inH) continue;
          for (let kj = 0; kj < kw; kj++) {
            const wi = w0 + kj * dw;
            if (wi >= 0 && wi < inW) {
              first = ((n * inH + hi) * inW + wi) * C;
              break;
            }
          }
        }
        if (first < 0) {
          // no real input under the window: max 0, and no input gets a gradient
          if (y) memory.fill(y + (<usize>o << 2), 0, <usize>C << 2);
          continue;
        }
        // Whole vectors of channels; for C >= 4 not a multiple of 4 the last vector overlaps the one before
        // (its shared lanes compute the same values again), so no channel takes the scalar loop.
        for (let c0 = 0; C >= 4 && c0 < C; c0 += 4) {
          const c = min(c0, C - 4);
          let best = v128.load(x + (<usize>(first + c) << 2));
          let arg = i32x4.add(i32x4.splat(first + c), i32x4(0, 1, 2, 3));
          for (let ki = 0; ki < kh; ki++) {
            const hi = h0 + ki * dh;
            if (hi < 0 || hi >= inH) continue;
            for (let kj = 0; kj < kw; kj++) {
              const wi = w0 + kj * dw;
              if (wi < 0 || wi >= inW) continue;
              const at = ((n * inH + hi) * inW + wi) * C + c;
              if (at == first + c) continue;
              const v = v128.load(x + (<usize>at << 2));
              const take = v128.or(
                f32x4.gt(v, best),
                v128.and(f32x4.ne(v, v), f32x4.eq(best, best)),
              );
              best = v128.bitselect(v, best, take);
              arg = v128.bitselect(i32x4.add(i32x4.splat(at), i32x4(0, 1, 2, 3)), arg, take);
            }
          }
          if (y) v128.store(y + (<usize>(o + c) << 2), best);
          else {
            const g = dy + (<usize>(o + c) << 2);
            store<f32>(dx + (<usize>i32x4.extract_lane(arg, 0) << 2), load<f32>(g));
            store<f32>(dx + (<usize>i32x4.extract_lane(arg, 1) << 2), load<f32>(g, 4));
            store<f32>(dx + (<usize>i32x4.extract_lane(arg, 2) << 2), load<f32>(g, 8));
            store<f32>(dx + (<usize>i32x4.extract_lane(arg, 3) << 2), load<f32>(g, 12));
          }
        }
        for (let c = C >= 4 ? C : 0; c < C; c++) {
          let best = load<f32>(x + (<usize>(first + c) << 2));
          let arg = first + c;
          for (let ki = 0; ki < kh; ki++) {
            const hi = h0 + ki * dh;
            if (hi < 0 || hi >= inH) continue;
            for (let kj = 0; kj < kw; kj++) {
              const wi = w0 + kj * dw;
              if (wi < 0 || wi >= inW) continue;
              const at = ((n * inH + hi) * inW + wi) * C + c;
              const v = load<f32>(x + (<usize>at << 2));
              const take = v > best || (v != v && best == best);
              best = select<f32>(v, best, take);
              arg = select<i32>(at, arg, take);
            }
          }
          if (y) store<f32>(y + (<usize>(o + c) << 2), best);
          else store<f32>(dx + (<usize>arg << 2), load<f32>(dy + (<usize>(o + c) << 2)));
        }
      }
    }
  }
}
