import { tidy } from '../memory.js';
import { assertRank, assertSameBackend, assertTensor, broadcastShapes, fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, mul } from './elementwise.js';
import { reshape } from './layout.js';
import { runKernel } from './op.js';
import { sumTo } from './reduce.js';

/**
 * Matrix product with numpy semantics: `a[..., M, K] · b[..., K, N]`, batch dims broadcast, 1-D operands
 * promoted to a row (a) or column (b) and the added dim removed again. The transpose flags swap the last
 * two dims of an operand without copying it.
 */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  assertTensor('matMul', 'a', a);
  assertTensor('matMul', 'b', b);
  if (a.rank === 0 || b.rank === 0) throw new Error('matMul: operands must have rank >= 1, got a scalar');
  return tidy(() => {
    const a2 = a.rank === 1 ? reshape(a, transposeA ? [a.shape[0]!, 1] : [1, a.shape[0]!]) : a;
    const b2 = b.rank === 1 ? reshape(b, transposeB ? [1, b.shape[0]!] : [b.shape[0]!, 1]) : b;
    const y = matMulKernel(a2, b2, transposeA, transposeB);
    if (a.rank === 1 || b.rank === 1) {
      const shape = [...y.shape];
      if (b.rank === 1) shape.splice(shape.length - 1, 1);
      if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
      return reshape(y, shape);
    }
    return y;
  });
}

function matMulKernel(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const [m, kA] = transposeA
    ? [a.shape[a.rank - 1]!, a.shape[a.rank - 2]!]
    : [a.shape[a.rank - 2]!, a.shape[a.rank - 1]!];
  const [kB, n] = transposeB
    ? [b.shape[b.rank - 1]!, b.shape[b.rank - 2]!]
    : [b.shape[b.rank - 2]!, b.shape[b.rank - 1]!];
  if (kA !== kB) {
    throw new Error(
      `matMul: inner sizes differ: a ${fmt(a.shape)}${transposeA ? 'ᵀ' : ''} has ${kA} columns but b ${fmt(b.shape)}${transposeB ? 'ᵀ' : ''} has ${kB} rows`,
    );
  }
  const batch = broadcastShapes('matMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = [...batch, m, n];
  return runKernel(
    'matMul',
    [a, b],
    out,
    (backend, ka, kb) => backend.matMul(ka!, kb!, transposeA, transposeB, out),
    {
      empty: 0,
      grad: (dy, [a, b], _, needed) => {
        // C = op(A)·op(B): each case below is dC·op(B)ᵀ and op(A)ᵀ·dC, written back in A's and B's own layout.
        const [da, db] =
          !transposeA && !transposeB
            ? [() => matMulKernel(dy, b!, false, true), () => matMulKernel(a!, dy, true, false)]
            : transposeA && !transposeB
              ? [() => matMulKernel(b!, dy, false, true), () => matMulKernel(a!, dy, false, false)]
              : !transposeA && transposeB
                ? [() => matMulKernel(dy, b!, false, false), () => matMulKernel(dy, a!, true, false)]
                : [() => matMulKernel(b!, dy, true, true), () => matMulKernel(dy, a!, true, true)];
        return [needed[0] ? sumTo(da(), a!.shape) : null, needed[1] ? sumTo(db(), b!.shape) : null];
      },
    },
  );
}

/** A fully connected layer's linear part: `x[N, in] · w[in, out] + bias[out]`. */
export function dense(x: Tensor, weights: Tensor, bias?: Tensor): Tensor {
  assertRank('dense', 'x', x, 2);
  assertRank('dense', 'weights', weights, 2);
  if (bias !== undefined) assertRank('dense', 'bias', bias, 1);
  assertSameBackend('dense', bias ? [x, weights, bias] : [x, weights]);
  if (x.shape[1] !== weights.shape[0]) {
    throw new Error(
      `dense: input has ${x.shape[1]} features but weights expect ${weights.shape[0]} (weights shape ${fmt(weights.shape)})`,
    );
  }
  if (!bias) return matMul(x, weights);
  assertRank('dense', 'bias', bias, 1);
  if (bias.shape[0] !== weights.shape[1]) {
    throw new Error(`dense: bias has ${bias.shape[0]} entries but there are ${weights.shape[1]} outputs`);
  }
  return tidy(() => add(matMul(x, weights), bias));
}

/** Options of `gemm`: `alpha·op(a)·op(b) + beta·c`, op a transpose when asked. */
export interface GemmOptions {
  alpha?: number;
  beta?: number;
  transposeA?: boolean;
  transposeB?: boolean;
}

/** ONNX/BLAS Gemm: `alpha · op(A)·op(B) + beta · C`, C broadcast to the result. */
export function gemm(a: Tensor, b: Tensor, c?: Tensor, options: GemmOptions = {}): Tensor {
  const { alpha = 1, beta = 1, transposeA = false, transposeB = false } = options;
  assertRank('gemm', 'a', a, 2);
  assertRank('gemm', 'b', b, 2);
  if (c) assertTensor('gemm', 'c', c);
  assertSameBackend('gemm', c ? [a, b, c] : [a, b]);
  return tidy(() => {
    let y = matMul(a, b, transposeA, transposeB);
    if (alpha !== 1) y = mul(y, alpha);
    return c ? add(y, beta === 1 ? c : mul(c, beta)) : y;
  });
}
