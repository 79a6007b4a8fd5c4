/**
 * Single-precision GEMM, `C = A · B` (or `C += A · B`), cache-blocked with packing.
 *
 * The operands are strided views, so a transposed operand is just a view with its two strides swapped: the
 * packing routines read any layout, and no transpose is ever materialized.
 *
 * Scheme (the classic Goto/BLIS one, cut down to what pays off in JavaScript):
 * - C is computed in MC x NC blocks, and each block's depth K in KC steps. For each step, the KC x NC slice of
 *   B is packed into column panels NR wide and the MC x KC slice of A into row panels MR tall, both stored
 *   k-major (NR resp. MR values per k), so the micro-kernel reads both sequentially.
 * - A register-blocked MR x NR micro-kernel walks one A panel and one B panel in lockstep, keeping the
 *   MR*NR partial sums in local variables (JS numbers, i.e. doubles) and loading each packed value once.
 * - When K is longer than one KC block, the partial sums of a C block carry over in a float64 scratch, so the
 *   whole dot product is accumulated in double precision and rounded to float32 once.
 * Packs are zero-padded to whole panels, so the micro-kernel never branches on edges; only the final store
 * is clipped.
 */

import { wasmGemm } from './wasm.js';

/** A matrix as a strided window into a flat array: element (i, j) is `data[offset + i*rowStride + j*colStride]`. */
export interface MatrixView<T extends Float32Array | Float64Array = Float32Array> {
  data: T;
  offset: number;
  rowStride: number;
  colStride: number;
}

export interface GemmArgs {
  m: number;
  n: number;
  k: number;
  a: MatrixView;
  b: MatrixView;
  /** C is written row-major with `rowStride` (its colStride is ignored and taken as 1). */
  c: MatrixView<Float32Array | Float64Array>;
  /** Add into C instead of overwriting it. */
  accumulate?: boolean;
}

const MR = 4;
const NR = 4;
/** Depth per packed step. */
const KC = 256;
/** Rows of C per block: the packed A slice (MC*KC floats) stays in L2 while every B panel runs past it. */
const MC = 256;
/** Columns of C per block: the packed B slice (KC*NC floats). */
const NC = 256;

// Scratch reused across calls (kernels run one at a time, synchronously).
const packA = new Float32Array(MC * KC);
const packB = new Float32Array(NC * KC);
/** Running float64 sums of one MC x NC block of C while its depth is split over several KC blocks. */
const partial = new Float64Array(MC * NC);
/** The micro-kernel's finished tile, so that the clipped edge store can index it. */
const tileScratch = new Float64Array(MR * NR);

/** Copies rows [i0, i0+mc) x depth [p0, p0+kc) of A into MR-row panels, k-major, zero-padding the last panel. */
function packPanelsA(a: MatrixView, i0: number, mc: number, p0: number, kc: number, dst: Float32Array): void {
  const { data, rowStride: rs, colStride: cs } = a;
  let w = 0;
  for (let i = 0; i < mc; i += MR) {
    const rows = Math.min(MR, mc - i);
    const base = a.offset + (i0 + i) * rs + p0 * cs;
    if (rows === MR) {
      let r0 = base;
      let r1 = base + rs;
      let r2 = base + 2 * rs;
      let r3 = base + 3 * rs;
      for (let p = 0; p < kc; p++) {
        dst[w] = data[r0];
        dst[w + 1] = data[r1];
        dst[w + 2] = data[r2];
        dst[w + 3] = data[r3];
        w += MR;
        r0 += cs;
        r1 += cs;
        r2 += cs;
        r3 += cs;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = base + p * cs;
        for (let r = 0; r < MR; r++) dst[w + r] = r < rows ? data[src + r * rs] : 0;
        w += MR;
      }
    }
  }
}

/** Copies depth [p0, p0+kc) x columns [j0, j0+nc) of B into NR-column panels, k-major, zero-padding the last. */
function packPanelsB(b: MatrixView, p0: number, kc: number, j0: number, nc: number, dst: Float32Array): void {
  const { data, rowStride: rs, colStride: cs } = b;
  let w = 0;
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    const base = b.offset + p0 * rs + (j0 + j) * cs;
    if (cols === NR) {
      let c0 = base;
      for (let p = 0; p < kc; p++) {
        dst[w] = data[c0];
        dst[w + 1] = data[c0 + cs];
        dst[w + 2] = data[c0 + 2 * cs];
        dst[w + 3] = data[c0 + 3 * cs];
        w += NR;
        c0 += rs;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = base + p * rs;
        for (let s = 0; s < NR; s++) dst[w + s] = s < cols ? data[src + s * cs] : 0;
        w += NR;
      }
    }
  }
}

/**
 * The macro-kernel: every MR x NR tile of an mc x nc block of C, from the packed A block and B block.
 * `mode` 0: C = sums (first and only depth block); 1: partial = sums (first of several); 2: partial += sums;
 * 3: C = partial + sums (last of several). `accumulate` adds the final value into C instead of storing it.
 */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  pa: Float32Array,
  pb: Float32Array,
  c: Float32Array | Float64Array,
  cBase: number,
  ldc: number,
  mode: number,
  accumulate: boolean,
): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    const bStart = j * kc;
    for (let i = 0; i < mc; i += MR) {
      const rows = Math.min(MR, mc - i);
      let ai = i * kc;
      let bi = bStart;
      // The 16 partial sums of the MR x NR tile, one local each so that they can live in registers.
      // biome-ignore format: a 4x4 tile reads best as a grid
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0,
          c10 = 0, c11 = 0, c12 = 0, c13 = 0,
          c20 = 0, c21 = 0, c22 = 0, c23 = 0,
          c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < kc; p++) {
        const a0 = pa[ai];
        const a1 = pa[ai + 1];
        const a2 = pa[ai + 2];
        const a3 = pa[ai + 3];
        const b0 = pb[bi];
        const b1 = pb[bi + 1];
        const b2 = pb[bi + 2];
        const b3 = pb[bi + 3];
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
        ai += MR;
        bi += NR;
      }
      const tile = tileScratch;
      tile[0] = c00;
      tile[1] = c01;
      tile[2] = c02;
      tile[3] = c03;
      tile[4] = c10;
      tile[5] = c11;
      tile[6] = c12;
      tile[7] = c13;
      tile[8] = c20;
      tile[9] = c21;
      tile[10] = c22;
      tile[11] = c23;
      tile[12] = c30;
      tile[13] = c31;
      tile[14] = c32;
      tile[15] = c33;
      for (let r = 0; r < rows; r++) {
        const accRow = (i + r) * NC + j;
        const cRow = cBase + (i + r) * ldc + j;
        for (let s = 0; s < cols; s++) {
          const v = tile[r * NR + s];
          if (mode === 1) partial[accRow + s] = v;
          else if (mode === 2) partial[accRow + s] += v;
          else {
            const total = mode === 3 ? partial[accRow + s] + v : v;
            if (accumulate) c[cRow + s] += total;
            else c[cRow + s] = total;
          }
        }
      }
    }
  }
}

/** Which GEMM the kernels use: the WebAssembly SIMD one (src/wasm.ts) or this file's TypeScript one. */
export type GemmEngine = 'wasm' | 'js';

let engine: GemmEngine = 'js';

/** Runs `fn` with `e` as the GEMM of every kernel it calls (kernels run synchronously, one at a time). */
export function withGemmEngine<T>(e: GemmEngine, fn: () => T): T {
  const previous = engine;
  engine = e;
  try {
    return fn();
  } finally {
    engine = previous;
  }
}

/** The GEMM engine in force (kernels that keep float64 partial sums ask: the SIMD GEMM sums in float32). */
export function gemmEngine(): GemmEngine {
  return engine;
}

/** C (m x n) = A (m x k) · B (k x n), or C += A · B with `accumulate`, on the engine in force. */
export function gemm(args: GemmArgs): void {
  if (engine === 'wasm' && args.c.data instanceof Float32Array && args.m > 0 && args.n > 0 && args.k > 0) {
    wasmGemm(args);
  } else {
    jsGemm(args);
  }
}

/** C (m x n) = A (m x k) · B (k x n), or C += A · B with `accumulate`; sums kept in float64 throughout. */
export function jsGemm(args: GemmArgs): void {
  const { m, n, k, a, b, c } = args;
  const accumulate = args.accumulate ?? false;
  const ldc = c.rowStride;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.data.fill(0, c.offset + i * ldc, c.offset + i * ldc + n);
    return;
  }
  const kBlocks = Math.ceil(k / KC);
  // Each (row block, column block, depth block) packs its own A and B pieces: repacking costs about
  // 1/(2*NC) resp. 1/(2*MC) of the arithmetic, and keeps all scratch a fixed few hundred KiB.
  for (let i0 = 0; i0 < m; i0 += MC) {
    const mc = Math.min(MC, m - i0);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const nc = Math.min(NC, n - j0);
      const cBase = c.offset + i0 * ldc + j0;
      for (let kb = 0; kb < kBlocks; kb++) {
        const p0 = kb * KC;
        const kc = Math.min(KC, k - p0);
        const mode = kBlocks === 1 ? 0 : kb === 0 ? 1 : kb === kBlocks - 1 ? 3 : 2;
        packPanelsB(b, p0, kc, j0, nc, packB);
        packPanelsA(a, i0, mc, p0, kc, packA);
        macroKernel(mc, nc, kc, packA, packB, c.data, cBase, ldc, mode, accumulate);
      }
    }
  }
}
