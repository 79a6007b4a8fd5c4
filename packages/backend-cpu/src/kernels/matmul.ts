/** Batched matrix product with numpy batch broadcasting, one GEMM per output batch entry. */

import type { KernelTensor, Shape } from '@cnn/core';
import { gemm, gemmEngine, type MatrixView } from '../gemm.js';
import { broadcastStrides, floats, prod, sizeOf } from '../util.js';
import { wasmHeap } from '../wasm.js';

type T = KernelTensor<Float32Array>;

/**
 * `a[..., M, K] · b[..., K, N]` where a transpose flag means the operand is stored with its last two dims
 * swapped ([..., K, M] for a, [..., N, K] for b). Transposes are strided views, never copies.
 */
export function matMul(a: T, b: T, transposeA: boolean, transposeB: boolean, out: Shape): Float32Array {
  const rank = out.length;
  const m = out[rank - 2];
  const n = out[rank - 1];
  const aRank = a.shape.length;
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const products = plan(a, b, transposeA, out, m, n, k);
  const view = (data: Float32Array, offset: number, cols: number, transposed: boolean): MatrixView =>
    // stored rows x cols, read transposed (cols x rows) through swapped strides
    transposed
      ? { data, offset, rowStride: 1, colStride: cols }
      : { data, offset, rowStride: cols, colStride: 1 };

  if (gemmEngine() === 'wasm') {
    // On the module: operands in place (or copied in once), C where the next kernel reads it.
    const heap = wasmHeap();
    const size = sizeOf(out);
    const cp = heap.output(size, k === 0);
    const ap = heap.put(a.data);
    const bp = heap.put(b.data);
    if (k > 0) {
      for (const p of products) {
        const [rsa, csa] = transposeA ? [1, p.m] : [k, 1];
        const [rsb, csb] = transposeB ? [1, k] : [n, 1];
        heap.gemm(p.m, n, k, ap + p.a * 4, rsa, csa, bp + p.b * 4, rsb, csb, cp + p.c * 4, n, 0);
      }
    }
    return heap.read(cp, size);
  }
  const y = floats(sizeOf(out));
  for (const p of products) {
    gemm({
      m: p.m,
      n,
      k,
      a: view(a.data, p.a, transposeA ? p.m : k, transposeA),
      b: view(b.data, p.b, transposeB ? k : n, transposeB),
      c: { data: y, offset: p.c, rowStride: n, colStride: 1 },
    });
  }
  return y;
}

/** One GEMM of a batched product: `m` rows of C at element offset `c`, its operands at `a` and `b`. */
interface Product {
  m: number;
  a: number;
  b: number;
  c: number;
}

/** The GEMMs of `a · b`: one per output batch entry, through broadcast batch strides. */
function plan(a: T, b: T, transposeA: boolean, out: Shape, m: number, n: number, k: number): Product[] {
  const rank = out.length;
  const aRank = a.shape.length;
  const batchShape = out.slice(0, rank - 2);
  const batches = prod(batchShape);
  const aMatrix = m * k;
  const bMatrix = k * n;
  const aBatches = a.data.length / Math.max(1, aMatrix);
  const bBatches = b.data.length / Math.max(1, bMatrix);
  // One b shared by every batch and a plain a: the batches stack into one tall GEMM.
  if (bBatches === 1 && !transposeA && aBatches === batches) return [{ m: batches * m, a: 0, b: 0, c: 0 }];
  const aStrides = broadcastStrides(a.shape.slice(0, aRank - 2), batchShape);
  const bStrides = broadcastStrides(b.shape.slice(0, b.shape.length - 2), batchShape);
  const counter = new Array<number>(batchShape.length).fill(0);
  const products: Product[] = [];
  let aIndex = 0;
  let bIndex = 0;
  for (let batch = 0; batch < batches; batch++) {
    products.push({ m, a: aIndex * aMatrix, b: bIndex * bMatrix, c: batch * m * n });
    for (let d = batchShape.length - 1; d >= 0; d--) {
      counter[d]++;
      aIndex += aStrides[d];
      bIndex += bStrides[d];
      if (counter[d] < batchShape[d]) break;
      aIndex -= aStrides[d] * batchShape[d];
      bIndex -= bStrides[d] * batchShape[d];
      counter[d] = 0;
    }
  }
  return products;
}
