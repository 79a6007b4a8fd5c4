import type { Backend, KernelTensor, Shape } from '../backend.js';
import { engine } from '../engine.js';
import { assertSameBackend, assertShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Gradient rule: from dy (the gradient of the op's output) to one gradient per input, or null. */
export type GradFn = (dy: Tensor, y: Tensor) => (Tensor | null)[];

/**
 * Runs one kernel: the inputs were validated by the calling op, `outShape` inferred by it. Records the op
 * on the autograd tape with its gradient rule.
 */
export function runKernel(
  opName: string,
  inputs: readonly Tensor[],
  outShape: Shape,
  kernel: (backend: Backend, ...inputs: KernelTensor[]) => unknown,
  grad?: GradFn,
): Tensor {
  assertSameBackend(opName, inputs);
  const backend = inputs[0]?.backend ?? engine.backend;
  const storage = kernel(backend, ...inputs.map(kernelTensor));
  const y = new Tensor(storage, outShape, backend);
  if (grad) engine.record({ opName, inputs, output: y, backward: (dy) => grad(dy, y) });
  return y;
}

export function kernelTensor(t: Tensor): KernelTensor {
  return { shape: t.shape, data: t.storage };
}

/** Uploads values as a new tensor on the current (or given) backend. */
export function upload(values: Float32Array, shape: Shape, backend: Backend = engine.backend): Tensor {
  assertShape('tensor', 'shape', shape);
  return new Tensor(backend.upload(values, shape), shape, backend);
}
