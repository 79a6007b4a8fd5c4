import { valueAndGrads } from '../autograd.js';
import type { LRNAttrs } from '../backend.js';
import { tidy } from '../memory.js';
import { assertFinite, assertPositiveInt, assertRank, assertTensor, fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, neg, pow, rsqrt, square, sub } from './elementwise.js';
import { concat, pad, reshape, slice } from './layout.js';
import { type GradFn, runOptionalKernel } from './op.js';
import { mean, sum } from './reduce.js';

/**
 * Batch normalization with given statistics, channels on the last axis:
 * `(x - mean) / sqrt(variance + epsilon) * scale + offset`. Differentiable in all five inputs.
 */
export function batchNorm(
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  scale: Tensor,
  offset: Tensor,
  epsilon = 1e-5,
): Tensor {
  assertTensor('batchNorm', 'x', x);
  if (x.rank < 1) throw new Error(`batchNorm: x must have rank >= 1, got a scalar`);
  checkArguments('batchNorm', x, { mean, variance, scale, offset }, epsilon);
  const axes = leadingAxes(x);
  return normalize(x, mean, variance, scale, offset, epsilon, (dy, [x, mean, variance, scale]) => {
    const invStd = rsqrt(add(variance!, epsilon));
    const centered = sub(x!, mean!);
    const sumDy = sum(dy, axes);
    const sumDyCentered = sum(mul(dy, centered), axes);
    return [
      mul(dy, mul(scale!, invStd)),
      neg(mul(sumDy, mul(scale!, invStd))),
      mul(sumDyCentered, mul(scale!, mul(pow(invStd, 3), -0.5))),
      mul(sumDyCentered, invStd),
      sumDy,
    ];
  });
}

/** Checks epsilon and that every per-channel vector is rank 1 with x's channel count (its last axis). */
function checkArguments(op: string, x: Tensor, vectors: Record<string, Tensor>, epsilon: number): void {
  assertFinite(op, 'epsilon', epsilon);
  if (epsilon < 0) throw new Error(`${op}: epsilon must be >= 0, got ${epsilon}`);
  const c = x.shape[x.rank - 1]!;
  for (const [name, v] of Object.entries(vectors)) {
    assertRank(op, name, v, 1);
    if (v.shape[0] !== c) {
      throw new Error(
        `${op}: ${name} has shape ${fmt(v.shape)} but x ${fmt(x.shape)} has ${c} channels (last axis)`,
      );
    }
  }
}

/** The normalization itself (the backend's batchNorm kernel or its composition), with backward rule `grad`. */
function normalize(
  x: Tensor,
  mean: Tensor,
  variance: Tensor,
  scale: Tensor,
  offset: Tensor,
  epsilon: number,
  grad: GradFn,
): Tensor {
  return runOptionalKernel(
    'batchNorm',
    [x, mean, variance, scale, offset],
    x.shape,
    (backend, kx, km, kv, ks, ko) => backend.batchNorm!(kx!, km!, kv!, ks!, ko!, epsilon, x.shape),
    () => add(mul(sub(x, mean), mul(scale, rsqrt(add(variance, epsilon)))), offset),
    { grad },
  );
}

/** Every axis but the last (the channels'). */
function leadingAxes(x: Tensor): number[] {
  return [...Array(x.rank - 1).keys()];
}

/** Row `index` of a [2, C] tensor, as a [C] vector. */
function row(pair: Tensor, index: number): Tensor {
  return reshape(slice(pair, [index, 0], [1, -1]), [pair.shape[1]!]);
}

/** Mean and population variance over `axes`, as differentiable ops. */
export function moments(x: Tensor, axes: readonly number[]): { mean: Tensor; variance: Tensor } {
  return tidy(() => {
    const m = mean(x, axes, true);
    const variance = mean(square(sub(x, m)), axes);
    return { mean: reshape(m, variance.shape), variance };
  });
}

/** The statistics over every axis but the last, [2, C] (means, variances): the fused kernel or `moments`. */
function channelMoments(x: Tensor): Tensor {
  const c = x.shape[x.rank - 1]!;
  const count = x.size / c;
  return runOptionalKernel(
    'moments',
    [x],
    [2, c],
    (backend, kx) => backend.moments!(kx!, [2, c]),
    () => {
      const { mean, variance } = moments(x, leadingAxes(x));
      return concat([reshape(mean, [1, c]), reshape(variance, [1, c])], 0);
    },
    {
      // dmean/dx = 1/count; dvariance/dx = 2 (x - mean)/count (the path through the mean adds
      // Σ 2 (x - mean)/count = 0).
      grad: (d, [x], y) => [div(add(row(d, 0), mul(mul(sub(x!, row(y, 0)), row(d, 1)), 2)), count)],
      empty: Number.NaN,
    },
  );
}

/**
 * Training-mode batch norm: normalizes with the batch's own mean and population variance (over every axis
 * but the last), and returns them for the running statistics. Gradients flow through the statistics too:
 * the normalization's backward rule gives x the whole gradient, the statistics' paths folded in (one
 * fused pass where the backend has the kernels), and the returned statistics are differentiable as well.
 */
export function batchNormTraining(
  x: Tensor,
  scale: Tensor,
  offset: Tensor,
  epsilon = 1e-5,
): { y: Tensor; mean: Tensor; variance: Tensor } {
  assertTensor('batchNormTraining', 'x', x);
  if (x.rank < 2) throw new Error(`batchNormTraining: x must have rank >= 2, got shape ${fmt(x.shape)}`);
  checkArguments('batchNormTraining', x, { scale, offset }, epsilon);
  return tidy(() => {
    const stats = channelMoments(x);
    const mean = row(stats, 0);
    const variance = row(stats, 1);
    const y = normalize(x, mean, variance, scale, offset, epsilon, (dy, [x, mean, variance, scale]) => {
      const sums = batchNormGradSums(x!, dy, mean!);
      const invStd = rsqrt(add(variance!, epsilon));
      // x's gradient includes the paths through mean and variance, so those get none here.
      return [
        batchNormBackprop(x!, dy, mean!, variance!, scale!, sums, epsilon),
        null,
        null,
        mul(row(sums, 1), invStd),
        row(sums, 0),
      ];
    });
    return { y, mean, variance };
  });
}

/** [Σ dy, Σ dy · (x - mean)] over every axis but the last, [2, C]: the fused kernel or the composition. */
function batchNormGradSums(x: Tensor, dy: Tensor, mean: Tensor): Tensor {
  const c = x.shape[x.rank - 1]!;
  const axes = leadingAxes(x);
  return runOptionalKernel(
    'batchNormGradSums',
    [x, dy, mean],
    [2, c],
    (backend, kx, kdy, km) => backend.batchNormGradSums!(kx!, kdy!, km!, [2, c]),
    () =>
      concat(
        [sum(dy, axes, true), sum(mul(dy, sub(x, mean)), axes, true)].map((s) => reshape(s, [1, c])),
        0,
      ),
    { empty: 0 },
  );
}

/**
 * Training-mode batch norm's dx (see the kernel in backend.ts): the fused kernel, or the composition, whose
 * own gradient serves higher orders.
 */
function batchNormBackprop(
  x: Tensor,
  dy: Tensor,
  mean: Tensor,
  variance: Tensor,
  scale: Tensor,
  sums: Tensor,
  epsilon: number,
): Tensor {
  const count = x.size / x.shape[x.rank - 1]!;
  return runOptionalKernel(
    'batchNormBackprop',
    [x, dy, mean, variance, scale, sums],
    x.shape,
    (backend, kx, kdy, km, kv, ks, ksums) =>
      backend.batchNormBackprop!(kx!, kdy!, km!, kv!, ks!, ksums!, epsilon, x.shape),
    () => {
      const invStd = rsqrt(add(variance, epsilon));
      const meanDy = div(row(sums, 0), count);
      const centeredTerm = mul(sub(x, mean), mul(square(invStd), div(row(sums, 1), count)));
      return mul(sub(sub(dy, meanDy), centeredTerm), mul(scale, invStd));
    },
  );
}

/** Local response normalization across channels (AlexNet): `x / (bias + alpha/size * Σ x²)^beta`. */
export function lrn(x: Tensor, options: Partial<LRNAttrs> & { size: number }): Tensor {
  const op = 'lrn';
  assertRank(op, 'x', x, 4);
  const attrs: LRNAttrs = { alpha: 1e-4, beta: 0.75, bias: 1, ...options };
  assertPositiveInt(op, 'size', attrs.size);
  assertFinite(op, 'alpha', attrs.alpha);
  assertFinite(op, 'beta', attrs.beta);
  assertFinite(op, 'bias', attrs.bias);
  return runOptionalKernel(
    op,
    [x],
    x.shape,
    (backend, kx) => backend.lrn!(kx!, attrs, x.shape),
    () => lrnComposed(x, attrs),
    { grad: (dy, [x]) => [lrnBackprop(x!, dy, attrs)] },
  );
}

/** LRN in required kernels: the channel window sum is `size` shifted slices of the zero-padded squares. */
function lrnComposed(x: Tensor, attrs: LRNAttrs): Tensor {
  const { size, alpha, beta, bias } = attrs;
  const c = x.shape[3]!;
  const lo = Math.floor((size - 1) / 2);
  const padded = pad(square(x), [0, 0, 0, lo], [0, 0, 0, size - 1 - lo]);
  let windowSum = slice(padded, [0, 0, 0, 0], [-1, -1, -1, c]);
  for (let k = 1; k < size; k++) windowSum = add(windowSum, slice(padded, [0, 0, 0, k], [-1, -1, -1, c]));
  return div(x, pow(add(mul(windowSum, alpha / size), bias), beta));
}

/** d(lrn)/dx · dy: the backend's kernel, or the gradient of the composition (which serves higher orders). */
function lrnBackprop(x: Tensor, dy: Tensor, attrs: LRNAttrs): Tensor {
  return runOptionalKernel(
    'lrnBackprop',
    [x, dy],
    x.shape,
    (backend, kx, kdy) => backend.lrnBackprop!(kx!, kdy!, attrs, x.shape),
    () => valueAndGrads((x) => sum(mul(lrnComposed(x!, attrs), dy)), [x]).grads[0]!,
  );
}
