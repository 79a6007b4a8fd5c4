// Elementwise kernels and the bias-gradient reduction in WebAssembly SIMD (see src/kernels/elementwise.ts
// for what the TypeScript fallback does, bit for bit the same).
//
// Why in WebAssembly: on V8 a JavaScript loop over typed arrays passed as arguments runs at 2.5-5 ns per
// float on the bench machine, and a compare on random signs (ReLU, max) mispredicts half the time; here
// each is a few vector instructions per 4 floats. Pointers are byte offsets into this module's memory,
// counts are in floats.

import { accumulateRows, SUM } from './rows';

/** Binary op codes, shared with src/kernels/elementwise.ts (`SIMD_BINARY_OPS`). */
const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const MAXIMUM = 4;
const MINIMUM = 5;
/** y = a (b unread): broadcastTo, through the same strided loop. */
const COPY = 6;

@inline
function binaryVector(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  if (op == DIV) return f32x4.div(a, b);
  if (op == MAXIMUM) return f32x4.max(a, b);
  if (op == MINIMUM) return f32x4.min(a, b);
  return a;
}

@inline
function binaryScalar(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  if (op == DIV) return a / b;
  if (op == MAXIMUM) return max<f32>(a, b);
  if (op == MINIMUM) return min<f32>(a, b);
  return a;
}

/**
 * y = a op b over `rows` x `cols` (row-major y). `a` and `b` each step `rowStride` floats per row (0: the
 * same row again, a broadcast vector) and 1 or 0 (a broadcast value) per column: same-shape operands,
 * a tensor with a scalar, and NHWC + per-channel vector (a bias) are all this one loop.
 *
 * The op is a constant per call: the branch on it sits outside the vector loop once the loop is
 * specialised per op below.
 */
function binaryLoop(
  op: i32,
  a: usize,
  aRowStride: i32,
  aColStride: i32,
  b: usize,
  bRowStride: i32,
  bColStride: i32,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  let out = y;
  for (let r = 0; r < rows; r++) {
    const ar = a + ((<usize>r * aRowStride) << 2);
    const br = b + ((<usize>r * bRowStride) << 2);
    let c = 0;
    if (aColStride == 1 && bColStride == 1) {
      for (; c + 4 <= cols; c += 4) {
        const o = <usize>c << 2;
        v128.store(out + o, binaryVector(op, v128.load(ar + o), v128.load(br + o)));
      }
    } else if (aColStride == 1) {
      const bv = v128.load32_splat(br);
      for (; c + 4 <= cols; c += 4) {
        const o = <usize>c << 2;
        v128.store(out + o, binaryVector(op, v128.load(ar + o), bv));
      }
    } else if (bColStride == 1) {
      const av = v128.load32_splat(ar);
      for (; c + 4 <= cols; c += 4) {
        const o = <usize>c << 2;
        v128.store(out + o, binaryVector(op, av, v128.load(br + o)));
      }
    }
    for (; c < cols; c++) {
      const av = load<f32>(ar + ((<usize>c * aColStride) << 2));
      const bv = load<f32>(br + ((<usize>c * bColStride) << 2));
      store<f32>(out + (<usize>c << 2), binaryScalar(op, av, bv));
    }
    out += <usize>cols << 2;
  }
}

export function binary(
  op: i32,
  a: usize,
  aRowStride: i32,
  aColStride: i32,
  b: usize,
  bRowStride: i32,
  bColStride: i32,
  y: usize,
  rows: i32,
  cols: i32,
): void {
  // One call per op constant, so the inlined op switch folds away inside each copy of the loop.
  if (op == ADD) binaryLoop(ADD, a, aRowStride, aColStride, b, bRowStride, bColStride, y, rows, cols);
  else if (op == SUB) binaryLoop(SUB, a, aRowStride, aColStride, b, bRowStride, bColStride, y, rows, cols);
  else if (op == MUL) binaryLoop(MUL, a, aRowStride, aColStride, b, bRowStride, bColStride, y, rows, cols);
  else if (op == DIV) binaryLoop(DIV, a, aRowStride, aColStride, b, bRowStride, bColStride, y, rows, cols);
  else if (op == MAXIMUM)
    binaryLoop(MAXIMUM, a, aRowStride, aColStride, b, bRowStride, bColStride, y, rows, cols);
  else if (op == MINIMUM)
    binaryLoop(MINIMUM, a, aRowStride, aColStride, b, bRowStride, bColStride, y, rows, cols);
  else binaryLoop(COPY, a, aRowStride, aColStride, b, bRowStride, bColStride, y, rows, cols);
}

/** y = max(x, 0): NaN stays NaN, -0 becomes +0 (JavaScript's Math.max(x, 0) exactly). */
export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, max<f32>(load<f32>(x + o), 0));
  }
}

/** dx = x > 0 ? dy : 0 (NaN x gives 0), as a mask: no branch on the sign. */
export function reluGrad(x: usize, dy: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** Unary op codes, shared with src/kernels/elementwise.ts (`SIMD_UNARY_OPS`). */
const NEG = 0;
const ABS = 1;
const SQUARE = 2;
const SQRT = 3;
const RECIPROCAL = 4;

@inline
function unaryVector(op: i32, v: v128): v128 {
  if (op == NEG) return f32x4.neg(v);
  if (op == ABS) return f32x4.abs(v);
  if (op == SQUARE) return f32x4.mul(v, v);
  if (op == SQRT) return f32x4.sqrt(v);
  return f32x4.div(f32x4.splat(1), v);
}

@inline
function unaryScalar(op: i32, v: f32): f32 {
  if (op == NEG) return -v;
  if (op == ABS) return abs<f32>(v);
  if (op == SQUARE) return v * v;
  if (op == SQRT) return sqrt<f32>(v);
  return 1 / v;
}

function unaryLoop(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, unaryVector(op, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, unaryScalar(op, load<f32>(x + o)));
  }
}

/**
 * y = op(x) for the unary ops whose float32 result is exactly the TypeScript kernel's float64 result
 * rounded to float32 (negation, |x|, x², √x, 1/x: one correctly rounded operation each).
 */
export function unary(op: i32, x: usize, y: usize, n: i32): void {
  if (op == NEG) unaryLoop(NEG, x, y, n);
  else if (op == ABS) unaryLoop(ABS, x, y, n);
  else if (op == SQUARE) unaryLoop(SQUARE, x, y, n);
  else if (op == SQRT) unaryLoop(SQRT, x, y, n);
  else unaryLoop(RECIPROCAL, x, y, n);
}

/**
 * y[c] = sum over r of x[r·cols + c] (rows x cols, row-major) / divisor, summed in float64 in row order,
 * divided in float64 and rounded once: the TypeScript kernel's sum (divisor 1) or mean, bit for bit.
 * `acc` is scratch for `cols` float64s, 16-byte aligned.
 */
export function sumRows(x: usize, rows: i32, cols: i32, divisor: f64, acc: usize, y: usize): void {
  memory.fill(acc, 0, <usize>cols << 3);
  accumulateRows(x, 0, rows, cols, 0, acc, SUM);
  for (let c = 0; c < cols; c++)
    store<f32>(y + (<usize>c << 2), <f32>(load<f64>(acc + (<usize>c << 3)) / divisor));
}
