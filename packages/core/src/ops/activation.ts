import type { Activation } from '../backend.js';
import { assertFinite, assertTensor } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, div, equal, exp, greater, mul, neg, square, sub, where } from './elementwise.js';
import { runKernel, runOptionalKernel } from './op.js';

/** Applies an activation (formulas and constants: `Activation` in backend.ts). */
export function activation(x: Tensor, act: Activation): Tensor {
  const op = act.kind;
  assertTensor(op, 'x', x);
  for (const [key, value] of Object.entries(act)) {
    if (key !== 'kind' && key !== 'approximate') assertFinite(op, key, value as number);
  }
  return runKernel(op, [x], x.shape, (backend, kx) => backend.activation(kx!, act, x.shape), {
    grad: (dy, [x]) => [activationGrad(x!, dy, act)],
  });
}

/** dy · f'(x): the backend's fused kernel, or the composition below (which also serves higher orders). */
function activationGrad(x: Tensor, dy: Tensor, act: Activation): Tensor {
  return runOptionalKernel(
    'activationGrad',
    [x, dy],
    x.shape,
    (backend, kx, kdy) => backend.activationGrad!(kx!, kdy!, act, x.shape),
    () => mul(dy, derivative(x, act)),
  );
}

const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_CUBIC = 0.044715;

/** `x >= v` as 1/0 (0 for NaN). */
const atLeast = (x: Tensor, v: number): Tensor => add(greater(x, v), equal(x, v));

/** f'(x) in ops, each exactly as written in backend.ts (kinks included). */
function derivative(x: Tensor, act: Activation): Tensor {
  switch (act.kind) {
    case 'relu':
      return greater(x, 0);
    case 'leakyRelu':
      return where(atLeast(x, 0), 1, act.alpha);
    case 'elu':
      return where(greater(x, 0), 1, mul(exp(x), act.alpha));
    case 'selu':
      return mul(where(greater(x, 0), 1, mul(exp(x), act.alpha)), act.gamma);
    case 'sigmoid': {
      const s = sigmoid(x);
      return mul(s, sub(1, s));
    }
    case 'tanh':
      return sub(1, square(tanh(x)));
    case 'softplus':
      return sigmoid(x);
    case 'gelu': {
      if (act.approximate === 'tanh') {
        const t = tanh(mul(add(x, mul(mul(square(x), x), GELU_CUBIC)), SQRT_2_OVER_PI));
        const inner = mul(add(mul(square(x), 3 * GELU_CUBIC), 1), SQRT_2_OVER_PI);
        return add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sub(1, square(t))), inner));
      }
      // Φ(x) + x·φ(x), with Φ(x) = gelu(x) / x (and Φ(0) = 1/2): no erf kernel needed.
      const cdf = where(equal(x, 0), 0.5, div(gelu(x), x));
      return add(cdf, mul(mul(x, exp(mul(square(x), -0.5))), INV_SQRT_2PI));
    }
    case 'hardSigmoid': {
      const z = add(mul(x, act.alpha), act.beta);
      return mul(mul(greater(z, 0), greater(1, z)), act.alpha);
    }
    case 'clip':
      return mul(atLeast(x, act.min), atLeast(neg(x), -act.max));
    default:
      throw new Error(`activation: unknown kind ${JSON.stringify(act satisfies never)}`);
  }
}

/** The ReLU of the seed: max(0, x), applied after each linear part. */
export const relu = (x: Tensor): Tensor => activation(x, { kind: 'relu' });
/** `x` for x >= 0, else `alpha·x`. */
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => activation(x, { kind: 'leakyRelu', alpha });
/** `x` for x > 0, else `alpha·(e^x - 1)`. */
export const elu = (x: Tensor, alpha = 1): Tensor => activation(x, { kind: 'elu', alpha });
/** `gamma·x` for x > 0, else `gamma·alpha·(e^x - 1)` (defaults: the self-normalizing constants). */
export const selu = (x: Tensor, alpha = 1.6732632423543772, gamma = 1.0507009873554805): Tensor =>
  activation(x, { kind: 'selu', alpha, gamma });
/** `1 / (1 + e^-x)`. */
export const sigmoid = (x: Tensor): Tensor => activation(x, { kind: 'sigmoid' });
/** The hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => activation(x, { kind: 'tanh' });
/** `log(1 + e^x)`, computed without overflow. */
export const softplus = (x: Tensor): Tensor => activation(x, { kind: 'softplus' });
/** GELU: exact `x·Φ(x)`, or the tanh approximation with `approximate = 'tanh'`. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
  }
  return activation(x, { kind: 'gelu', approximate });
};
/** `clip(alpha·x + beta, 0, 1)`. */
export const hardSigmoid = (x: Tensor, alpha = 0.2, beta = 0.5): Tensor =>
  activation(x, { kind: 'hardSigmoid', alpha, beta });
/** Each element limited to `[min, max]`. */
export const clip = (x: Tensor, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY): Tensor =>
  activation(x, { kind: 'clip', min, max });
