/** Batched matrix product with numpy broadcasting of the batch dims. */

import type { Shape } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { input, sizeOf, type T } from './common.js';

/**
 * An operand as `[B, rows, cols]` with B = 1 (shared by every output batch) or B = the output's batch
 * count. tfjs's own batch broadcasting indexes the smaller operand modulo its batch size, which is wrong
 * for shapes like [2,1,..] x [1,3,..]: an operand stretched along some but not all batch dims is broadcast
 * explicitly first.
 */
function asBatches(t: tf.Tensor, shape: Shape, batchShape: Shape): tf.Tensor3D {
  const rank = shape.length;
  const matrix: [number, number] = [shape[rank - 2], shape[rank - 1]];
  const own = sizeOf(shape.slice(0, rank - 2));
  const batches = sizeOf(batchShape);
  if (own === 1) return tf.reshape(t, [1, ...matrix]);
  const full = own === batches ? t : tf.broadcastTo(t, [...batchShape, ...matrix]);
  return tf.reshape(full, [batches, ...matrix]);
}

/**
 * `a[..., M, K] · b[..., K, N]`, the flags meaning an operand is stored with its last two dims swapped.
 * With `explicitTranspose` (tfjs-wasm: its XNNPACK path only runs without transpose flags) the swapped
 * operands are transposed first.
 */
export function matMul(
  a: T,
  b: T,
  transposeA: boolean,
  transposeB: boolean,
  out: Shape,
  explicitTranspose: boolean,
): tf.Tensor {
  const rank = out.length;
  const batchShape = out.slice(0, rank - 2);
  let a3 = asBatches(input(a), a.shape, batchShape);
  let b3 = asBatches(input(b), b.shape, batchShape);
  if (explicitTranspose) {
    if (transposeA) a3 = tf.transpose(a3, [0, 2, 1]);
    if (transposeB) b3 = tf.transpose(b3, [0, 2, 1]);
    transposeA = transposeB = false;
  }
  const [aBatches, aRows, aCols] = a3.shape;
  // One b shared by every batch and a plain a: stack the batches into one tall product.
  if (b3.shape[0] === 1 && aBatches > 1 && !transposeA) {
    const tall = tf.matMul(
      tf.reshape(a3, [aBatches * aRows, aCols]),
      tf.reshape(b3, b3.shape.slice(1)),
      false,
      transposeB,
    );
    return tf.reshape(tall, [...out]);
  }
  return tf.reshape(tf.matMul(a3, b3, transposeA, transposeB), [...out]);
}
