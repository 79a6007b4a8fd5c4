/** Batched matrix product with numpy batch broadcasting, one GEMM per output batch entry. */

import type { KernelTensor, Shape } from '@cnn/core';
import { gemm, type MatrixView } from '../gemm.js';
import { broadcastStrides, floats, prod, sizeOf } from '../util.js';

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
  const y = floats(sizeOf(out));

  const batchShape = out.slice(0, rank - 2);
  const batches = prod(batchShape);
  const aMatrix = m * k;
  const bMatrix = k * n;
  const aBatches = a.data.length / Math.max(1, aMatrix);
  const bBatches = b.data.length / Math.max(1, bMatrix);

  const view = (
    data: Float32Array,
    offset: number,
    rows: number,
    cols: number,
    transposed: boolean,
  ): MatrixView =>
    // stored rows x cols (or cols x rows when transposed)
    transposed
      ? { data, offset, rowStride: 1, colStride: rows }
      : { data, offset, rowStride: cols, colStride: 1 };

  // One b shared by every batch and a plain a: the batches stack into one tall GEMM.
  if (bBatches === 1 && !transposeA && aBatches === batches) {
    const c = { data: y, offset: 0, rowStride: n, colStride: 1 };
    gemm({
      m: batches * m,
      n,
      k,
      a: view(a.data, 0, batches * m, k, false),
      b: view(b.data, 0, k, n, transposeB),
      c,
    });
    return y;
  }

  // Element offsets of each operand's matrix for every output batch index, through broadcast batch strides.
  const aStrides = broadcastStrides(a.shape.slice(0, aRank - 2), batchShape);
  const bStrides = broadcastStrides(b.shape.slice(0, b.shape.length - 2), batchShape);
  const counter = new Array<number>(batchShape.length).fill(0);
  let aIndex = 0;
  let bIndex = 0;
  for (let batch = 0; batch < batches; batch++) {
    gemm({
      m,
      n,
      k,
      a: view(a.data, aIndex * aMatrix, m, k, transposeA),
      b: view(b.data, bIndex * bMatrix, k, n, transposeB),
      c: { data: y, offset: batch * m * n, rowStride: n, colStride: 1 },
    });
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
  return y;
}
