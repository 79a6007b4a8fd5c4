import type { Backend } from './backend.js';
import { backendId, backendNamed, getBackend, initBackend } from './backends.js';
import { engine } from './engine.js';
import { assertTensor } from './shape.js';
import { Tensor } from './tensor.js';

/** What `tidy` looks through for tensors to keep: any nesting of arrays and plain objects. */
export type TensorContainer =
  | Tensor
  | undefined
  | number
  | string
  | boolean
  | null
  | undefined
  | TensorContainer[]
  | { [key: string]: TensorContainer };

/**
 * Runs `fn` and disposes every tensor it created, except those it returns (in any nesting of arrays and
 * objects). The way to keep a training loop's live-tensor count flat.
 */
export function tidy<T>(fn: () => T): T {
  engine.startScope();
  let result: T | undefined;
  try {
    result = fn();
    return result;
  } finally {
    engine.endScope(collectTensors(result as TensorContainer));
  }
}

/** Exempts a tensor from every enclosing `tidy`. */
export function keep<T extends Tensor>(t: T): T {
  engine.keep(t);
  return t;
}

export function collectTensors(value: unknown, into: Tensor[] = []): Tensor[] {
  if (value instanceof Tensor) into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectTensors(v, into));
  else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    Object.values(value).forEach((v) => collectTensors(v, into));
  }
  return into;
}

/**
 * Disposes every tensor in a container (a tensor, or any nesting of arrays and plain objects holding
 * tensors, as `tidy` returns them); other values are ignored. Disposing twice is harmless.
 */
export function dispose(container: TensorContainer): void {
  for (const t of collectTensors(container)) t.dispose();
}

/** What `memory()` reports: live tensors and storage buffers. */
export interface MemoryInfo {
  /** Tensors created and not disposed (the autograd tape's own handles included while a tape is open). */
  numTensors: number;
  /** Storage buffers alive in the current backend (reshapes share one). */
  numBuffers: number;
  /**
   * Bytes of storage the live tensors hold, on every backend: 4 per float32 element, a buffer shared by
   * several tensors (reshapes) counted once. What the backends allocate around it (padding, textures) is
   * not included.
   */
  numBytes: number;
}

/** The live tensors now: check that a training loop does not grow `numTensors`. */
export function memory(): MemoryInfo {
  return { numTensors: engine.numTensors, numBuffers: getBackend().numBuffers(), numBytes: engine.numBytes };
}

/**
 * Copies a tensor to another backend (an instance or a registered name); the original stays where it is.
 * Synchronous, so the source backend must read synchronously (`moveToAsync` works with any).
 */
export function moveTo(t: Tensor, backend: Backend | string): Tensor {
  assertTensor('moveTo', 'tensor', t);
  const target = typeof backend === 'string' ? backendNamed('moveTo', backend) : backend;
  if (!t.backend.readSync) {
    throw new Error(
      `moveTo: backend '${backendId(t.backend)}' cannot read synchronously; use await moveToAsync(tensor, backend)`,
    );
  }
  return new Tensor(target.upload(t.backend.readSync(t.storage), t.shape), t.shape, target);
}

/** `moveTo` for any source backend. */
export async function moveToAsync(t: Tensor, backend: Backend | string): Promise<Tensor> {
  assertTensor('moveToAsync', 'tensor', t);
  const target = typeof backend === 'string' ? await initBackend(backend) : backend;
  const values = await t.data();
  return new Tensor(target.upload(values, t.shape), t.shape, target);
}
