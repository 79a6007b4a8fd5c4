import { valueAndGrads } from '../autograd.js';
import type { LRNAttrs } from '../backend.js';
import { tidy } from '../memory.js';
import { assertFinite, assertPositiveInt, assertRank, assertTensor, fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, neg, pow, rsqrt, square, sub } from './elementwise.js';
import { pad, reshape, slice } from './layout.js';
import { runOptionalKernel } from './op.js';
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
  const op = 'batchNorm';
  assertTensor(op, 'x', x);
  if (x.rank < 1) throw new Error(`${op}: x must have rank >= 1, got a scalar`);
  assertFinite(op, 'epsilon', epsilon);
  if (epsilon < 0) throw new Error(`${op}: epsilon must be >= 0, got ${epsilon}`);
  const c = x.shape[x.rank - 1]!;
  const vectors = { mean, variance, scale, offset };
  for (const [name, v] of Object.entries(vectors)) {
    assertRank(op, name, v, 1);
    if (v.shape[0] !== c) {
      throw new Error(
        `${op}: ${name} has shape ${fmt(v.shape)} but x ${fmt(x.shape)} has ${c} channels (last axis)`,
      );
    }
  }
  const axes = [...Array(x.rank - 1).keys()];
  return runOptionalKernel(
    op,
    [x, mean, variance, scale, offset],
    x.shape,
    (backend, kx, km, kv, ks, ko) => backend.batchNorm!(kx!, km!, kv!, ks!, ko!, epsilon, x.shape),
    () => add(mul(sub(x, mean), mul(scale, rsqrt(add(variance, epsilon)))), offset),
    {
      grad: (dy, [x, mean, variance, scale]) => {
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
      },
    },
  );
}

/** Mean and population variance over `axes`, as differentiable ops. */
export function moments(x: Tensor, axes: readonly number[]): { mean: Tensor; variance: Tensor } {
  return tidy(() => {
    const m = mean(x, axes, true);
    const variance = mean(square(sub(x, m)), axes);
    return { mean: reshape(m, variance.shape), variance };
  });
}

/**
 * Training-mode batch norm: normalizes with the batch's own mean and population variance (over every axis
 * but the last), and returns them for the running statistics. Gradients flow through the statistics too.
 */
export function batchNormTraining(
  x: Tensor,
  scale: Tensor,
  offset: Tensor,
  epsilon = 1e-5,
): { y: Tensor; mean: Tensor; variance: Tensor } {
  assertTensor('batchNormTraining', 'x', x);
  if (x.rank < 2) throw new Error(`batchNormTraining: x must have rank >= 2, got shape ${fmt(x.shape)}`);
  return tidy(() => {
    const stats = moments(x, [...Array(x.rank - 1).keys()]);
    return { y: batchNorm(x, stats.mean, stats.variance, scale, offset, epsilon), ...stats };
  });
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
