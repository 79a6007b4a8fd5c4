import type { Backend } from './backend.js';
import { engine } from './engine.js';
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

/**
 * Body of an op built from other ops: inside a gradient tape it runs as is (the tape needs the
 * intermediates, `valueAndGrads` frees them); otherwise its intermediates are freed at once.
 */
export function composite<T>(fn: () => T): T {
  return engine.isRecording() ? fn() : tidy(fn);
}

export function collectTensors(value: unknown, into: Tensor[] = []): Tensor[] {
  if (value instanceof Tensor) into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectTensors(v, into));
  else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    Object.values(value).forEach((v) => collectTensors(v, into));
  }
  return into;
}

export interface MemoryInfo {
  /** Tensors created and not disposed. */
  numTensors: number;
  /** Storage buffers alive in the current backend (reshapes share one). */
  numBuffers: number;
}

export function memory(): MemoryInfo {
  return { numTensors: engine.numTensors, numBuffers: engine.backend.numBuffers() };
}

/** Selects the backend every new tensor goes to: a backend object, or the name of a registered one. */
export function setBackend(backend: Backend | string): Backend {
  return engine.setBackend(backend);
}

export function getBackend(): Backend {
  return engine.backend;
}

/** Makes a backend selectable by name (`setBackend('cpu')`); the first registered one is the default. */
export function registerBackend(name: string, factory: () => Backend): void {
  engine.registerBackend(name, factory);
}
