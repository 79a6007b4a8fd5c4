import type { Backend, KernelTensor, OptionalKernelName, Shape } from '../backend.js';
import { getBackend } from '../backends.js';
import { engine } from '../engine.js';
import { tidy } from '../memory.js';
import { assertSameBackend, assertSize } from '../shape.js';
import { sizeOf, Tensor } from '../tensor.js';

/**
 * Gradient rule: from dy (the gradient of the op's output) to one gradient per input, or null. It gets
 * the tape's handles on the inputs and the output, never the caller's tensors (those may be disposed).
 */
export type GradFn = (
  dy: Tensor,
  inputs: readonly Tensor[],
  y: Tensor,
  needed: readonly boolean[],
) => (Tensor | null)[];

export interface KernelOptions {
  /**
   * The backward rule. `'zero'`: the output is piecewise constant in the inputs (comparisons), so no
   * gradient flows. Omitted: the op has no derivative, and differentiating through it is refused.
   */
  grad?: GradFn | 'zero';
  /** Every output element's value when an operand is empty but the output is not (see backend.ts). */
  empty?: number;
}

/**
 * Runs one kernel: the inputs were validated by the calling op and `out` inferred by it. Zero-size cases
 * never reach the backend (backend.ts). Records the op on the autograd tape with its gradient rule.
 */
export function runKernel(
  opName: string,
  inputs: readonly Tensor[],
  out: Shape,
  kernel: (backend: Backend, ...inputs: KernelTensor[]) => unknown,
  options: KernelOptions = {},
): Tensor {
  assertSameBackend(opName, inputs);
  assertSize(opName, out);
  const backend = inputs[0]?.backend ?? getBackend();
  let y: Tensor;
  if (sizeOf(out) === 0) {
    y = new Tensor(backend.upload(new Float32Array(0), out), out, backend);
  } else if (inputs.some((t) => t.size === 0)) {
    if (options.empty === undefined) throw new Error(`${opName}: internal error: an empty operand`);
    y = new Tensor(backend.upload(new Float32Array(sizeOf(out)).fill(options.empty), out), out, backend);
  } else {
    y = new Tensor(kernel(backend, ...inputs.map(kernelTensor)), out, backend);
  }
  const grad = options.grad;
  if (grad === 'zero') return y;
  engine.record(
    opName,
    inputs,
    y,
    grad ??
      (() => {
        throw new Error(`${opName}: its derivative is not supported, so it cannot be differentiated here`);
      }),
  );
  return y;
}

/**
 * An op with an optional fused kernel (backend.ts): runs the backend's kernel when it has one, else
 * `composed()`, the same formula in required kernels.
 * - With a backward rule (`options.grad`), the composition runs off the tape and the result is recorded as
 *   this one op, so the gradient is the same whichever path ran.
 * - Without one (a derivative kernel such as `activationGrad`), the fused kernel is also bypassed while a
 *   tape records the op: the composition's parts are recorded, and the derivative of the derivative comes
 *   from them. That is how gradients of gradients reach through these kernels.
 */
export function runOptionalKernel(
  name: OptionalKernelName,
  inputs: readonly Tensor[],
  out: Shape,
  kernel: (backend: Backend, ...inputs: KernelTensor[]) => unknown,
  composed: () => Tensor,
  options: KernelOptions = {},
): Tensor {
  assertSameBackend(name, inputs);
  const backend = inputs[0]?.backend ?? getBackend();
  const grad = options.grad;
  if (typeof backend[name] === 'function' && (grad || !engine.isTracked(inputs))) {
    return runKernel(name, inputs, out, kernel, options);
  }
  if (!grad) return tidy(composed);
  const y = engine.untracked(() => tidy(composed));
  if (grad !== 'zero') engine.record(name, inputs, y, grad);
  return y;
}

export function kernelTensor(t: Tensor): KernelTensor {
  return { shape: t.shape, data: t.storage };
}

/** Uploads values as a new tensor on the current (or given) backend. */
export function upload(values: Float32Array, shape: Shape, backend: Backend = getBackend()): Tensor {
  return new Tensor(backend.upload(values, shape), shape, backend);
}
