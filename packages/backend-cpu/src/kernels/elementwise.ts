/**
 * Elementwise kernels: binary ops and `where` with numpy broadcasting, and unary ops.
 *
 * Broadcasting walks the output shape with each operand's broadcast strides (0 along stretched dims), after
 * merging dims that step contiguously (see `coalesce`), so the work is a handful of long strided rows.
 * Every op has its own row loop, so the per-element work is a tight monomorphic loop: same-shape operands are
 * one row with stride 1, a scalar operand is one row with stride 0.
 */

import type { BinaryOp, KernelTensor, Shape, UnaryOp } from '@cnn/core';
import { gemmEngine } from '../gemm.js';
import { broadcastStrides, coalesce, floats, forEachRow, sizeOf, stridesOf } from '../util.js';
import { wasmKernel } from '../wasm.js';

type T = KernelTensor<Float32Array>;

/** `out[o + t] = op(a[ai + t*sa], b[bi + t*sb])` for t < n. */
type BinaryRow = (
  a: Float32Array,
  ai: number,
  sa: number,
  b: Float32Array,
  bi: number,
  sb: number,
  out: Float32Array,
  o: number,
  n: number,
) => void;

const binaryRows: Record<BinaryOp, BinaryRow> = {
  add(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) out[o + t] = a[ai] + b[bi];
  },
  sub(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) out[o + t] = a[ai] - b[bi];
  },
  mul(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) out[o + t] = a[ai] * b[bi];
  },
  div(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) out[o + t] = a[ai] / b[bi];
  },
  maximum(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) out[o + t] = Math.max(a[ai], b[bi]);
  },
  minimum(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) out[o + t] = Math.min(a[ai], b[bi]);
  },
  // IEEE pow: ECMAScript's ** differs only where it gives NaN for 1 ** y (y NaN or infinite) and (-1) ** ±Infinity.
  pow(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) {
      const p = a[ai] ** b[bi];
      out[o + t] =
        !Number.isNaN(p) || Math.abs(a[ai]) !== 1 || (a[ai] === -1 && Number.isFinite(b[bi])) ? p : 1;
    }
  },
  equal(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) out[o + t] = a[ai] === b[bi] ? 1 : 0;
  },
  greater(a, ai, sa, b, bi, sb, out, o, n) {
    for (let t = 0; t < n; t++, ai += sa, bi += sb) out[o + t] = a[ai] > b[bi] ? 1 : 0;
  },
};

/** The ops the SIMD kernel has (assembly/elementwise.ts): its op codes. */
const SIMD_BINARY_OPS: Partial<Record<BinaryOp, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
};
/** The SIMD kernel's op code that copies its first operand: `broadcastTo` through the same loop. */
const SIMD_COPY = 6;
/** The unary ops the SIMD kernel has, each one correctly rounded operation (so the same bits). */
const SIMD_UNARY_OPS: Partial<Record<UnaryOp, number>> = {
  neg: 0,
  abs: 1,
  square: 2,
  sqrt: 3,
  reciprocal: 4,
};

/**
 * `binary` on the SIMD kernel where the broadcast plan is at most rows x columns with each operand's
 * columns contiguous or one broadcast value (same shapes, a scalar, a per-channel vector); else null.
 * float32 +, -, *, / round exactly like the TypeScript loop's float64 result rounded to float32.
 */
function wasmBinary(code: number, a: T, b: T, out: Shape): Float32Array | null {
  const plan = coalesce(out, [
    stridesOf(out),
    broadcastStrides(a.shape, out),
    broadcastStrides(b.shape, out),
  ]);
  if (plan.shape.length > 2) return null;
  const [rows, cols] = plan.shape.length === 2 ? plan.shape : [1, plan.shape[0]];
  const at = (k: number) => (plan.shape.length === 2 ? plan.strides[k] : [0, plan.strides[k][0]]);
  const [aRow, aCol] = at(1);
  const [bRow, bCol] = at(2);
  if (aCol > 1 || bCol > 1) return null;
  return wasmKernel([a.data, b.data], rows * cols, (heap, [ap, bp], yp) =>
    heap.mod.binary(code, ap, aRow, aCol, bp, bRow, bCol, yp, rows, cols),
  );
}

export function binary(op: BinaryOp, a: T, b: T, out: Shape): Float32Array {
  const size = sizeOf(out);
  const code = SIMD_BINARY_OPS[op];
  if (size > 0 && code !== undefined && gemmEngine() === 'wasm') {
    const y = wasmBinary(code, a, b, out);
    if (y) return y;
  }
  const y = floats(size);
  if (size === 0) return y;
  const row = binaryRows[op];
  const aSize = a.data.length;
  const bSize = b.data.length;
  // Fast paths, no index arithmetic. An operand as large as the output is not stretched anywhere, so its
  // flat index is the output's.
  if (aSize === size && bSize === size) {
    row(a.data, 0, 1, b.data, 0, 1, y, 0, size);
    return y;
  }
  if (bSize === 1 && aSize === size) {
    row(a.data, 0, 1, b.data, 0, 0, y, 0, size);
    return y;
  }
  if (aSize === 1 && bSize === size) {
    row(a.data, 0, 0, b.data, 0, 1, y, 0, size);
    return y;
  }
  const plan = coalesce(out, [
    stridesOf(out),
    broadcastStrides(a.shape, out),
    broadcastStrides(b.shape, out),
  ]);
  const last = plan.shape.length - 1;
  const n = plan.shape[last];
  const sa = plan.strides[1][last];
  const sb = plan.strides[2][last];
  if (last === 1) {
    // Two dims, the common broadcast (a bias over NHWC channels: many short rows): no odometer.
    const [so0, sa0, sb0] = [plan.strides[0][0], plan.strides[1][0], plan.strides[2][0]];
    for (let r = 0, o = 0, ai = 0, bi = 0; r < plan.shape[0]; r++, o += so0, ai += sa0, bi += sb0)
      row(a.data, ai, sa, b.data, bi, sb, y, o, n);
    return y;
  }
  forEachRow(plan, ([o, ai, bi]) => row(a.data, ai, sa, b.data, bi, sb, y, o, n));
  return y;
}

/** x repeated along its size-1 (and missing leading) dims up to `out`. */
export function broadcastTo(x: T, out: Shape): Float32Array {
  if (sizeOf(out) > 0 && gemmEngine() === 'wasm') {
    const y = wasmBinary(SIMD_COPY, x, x, out);
    if (y) return y;
  }
  const y = floats(sizeOf(out));
  const plan = coalesce(out, [stridesOf(out), broadcastStrides(x.shape, out)]);
  const last = plan.shape.length - 1;
  const n = plan.shape[last];
  const sx = plan.strides[1][last];
  const xd = x.data;
  forEachRow(plan, ([o, xi]) => {
    for (let t = 0; t < n; t++, xi += sx) y[o + t] = xd[xi];
  });
  return y;
}

/** `cond != 0 ? a : b`, all three broadcast to `out`. */
export function where(cond: T, a: T, b: T, out: Shape): Float32Array {
  const size = sizeOf(out);
  const y = floats(size);
  if (size === 0) return y;
  const plan = coalesce(out, [
    stridesOf(out),
    broadcastStrides(cond.shape, out),
    broadcastStrides(a.shape, out),
    broadcastStrides(b.shape, out),
  ]);
  const last = plan.shape.length - 1;
  const n = plan.shape[last];
  const [, sc, sa, sb] = plan.strides.map((s) => s[last]);
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  forEachRow(plan, ([o, ci, ai, bi]) => {
    for (let t = 0; t < n; t++, ci += sc, ai += sa, bi += sb) y[o + t] = cd[ci] !== 0 ? ad[ai] : bd[bi];
  });
  return y;
}

export function unary(op: UnaryOp, x: T): Float32Array {
  const v = x.data;
  const n = v.length;
  const code = SIMD_UNARY_OPS[op];
  if (code !== undefined && gemmEngine() === 'wasm')
    return wasmKernel([v], n, (heap, [xp], yp) => heap.mod.unary(code, xp, yp, n));
  const y = floats(n);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) y[i] = -v[i];
      break;
    case 'exp':
      for (let i = 0; i < n; i++) y[i] = Math.exp(v[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) y[i] = Math.log(v[i]);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) y[i] = Math.sqrt(v[i]);
      break;
    case 'rsqrt':
      for (let i = 0; i < n; i++) y[i] = 1 / Math.sqrt(v[i]);
      break;
    case 'square':
      for (let i = 0; i < n; i++) y[i] = v[i] * v[i];
      break;
    case 'abs':
      for (let i = 0; i < n; i++) y[i] = Math.abs(v[i]);
      break;
    case 'sign':
      for (let i = 0; i < n; i++) y[i] = Math.sign(v[i]);
      break;
    case 'reciprocal':
      for (let i = 0; i < n; i++) y[i] = 1 / v[i];
      break;
    default:
      throw new Error(`cpu backend: unknown unary op ${op satisfies never}`);
  }
  return y;
}
