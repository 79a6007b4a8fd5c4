// Per-column float64 sums over the rows of a rows x C float matrix (row-major: NHWC channels last): the one
// loop behind the bias-gradient sums (elementwise.ts) and batch norm's statistics and gradient sums
// (normalization.ts). Each column is summed in row order, so the TypeScript kernels' plain loops give the
// same bits. Not re-exported by index.ts (its helpers pass vectors).

/** Two floats at `p` widened to f64x2. */
@inline
export function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** acc[c] += a[r, c]. */
export const SUM = 0;
/** acc[c] += (a[r, c] - center[c])². */
export const SQUARED_DEVIATION = 1;
/** acc[c] += a[r, c] and second[c] += a[r, c] · (b[r, c] - center[c]), in one pass. */
export const SUM_AND_TIMES_DEVIATION = 2;

/** One f64x2 step of `accumulateRows`: two columns' terms, from `va` and `vb` (already widened). */
@inline
function accumulate2(kind: i32, va: v128, vb: v128, p: usize, center: usize, q: usize): void {
  if (kind == SQUARED_DEVIATION) {
    const d = f64x2.sub(va, v128.load(center));
    v128.store(p, f64x2.add(v128.load(p), f64x2.mul(d, d)));
    return;
  }
  v128.store(p, f64x2.add(v128.load(p), va));
  if (kind == SUM_AND_TIMES_DEVIATION)
    v128.store(q, f64x2.add(v128.load(q), f64x2.mul(va, f64x2.sub(vb, v128.load(center)))));
}

/** The high two lanes of a float vector widened to f64x2 (moved down, then widened as the low two are). */
@inline
function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/**
 * Adds each row's terms (see the kinds above) into `acc` (and `second`): C float64s each, as is `center`.
 * Four columns per step (one float vector, two f64x2 halves), then a scalar tail.
 */
@inline
export function accumulateRows(
  a: usize,
  b: usize,
  rows: i32,
  C: i32,
  center: usize,
  acc: usize,
  kind: i32,
  second: usize = 0,
): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * C << 2;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const at = row + (<usize>c << 2);
      const off = <usize>c << 3;
      const va = v128.load(a + at);
      const vb = kind == SUM_AND_TIMES_DEVIATION ? v128.load(b + at) : va;
      accumulate2(kind, f64x2.promote_low_f32x4(va), f64x2.promote_low_f32x4(vb), acc + off, center + off, second + off);
      accumulate2(kind, promoteHigh(va), promoteHigh(vb), acc + off + 16, center + off + 16, second + off + 16);
    }
    for (; c < C; c++) {
      const p = acc + (<usize>c << 3);
      const va = <f64>load<f32>(a + row + (<usize>c << 2));
      if (kind == SQUARED_DEVIATION) {
        const d = va - load<f64>(center + (<usize>c << 3));
        store<f64>(p, load<f64>(p) + d * d);
        continue;
      }
      store<f64>(p, load<f64>(p) + va);
      if (kind == SUM_AND_TIMES_DEVIATION) {
        const q = second + (<usize>c << 3);
        const d = <f64>load<f32>(b + row + (<usize>c << 2)) - load<f64>(center + (<usize>c << 3));
        store<f64>(q, load<f64>(q) + va * d);
      }
    }
  }
}
