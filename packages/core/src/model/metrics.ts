import { tidy } from '../memory.js';
import { equal, greater, where } from '../ops/elementwise.js';
import { expandDims } from '../ops/layout.js';
import { max, mean, sum } from '../ops/reduce.js';
import { assertSameBackend, assertTensor, fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { oneHotOf } from './losses.js';

/** Per-position hits of "the true class is among the k highest scores" (1 or 0), `scores` minus its class axis. */
export function topKHits(scores: Tensor, target: Tensor, k: number): Tensor {
  // The true class is in the top k when fewer than k classes score strictly higher; like
  // tf.math.in_top_k, classes tied with the true one across the boundary all count as in the top k.
  const trueScore = sum(where(greater(target, 0.5), scores, 0), -1);
  const higher = sum(greater(scores, expandDims(trueScore, -1)), -1);
  return greater(k, higher);
}

/** Per-position hits of "the true class has the highest score" (ties count as hits). */
export function accuracyHits(scores: Tensor, target: Tensor): Tensor {
  return equal(sum(where(greater(target, 0.5), scores, 0), -1), max(scores, -1));
}

/**
 * Top-k accuracy (Keras' `top_k_categorical_accuracy`): the fraction of positions whose true class is
 * among the `k` highest `predictions` (scores or probabilities, classes on the last axis). `labels` are
 * class indices (the shape of `predictions` minus the last axis) or one-hot rows. Returns a scalar tensor.
 */
export function topKAccuracy(predictions: Tensor, labels: Tensor, k = 5): Tensor {
  const op = 'topKAccuracy';
  assertTensor(op, 'predictions', predictions);
  assertTensor(op, 'labels', labels);
  assertSameBackend(op, [predictions, labels]);
  if (predictions.rank < 2) {
    throw new Error(`${op}: predictions must be [batch, ..., classes], got ${fmt(predictions.shape)}`);
  }
  const classes = predictions.shape[predictions.rank - 1]!;
  if (!Number.isInteger(k) || k < 1 || k > classes) {
    throw new Error(`${op}: k must be an integer in [1, ${classes}] (the class count), got ${k}`);
  }
  return tidy(() => {
    const target = shapesEqual(labels.shape, predictions.shape) ? labels : oneHotOf(op, labels, predictions);
    return mean(topKHits(predictions, target, k));
  });
}

/**
 * The confusion matrix (as `tf.math.confusionMatrix`): `matrix[t][p]` counts the samples of true class
 * `t` predicted as `p`. `labels` are class indices `[N]`; `predictions` are class indices `[N]` or scores
 * `[N, numClasses]` (the highest score is the prediction; the first of tied scores wins).
 */
export async function confusionMatrix(
  labels: Tensor,
  predictions: Tensor,
  numClasses: number,
): Promise<number[][]> {
  const op = 'confusionMatrix';
  assertTensor(op, 'labels', labels);
  assertTensor(op, 'predictions', predictions);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`${op}: numClasses must be a positive integer, got ${numClasses}`);
  }
  if (labels.rank !== 1) throw new Error(`${op}: labels must be class indices [N], got ${fmt(labels.shape)}`);
  const n = labels.shape[0]!;
  const scores = predictions.rank === 2;
  if (
    !(predictions.rank === 1 && predictions.shape[0] === n) &&
    !(scores && predictions.shape[0] === n && predictions.shape[1] === numClasses)
  ) {
    throw new Error(
      `${op}: predictions must be class indices [${n}] or scores [${n},${numClasses}], got ${fmt(predictions.shape)}`,
    );
  }
  const [truth, predicted] = await Promise.all([labels.data(), predictions.data()]);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  const classOf = (what: string, v: number, i: number) => {
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new Error(`${op}: ${what} ${v} of sample ${i} is not a class index in [0, ${numClasses - 1}]`);
    }
    return v;
  };
  for (let i = 0; i < n; i++) {
    const t = classOf('label', truth[i]!, i);
    let p: number;
    if (scores) {
      p = 0;
      for (let c = 1; c < numClasses; c++) {
        if (predicted[i * numClasses + c]! > predicted[i * numClasses + p]!) p = c;
      }
    } else p = classOf('prediction', predicted[i]!, i);
    matrix[t]![p]!++;
  }
  return matrix;
}
