// Single-precision GEMM in WebAssembly SIMD (AssemblyScript), `C = A · B` or `C += A · B`.
//
// The same Goto/BLIS scheme as src/gemm.ts, with a 4 x 8 micro-kernel on f32x4 lanes: per step of the
// depth it loads 8 packed B values (two vectors), splats 4 packed A values, and does 8 vector multiply-adds
// into 8 accumulators (well under the 16 SIMD registers V8 has, so nothing spills). Sums are float32, as
// every fast GEMM's; the conformance tolerance is derived for float32 accumulation.
//
// Memory is the caller's: every pointer is a byte offset into this module's linear memory, which the
// JavaScript side (src/wasm.ts) lays out and grows. Strides are in elements, so a transposed operand is
// just a view with its strides swapped: packing reads any layout.

import { NR, storeRow } from './tile';

const MR = 4;
/** Depth per packed step (its packed panels: 384 x 8 floats of B and 384 x 4 of A stay in L1). */
const KC = 384;
/** KC for the caller: a sum over at most this many products runs in one pass, in order. */
export const GEMM_DEPTH: i32 = KC;
/** Rows of C per block (the packed A block, MC*KC floats, stays in L2). */
const MC = 128;
/** Columns of C per block (the packed B block, KC*NC floats). */
const NC = 512;

const PACK_A_BYTES: i32 = MC * KC * 4;
const PACK_B_BYTES: i32 = KC * NC * 4;
const TILE_BYTES: i32 = MR * NR * 4;
/**
 * Bytes of scratch the caller reserves per thread (16-byte aligned): the packed A and B blocks and one
 * finished tile. Nothing here is static, so threads sharing this module's memory never share scratch.
 */
export const SCRATCH_BYTES: i32 = PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;

/** Rows [i0, i0+mc) x depth [p0, p0+kc) of A into MR-row panels, k-major, the last panel zero-padded. */
function packA(a: usize, rs: i32, cs: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  let w = dst;
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    const base = a + ((<usize>(i0 + i) * rs + <usize>p0 * cs) << 2);
    const rsb = <usize>rs << 2;
    const csb = <usize>cs << 2;
    if (rows == MR) {
      let src = base;
      for (let p = 0; p < kc; p++) {
        store<f32>(w, load<f32>(src));
        store<f32>(w, load<f32>(src + rsb), 4);
        store<f32>(w, load<f32>(src + 2 * rsb), 8);
        store<f32>(w, load<f32>(src + 3 * rsb), 12);
        w += MR << 2;
        src += csb;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = base + <usize>p * csb;
        for (let r = 0; r < MR; r++) {
          store<f32>(w + (<usize>r << 2), r < rows ? load<f32>(src + <usize>r * rsb) : 0);
        }
        w += MR << 2;
      }
    }
  }
}

/** Depth [p0, p0+kc) x columns [j0, j0+nc) of B into NR-column panels, k-major, the last zero-padded. */
function packB(b: usize, rs: i32, cs: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  let w = dst;
  const rsb = <usize>rs << 2;
  const csb = <usize>cs << 2;
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const base = b + ((<usize>p0 * rs + <usize>(j0 + j) * cs) << 2);
    if (cols == NR && cs == 1) {
      // Rows of B are contiguous: two vector copies per depth step.
      let src = base;
      for (let p = 0; p < kc; p++) {
        v128.store(w, v128.load(src));
        v128.store(w, v128.load(src, 16), 16);
        w += NR << 2;
        src += rsb;
      }
    } else if (cols == NR) {
      // A whole panel of strided columns (a transposed B: conv dx's W_rowᵀ): 8 loads per depth step, no
      // per-element test.
      let src = base;
      for (let p = 0; p < kc; p++) {
        store<f32>(w, load<f32>(src));
        store<f32>(w, load<f32>(src + csb), 4);
        store<f32>(w, load<f32>(src + 2 * csb), 8);
        store<f32>(w, load<f32>(src + 3 * csb), 12);
        store<f32>(w, load<f32>(src + 4 * csb), 16);
        store<f32>(w, load<f32>(src + 5 * csb), 20);
        store<f32>(w, load<f32>(src + 6 * csb), 24);
        store<f32>(w, load<f32>(src + 7 * csb), 28);
        w += NR << 2;
        src += rsb;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = base + <usize>p * rsb;
        for (let s = 0; s < NR; s++) {
          store<f32>(w + (<usize>s << 2), s < cols ? load<f32>(src + <usize>s * csb) : 0);
        }
        w += NR << 2;
      }
    }
  }
}

/** Every MR x NR tile of an mc x nc block of C from the packed blocks; `add` adds into C. */
function macroKernel(
  mc: i32,
  nc: i32,
  kc: i32,
  pa: usize,
  pb: usize,
  c: usize,
  ldc: i32,
  add: bool,
  tile: usize,
): void {
  const ldcb = <usize>ldc << 2;
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const bPanel = pb + (<usize>j * kc << 2);
    for (let i = 0; i < mc; i += MR) {
      const rows = min(MR, mc - i);
      let a = pa + (<usize>i * kc << 2);
      let b = bPanel;
      let c0l = f32x4.splat(0), c0h = f32x4.splat(0);
      let c1l = f32x4.splat(0), c1h = f32x4.splat(0);
      let c2l = f32x4.splat(0), c2h = f32x4.splat(0);
      let c3l = f32x4.splat(0), c3h = f32x4.splat(0);
      for (let p = 0; p < kc; p++) {
        const bl = v128.load(b);
        const bh = v128.load(b, 16);
        const a0 = v128.load32_splat(a);
        const a1 = v128.load32_splat(a, 4);
        const a2 = v128.load32_splat(a, 8);
        const a3 = v128.load32_splat(a, 12);
        c0l = f32x4.add(c0l, f32x4.mul(a0, bl));
        c0h = f32x4.add(c0h, f32x4.mul(a0, bh));
        c1l = f32x4.add(c1l, f32x4.mul(a1, bl));
        c1h = f32x4.add(c1h, f32x4.mul(a1, bh));
        c2l = f32x4.add(c2l, f32x4.mul(a2, bl));
        c2h = f32x4.add(c2h, f32x4.mul(a2, bh));
        c3l = f32x4.add(c3l, f32x4.mul(a3, bl));
        c3h = f32x4.add(c3h, f32x4.mul(a3, bh));
        a += MR << 2;
        b += NR << 2;
      }
      const ct = c + ((<usize>i * ldc + j) << 2);
      storeRow(ct, c0l, c0h, cols, add, 0, tile);
      if (rows > 1) storeRow(ct + ldcb, c1l, c1h, cols, add, 1, tile);
      if (rows > 2) storeRow(ct + 2 * ldcb, c2l, c2h, cols, add, 2, tile);
      if (rows > 3) storeRow(ct + 3 * ldcb, c3l, c3h, cols, add, 3, tile);
    }
  }
}

/**
 * C (m x n, row-major with row stride `ldc`) = A (m x k) · B (k x n), or C += A · B with `accumulate`.
 * A's element (i, p) is at `a + 4 (i·rsa + p·csa)`, B's likewise. `packs` points at SCRATCH_BYTES of
 * this thread's scratch, 16-byte aligned. Every element of C is summed in the same order (depth blocks of
 * KC, then p within a block) whatever rows or columns a call covers, so splitting C between threads gives
 * bit-identical results.
 */
export function gemm(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  rsa: i32,
  csa: i32,
  b: usize,
  rsb: i32,
  csb: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  packs: usize,
): void {
  const pa = packs;
  const pb = packs + PACK_A_BYTES;
  const tile = pb + PACK_B_BYTES;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      // The first depth block stores into C (unless accumulating); later ones add their part.
      const add = accumulate || p0 > 0;
      packB(b, rsb, csb, p0, kc, j0, nc, pb);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packA(a, rsa, csa, i0, mc, p0, kc, pa);
        macroKernel(mc, nc, kc, pa, pb, c + ((<usize>i0 * ldc + j0) << 2), ldc, add, tile);
      }
    }
  }
}

/** The first byte after this module's static data: the caller's buffers start here. */
export function heapBase(): usize {
  return __heap_base;
}
