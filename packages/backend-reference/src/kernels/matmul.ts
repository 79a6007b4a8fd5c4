/**
 * Batched matrix product: `y[..., m, n] = Σ_k op(a)[..., m, k] · op(b)[..., k, n]`, where op is the
 * optional swap of the last two dims, and the leading (batch) dims of a and b broadcast numpy-style to
 * out's leading dims.
 */

import type { KernelTensor, Shape } from '@cnn/core';
import { broadcastStrides, ravel, size, unravel } from '../indexing.js';

export function matMul(
  a: KernelTensor<Float32Array>,
  b: KernelTensor<Float32Array>,
  transposeA: boolean,
  transposeB: boolean,
  out: Shape,
): Float32Array {
  const y = new Float32Array(size(out));
  const rank = out.length;
  const M = out[rank - 2];
  const N = out[rank - 1];

  // The stored (untransposed) matrix dims of each operand.
  const aRows = a.shape[a.shape.length - 2];
  const aCols = a.shape[a.shape.length - 1];
  const bRows = b.shape[b.shape.length - 2];
  const bCols = b.shape[b.shape.length - 1];
  const K = transposeA ? aRows : aCols;

  // op(a)[m, k] and op(b)[k, n] inside one stored matrix starting at `offset`.
  const opA = (offset: number, m: number, k: number) =>
    transposeA ? a.data[offset + k * aCols + m] : a.data[offset + m * aCols + k];
  const opB = (offset: number, k: number, n: number) =>
    transposeB ? b.data[offset + n * bCols + k] : b.data[offset + k * bCols + n];

  // Batch dims: out's leading dims; each operand's batch index is the broadcast of out's.
  const batchShape = out.slice(0, rank - 2);
  const aBatchStrides = broadcastStrides(a.shape.slice(0, -2), batchShape.length);
  const bBatchStrides = broadcastStrides(b.shape.slice(0, -2), batchShape.length);
  const batches = size(batchShape);

  for (let batch = 0; batch < batches; batch++) {
    const batchIndex = unravel(batch, batchShape);
    const aOffset = ravel(batchIndex, aBatchStrides) * aRows * aCols;
    const bOffset = ravel(batchIndex, bBatchStrides) * bRows * bCols;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0; // float64
        for (let k = 0; k < K; k++) sum += opA(aOffset, m, k) * opB(bOffset, k, n);
        y[batch * M * N + m * N + n] = sum; // rounded once to float32
      }
    }
  }
  return y;
}
