// Batch normalization in WebAssembly SIMD: the inference form and training mode's three fused passes (the
// statistics, the gradient sums, dx). All in float64, two channels per f64x2 vector, rows in order: the
// TypeScript kernels in src/kernels/normalization.ts do the same arithmetic in the same order, so the two
// agree bit for bit. x is rows x C, row-major (channels last); per-channel constants are C float64s.

import { accumulateRows, load2, SQUARED_DEVIATION, SUM, SUM_AND_TIMES_DEVIATION } from './rows';

/** f64x2 rounded to two floats at `p`. */
@inline
function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/**
 * y = (x - mean) · k + offset per channel, `mean`, `k` (scale / sqrt(variance + epsilon)) and `offset`
 * float64 constants.
 */
export function batchNorm(x: usize, rows: i32, C: i32, mean: usize, k: usize, offset: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * C << 2;
    let c = 0;
    for (; c + 2 <= C; c += 2) {
      const cb = <usize>c << 3;
      const v = f64x2.sub(load2(x + row + (<usize>c << 2)), v128.load(mean + cb));
      store2(y + row + (<usize>c << 2), f64x2.add(f64x2.mul(v, v128.load(k + cb)), v128.load(offset + cb)));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 3;
      const at = row + (<usize>c << 2);
      const v = (<f64>load<f32>(x + at) - load<f64>(mean + cb)) * load<f64>(k + cb) + load<f64>(offset + cb);
      store<f32>(y + at, <f32>v);
    }
  }
}

/**
 * y (2 x C) = the means over the rows, then the population variances Σ (x - mean)² / rows, each summed in
 * float64 (the mean kept in float64 for the second pass). `acc` is scratch for 2C float64s, 16-byte aligned.
 */
export function moments(x: usize, rows: i32, C: i32, acc: usize, y: usize): void {
  const squares = acc + (<usize>C << 3);
  memory.fill(acc, 0, <usize>C << 4);
  accumulateRows(x, 0, rows, C, 0, acc, SUM);
  for (let c = 0; c < C; c++) store<f64>(acc + (<usize>c << 3), load<f64>(acc + (<usize>c << 3)) / <f64>rows);
  accumulateRows(x, 0, rows, C, acc, squares, SQUARED_DEVIATION);
  for (let c = 0; c < C; c++) {
    store<f32>(y + (<usize>c << 2), <f32>load<f64>(acc + (<usize>c << 3)));
    store<f32>(y + (<usize>(C + c) << 2), <f32>(load<f64>(squares + (<usize>c << 3)) / <f64>rows));
  }
}

/**
 * y (2 x C) = Σ dy, then Σ dy · (x - mean) over the rows (one pass), in float64; `mean` is C float64s, `acc` scratch
 * for 2C float64s, 16-byte aligned.
 */
export function batchNormGradSums(x: usize, dy: usize, rows: i32, C: i32, mean: usize, acc: usize, y: usize): void {
  const products = acc + (<usize>C << 3);
  memory.fill(acc, 0, <usize>C << 4);
  accumulateRows(dy, x, rows, C, mean, acc, SUM_AND_TIMES_DEVIATION, products);
  for (let c = 0; c < C; c++) {
    store<f32>(y + (<usize>c << 2), <f32>load<f64>(acc + (<usize>c << 3)));
    store<f32>(y + (<usize>(C + c) << 2), <f32>load<f64>(products + (<usize>c << 3)));
  }
}

/**
 * dx = dy · a + (x - mean) · b + c0 per channel, in float64: training batch norm's dx with its per-channel
 * factors folded by the caller. `constants` holds mean, a, b, c0: C float64s each, 16-byte aligned.
 */
export function batchNormBackprop(x: usize, dy: usize, rows: i32, C: i32, constants: usize, dx: usize): void {
  const mean = constants;
  const a = mean + (<usize>C << 3);
  const b = a + (<usize>C << 3);
  const c0 = b + (<usize>C << 3);
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * C << 2;
    let c = 0;
    for (; c + 2 <= C; c += 2) {
      const cb = <usize>c << 3;
      const at = row + (<usize>c << 2);
      const centered = f64x2.sub(load2(x + at), v128.load(mean + cb));
      const v = f64x2.add(f64x2.mul(load2(dy + at), v128.load(a + cb)), f64x2.mul(centered, v128.load(b + cb)));
      store2(dx + at, f64x2.add(v, v128.load(c0 + cb)));
    }
    for (; c < C; c++) {
      const cb = <usize>c << 3;
      const at = row + (<usize>c << 2);
      const centered = <f64>load<f32>(x + at) - load<f64>(mean + cb);
      const v = <f64>load<f32>(dy + at) * load<f64>(a + cb) + centered * load<f64>(b + cb) + load<f64>(c0 + cb);
      store<f32>(dx + at, <f32>v);
    }
  }
}
