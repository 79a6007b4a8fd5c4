import * as act from '../ops/activation.js';
import { softmax } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';

/** Activations by name, for the `activation` option of Conv2D/Dense and the Activation layer. */
export const activations = {
  /** The identity. */
  linear: (x: Tensor) => x,
  /** `max(x, 0)`. */
  relu: act.relu,
  /** `x` for x >= 0, else `0.01·x`. */
  leakyRelu: (x: Tensor) => act.leakyRelu(x),
  /** `x` for x > 0, else `e^x - 1`. */
  elu: (x: Tensor) => act.elu(x),
  /** Scaled ELU with the self-normalizing constants. */
  selu: (x: Tensor) => act.selu(x),
  /** `1 / (1 + e^-x)`. */
  sigmoid: act.sigmoid,
  /** The hyperbolic tangent. */
  tanh: act.tanh,
  /** `log(1 + e^x)`. */
  softplus: act.softplus,
  /** Exact GELU, `x·Φ(x)`. */
  gelu: (x: Tensor) => act.gelu(x),
  /** `min(max(x, 0), 6)` (MobileNet). */
  relu6: (x: Tensor) => act.clip(x, 0, 6),
  /** `clip(0.2·x + 0.5, 0, 1)`. */
  hardSigmoid: (x: Tensor) => act.hardSigmoid(x),
  /** Softmax along the last axis. */
  softmax: (x: Tensor) => softmax(x, -1),
} satisfies Record<string, (x: Tensor) => Tensor>;

/** The name of an activation: the `activation` option of Conv2D / Dense and the Activation layer. */
export type ActivationName = keyof typeof activations;

export function activationByName(name: string, where: string): (x: Tensor) => Tensor {
  const fn = activations[name as ActivationName];
  if (!fn)
    throw new Error(`${where}: unknown activation '${name}' (known: ${Object.keys(activations).join(', ')})`);
  return fn;
}
