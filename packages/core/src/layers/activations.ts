import * as act from '../ops/activation.js';
import { softmax } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';

/** Activations by name, for the `activation` option of Conv2D/Dense and the Activation layer. */
export const activations = {
  linear: (x: Tensor) => x,
  relu: act.relu,
  leakyRelu: (x: Tensor) => act.leakyRelu(x),
  elu: (x: Tensor) => act.elu(x),
  selu: (x: Tensor) => act.selu(x),
  sigmoid: act.sigmoid,
  tanh: act.tanh,
  softplus: act.softplus,
  gelu: (x: Tensor) => act.gelu(x),
  hardSigmoid: (x: Tensor) => act.hardSigmoid(x),
  softmax: (x: Tensor) => softmax(x, -1),
} satisfies Record<string, (x: Tensor) => Tensor>;

export type ActivationName = keyof typeof activations;

export function activationByName(name: string, where: string): (x: Tensor) => Tensor {
  const fn = activations[name as ActivationName];
  if (!fn)
    throw new Error(`${where}: unknown activation '${name}' (known: ${Object.keys(activations).join(', ')})`);
  return fn;
}
