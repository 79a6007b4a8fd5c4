import type { Activation } from '../backend.js';
import { assertFinite, assertTensor } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runKernel } from './op.js';

/** Applies an activation; its gradient is the backend's `activationGrad` (dy * f'(x)). */
export function activation(x: Tensor, act: Activation): Tensor {
  const op = act.kind;
  assertTensor(op, 'x', x);
  for (const [key, value] of Object.entries(act)) {
    if (key !== 'kind' && key !== 'approximate') assertFinite(op, key, value as number);
  }
  return runKernel(
    op,
    [x],
    x.shape,
    (backend, kx) => backend.activation(kx!, act),
    (dy) => [activationGradOp(x, dy, act)],
  );
}

function activationGradOp(x: Tensor, dy: Tensor, act: Activation): Tensor {
  return runKernel(`${act.kind}Grad`, [x, dy], x.shape, (backend, kx, kdy) =>
    backend.activationGrad(kx!, kdy!, act),
  );
}

/** The ReLU of the seed: max(0, x), applied after each linear part. */
export const relu = (x: Tensor): Tensor => activation(x, { kind: 'relu' });
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => activation(x, { kind: 'leakyRelu', alpha });
export const elu = (x: Tensor, alpha = 1): Tensor => activation(x, { kind: 'elu', alpha });
export const selu = (x: Tensor, alpha = 1.6732632423543772, gamma = 1.0507009873554805): Tensor =>
  activation(x, { kind: 'selu', alpha, gamma });
export const sigmoid = (x: Tensor): Tensor => activation(x, { kind: 'sigmoid' });
export const tanh = (x: Tensor): Tensor => activation(x, { kind: 'tanh' });
export const softplus = (x: Tensor): Tensor => activation(x, { kind: 'softplus' });
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
  }
  return activation(x, { kind: 'gelu', approximate });
};
export const hardSigmoid = (x: Tensor, alpha = 0.2, beta = 0.5): Tensor =>
  activation(x, { kind: 'hardSigmoid', alpha, beta });
export const clip = (x: Tensor, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY): Tensor =>
  activation(x, { kind: 'clip', min, max });
