// One finished row of an 8-wide tile of sums, stored into C: shared by the GEMM's micro-kernel and the
// direct convolution. Not re-exported by index.ts (its vector arguments cannot cross to JavaScript).

/** Columns of a tile: two f32x4 vectors. */
export const NR = 8;

/**
 * Stores (or adds, with `add`) one row of a tile: 8 values, or the first `cols` of them (through `tile`,
 * the thread's scratch for one finished tile).
 */
@inline
export function storeRow(c: usize, lo: v128, hi: v128, cols: i32, add: bool, row: i32, tile: usize): void {
  if (cols == NR) {
    if (add) {
      v128.store(c, f32x4.add(v128.load(c), lo));
      v128.store(c, f32x4.add(v128.load(c, 16), hi), 16);
    } else {
      v128.store(c, lo);
      v128.store(c, hi, 16);
    }
    return;
  }
  const t = tile + (<usize>row * NR << 2);
  v128.store(t, lo);
  v128.store(t, hi, 16);
  for (let s = 0; s < cols; s++) {
    const p = c + (<usize>s << 2);
    const v = load<f32>(t + (<usize>s << 2));
    store<f32>(p, add ? load<f32>(p) + v : v);
  }
}

