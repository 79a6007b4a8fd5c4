import { tidy } from '../memory.js';
import { clip } from '../ops/activation.js';
import { tensor } from '../ops/creation.js';
import { abs, add, equal, greater, log, mul, neg, sub, where } from '../ops/elementwise.js';
import { expandDims } from '../ops/layout.js';
import { binaryCrossEntropy, meanSquaredError, softmaxCrossEntropy } from '../ops/loss.js';
import { logSoftmax, mean, sum } from '../ops/reduce.js';
import { assertSameBackend, assertTensor, fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** The losses `compile` knows by name. */
export const lossNames = ['softmaxCrossEntropy', 'binaryCrossEntropy', 'meanSquaredError', 'huber'] as const;
/**
 * A loss `compile` accepts by name: `'softmaxCrossEntropy'` (logits, class indices or one-hot rows),
 * `'binaryCrossEntropy'` (probabilities), `'meanSquaredError'` or `'huber'` (PyTorch's HuberLoss, delta 1).
 */
export type LossName = (typeof lossNames)[number];

/**
 * A loss with options: `{ name: 'softmaxCrossEntropy', labelSmoothing: 0.1 }` (PyTorch's
 * `CrossEntropyLoss(label_smoothing)`) or `{ name: 'huber', delta: 2 }` (PyTorch's `HuberLoss(delta)`).
 */
export interface LossOptions {
  name: LossName;
  /** softmaxCrossEntropy only: ε in [0, 1); the target becomes (1 - ε)·target + ε/C. */
  labelSmoothing?: number | undefined;
  /** huber only: where the loss turns from quadratic to linear (> 0, default 1). */
  delta?: number | undefined;
}

/** A loss by name or with options. */
export type LossConfig = LossName | LossOptions;

/** A checked loss configuration: name and every option resolved. */
export interface ResolvedLoss {
  name: LossName;
  labelSmoothing: number;
  delta: number;
}

/** Checks a loss configuration and fills in the defaults; `where` names the call in errors. */
export function resolveLoss(where: string, config: LossConfig): ResolvedLoss {
  const options: LossOptions = typeof config === 'string' ? { name: config } : config;
  if (!options || typeof options !== 'object' || !lossNames.includes(options.name)) {
    const got = typeof config === 'string' ? config : (options as { name?: unknown } | null)?.name;
    throw new Error(`${where}: unknown loss '${String(got)}' (known: ${lossNames.join(', ')})`);
  }
  const labelSmoothing = options.labelSmoothing ?? 0;
  const delta = options.delta ?? 1;
  if (options.labelSmoothing !== undefined && options.name !== 'softmaxCrossEntropy') {
    throw new Error(`${where}: labelSmoothing applies to softmaxCrossEntropy only, not ${options.name}`);
  }
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new Error(`${where}: labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  }
  if (options.delta !== undefined && options.name !== 'huber') {
    throw new Error(`${where}: delta applies to huber only, not ${options.name}`);
  }
  if (!(delta > 0 && Number.isFinite(delta))) {
    throw new Error(`${where}: huber delta must be a finite number > 0, got ${delta}`);
  }
  return { name: options.name, labelSmoothing, delta };
}

/**
 * Softmax cross-entropy with label smoothing, as PyTorch's `CrossEntropyLoss(label_smoothing=ε)`: the
 * target distribution is (1 - ε)·target + ε/C, so the loss per position is
 * (1 - ε)·(-Σ t·log q) + (ε/C)·(-Σ log q), averaged over every position. `labels` are class indices
 * (`logits` shape minus the class axis) or one-hot / probability rows (the shape of `logits`).
 */
export function smoothedSoftmaxCrossEntropy(logits: Tensor, labels: Tensor, labelSmoothing: number): Tensor {
  const op = 'smoothedSoftmaxCrossEntropy';
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new Error(`${op}: labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  }
  return tidy(() => mean(perPositionSmoothedCrossEntropy(op, logits, labels, labelSmoothing)));
}

function perPositionSmoothedCrossEntropy(
  op: string,
  logits: Tensor,
  labels: Tensor,
  labelSmoothing: number,
): Tensor {
  assertTensor(op, 'logits', logits);
  assertTensor(op, 'labels', labels);
  assertSameBackend(op, [logits, labels]);
  if (logits.rank < 2)
    throw new Error(`${op}: logits must have rank >= 2 ([batch, ..., classes]), got ${fmt(logits.shape)}`);
  const classes = logits.shape[logits.rank - 1]!;
  const target = shapesEqual(labels.shape, logits.shape) ? labels : oneHotOf(op, labels, logits);
  const logProbs = logSoftmax(logits, -1);
  // where, not a product: a class with target 0 must add nothing even where log q is -Infinity.
  const fit = neg(sum(where(greater(target, 0), mul(target, logProbs), 0), -1));
  if (labelSmoothing === 0) return fit;
  const uniform = neg(sum(logProbs, -1));
  return add(mul(fit, 1 - labelSmoothing), mul(uniform, labelSmoothing / classes));
}

/** One-hot rows (on the labels' backend) for class indices shaped like `logits` minus the class axis. */
export function oneHotOf(op: string, labels: Tensor, logits: Tensor): Tensor {
  if (!shapesEqual(labels.shape, logits.shape.slice(0, -1))) {
    throw new Error(
      `${op}: labels have shape ${fmt(labels.shape)}; expected class indices ${fmt(logits.shape.slice(0, -1))} or one-hot ${fmt(logits.shape)} for logits ${fmt(logits.shape)}`,
    );
  }
  const classes = logits.shape[logits.rank - 1]!;
  const ids = tensor(
    Float32Array.from({ length: classes }, (_, i) => i),
    [classes],
    logits.backend,
  );
  return equal(expandDims(labels, -1), ids);
}

/**
 * Huber loss as PyTorch's `HuberLoss(delta)`, mean reduction: with z = |prediction - target|,
 * 0.5·z² where z < δ, else δ·(z - 0.5·δ). Quadratic near 0, linear (robust to outliers) beyond δ.
 */
export function huberLoss(prediction: Tensor, target: Tensor, delta = 1): Tensor {
  if (!(delta > 0 && Number.isFinite(delta)))
    throw new Error(`huberLoss: delta must be a finite number > 0, got ${delta}`);
  assertPair('huberLoss', prediction, target);
  return tidy(() => mean(huberElementwise(prediction, target, delta)));
}

function huberElementwise(prediction: Tensor, target: Tensor, delta: number): Tensor {
  const z = abs(sub(prediction, target));
  return where(greater(delta, z), mul(mul(z, z), 0.5), mul(sub(z, 0.5 * delta), delta));
}

function assertPair(op: string, prediction: Tensor, target: Tensor): void {
  assertTensor(op, 'prediction', prediction);
  assertTensor(op, 'target', target);
  assertSameBackend(op, [prediction, target]);
  if (!shapesEqual(prediction.shape, target.shape)) {
    throw new Error(
      `${op}: prediction ${fmt(prediction.shape)} and target ${fmt(target.shape)} must have the same shape`,
    );
  }
}

/** The mean loss of a batch (the value `fit` minimises, and what `evaluate` averages). */
export function batchLoss(loss: ResolvedLoss, output: Tensor, labels: Tensor): Tensor {
  switch (loss.name) {
    case 'softmaxCrossEntropy':
      return loss.labelSmoothing === 0
        ? softmaxCrossEntropy(output, labels)
        : smoothedSoftmaxCrossEntropy(output, labels, loss.labelSmoothing);
    case 'binaryCrossEntropy':
      return binaryCrossEntropy(output, labels);
    case 'meanSquaredError':
      return meanSquaredError(output, labels);
    case 'huber':
      return huberLoss(output, labels, loss.delta);
  }
}

/**
 * The loss of each sample, `[batch]` (each averaged over its own positions), for sample weights: the
 * weighted batch loss is mean(w_i · loss_i), Keras' `class_weight` semantics.
 */
export function sampleLosses(loss: ResolvedLoss, output: Tensor, labels: Tensor): Tensor {
  const op = `${loss.name} (per sample)`;
  const perSample = (t: Tensor) => (t.rank <= 1 ? t : mean(t, [...Array(t.rank).keys()].slice(1)));
  return tidy(() => {
    switch (loss.name) {
      case 'softmaxCrossEntropy':
        return perSample(perPositionSmoothedCrossEntropy(op, output, labels, loss.labelSmoothing));
      case 'binaryCrossEntropy': {
        assertPair(op, output, labels);
        const p = clip(output, 1e-7, 1 - 1e-7);
        return perSample(neg(add(mul(labels, log(p)), mul(sub(1, labels), log(sub(1, p))))));
      }
      case 'meanSquaredError': {
        assertPair(op, output, labels);
        const d = sub(output, labels);
        return perSample(mul(d, d));
      }
      case 'huber':
        assertPair(op, output, labels);
        return perSample(huberElementwise(output, labels, loss.delta));
    }
  });
}
