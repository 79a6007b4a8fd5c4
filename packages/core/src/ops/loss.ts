import { tidy } from '../memory.js';
import { assertSameBackend, assertTensor, fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { clip } from './activation.js';
import { tensor } from './creation.js';
import { add, div, equal, greater, log, mul, neg, sub, where } from './elementwise.js';
import { expandDims } from './layout.js';
import { logSoftmax, mean, sum } from './reduce.js';

/** Options of the cross-entropy losses. */
export interface CrossEntropyOptions {
  /** Labels equal to this add nothing to the loss or to the count (ONNX/PyTorch `ignore_index`). */
  ignoreIndex?: number;
}

/**
 * Mean softmax cross-entropy. Classes are on the last axis of `logits` (`[N, C]`, or `[N, H, W, C]`).
 * `labels` holds class indices with the shape of `logits` minus the last axis, or one-hot / probability
 * rows with the shape of `logits`.
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const op = 'softmaxCrossEntropy';
  assertTensor(op, 'logits', logits);
  assertTensor(op, 'labels', labels);
  assertSameBackend(op, [logits, labels]);
  if (logits.rank < 2)
    throw new Error(`${op}: logits must have rank >= 2 ([batch, ..., classes]), got ${fmt(logits.shape)}`);
  const classes = logits.shape[logits.rank - 1]!;
  if (shapesEqual(labels.shape, logits.shape)) {
    // One-hot or soft labels: -Σ p log q, averaged over every position. A class with p = 0 adds nothing,
    // even where log q is -Infinity (0 · -Infinity would be NaN).
    return tidy(() => {
      const logProbs = logSoftmax(logits, -1);
      return neg(mean(sum(where(greater(labels, 0), mul(labels, logProbs), 0), -1)));
    });
  }
  if (!shapesEqual(labels.shape, logits.shape.slice(0, -1))) {
    throw new Error(
      `${op}: labels have shape ${fmt(labels.shape)}; expected class indices ${fmt(logits.shape.slice(0, -1))} or one-hot ${fmt(logits.shape)} for logits ${fmt(logits.shape)}`,
    );
  }
  checkLabelRange(op, labels, classes, options.ignoreIndex);
  return tidy(() => {
    const logProbs = logSoftmax(logits, -1);
    const classIds = tensor(
      Float32Array.from({ length: classes }, (_, i) => i),
      [classes],
      logits.backend,
    );
    const oneHot = equal(expandDims(labels, -1), classIds);
    // where, not a product with the one-hot mask: another class's -Infinity must not turn into NaN.
    const picked = neg(sum(where(oneHot, logProbs, 0), -1));
    if (options.ignoreIndex === undefined) return mean(picked);
    const counted = sub(1, equal(labels, options.ignoreIndex));
    return div(sum(mul(picked, counted)), sum(counted));
  });
}

function checkLabelRange(op: string, labels: Tensor, classes: number, ignoreIndex?: number): void {
  if (!labels.backend.readSync) return; // async-only backends skip the host-side check
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === ignoreIndex) continue;
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new Error(`${op}: label ${v} at index ${i} is not a class index in [0, ${classes - 1}]`);
    }
  }
}

/** Mean squared error: mean((prediction - target)²). */
export function meanSquaredError(prediction: Tensor, target: Tensor): Tensor {
  assertSameShape('meanSquaredError', prediction, target);
  return tidy(() => {
    const diff = sub(prediction, target);
    return mean(mul(diff, diff));
  });
}

/** Binary cross-entropy on probabilities (clipped to [1e-7, 1 - 1e-7] so log never sees 0). */
export function binaryCrossEntropy(probabilities: Tensor, target: Tensor): Tensor {
  assertSameShape('binaryCrossEntropy', probabilities, target);
  return tidy(() => {
    const p = clip(probabilities, 1e-7, 1 - 1e-7);
    return neg(mean(add(mul(target, log(p)), mul(sub(1, target), log(sub(1, p))))));
  });
}

function assertSameShape(op: string, prediction: Tensor, target: Tensor): void {
  assertTensor(op, 'prediction', prediction);
  assertTensor(op, 'target', target);
  assertSameBackend(op, [prediction, target]);
  if (!shapesEqual(prediction.shape, target.shape)) {
    throw new Error(
      `${op}: prediction ${fmt(prediction.shape)} and target ${fmt(target.shape)} must have the same shape`,
    );
  }
}
