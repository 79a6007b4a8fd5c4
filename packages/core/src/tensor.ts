import type { Backend, Shape } from './backend.js';
import { backendId } from './backends.js';
import { engine } from './engine.js';

let nextTensorId = 0;

/**
 * An immutable float32 tensor owned by one backend. Its storage is released by `dispose()` (or by the
 * `tidy` scope it was created in); reading a disposed tensor is an error, never garbage.
 */
export class Tensor {
  /** Identity for autograd; the tape's handles on a tensor share it. */
  readonly id: number;
  readonly dtype = 'float32' as const;
  readonly shape: Shape;
  readonly size: number;
  /** The backend's storage handle. Several tensors may share it (reshape); core counts references. */
  readonly storage: unknown;
  readonly backend: Backend;
  private disposedFlag = false;

  /**
   * Not for direct use: create tensors with the creation ops (`tensor`, `zeros`, ...). Kept in the
   * declarations: without it, an implicit `new Tensor()` would type-check.
   */
  constructor(storage: unknown, shape: Shape, backend: Backend, id = nextTensorId++) {
    this.id = id;
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.backend = backend;
    engine.track(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Reads the values (row-major). */
  async data(): Promise<Float32Array> {
    this.assertAlive('data');
    return this.backend.read(this.storage);
  }

  /** Reads the values synchronously; fails on a backend that can only read asynchronously. */
  dataSync(): Float32Array {
    this.assertAlive('dataSync');
    if (!this.backend.readSync) {
      throw new Error(
        `dataSync: backend '${backendId(this.backend)}' cannot read synchronously; use await tensor.data()`,
      );
    }
    return this.backend.readSync(this.storage);
  }

  /** Reads the values as a nested array. */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape);
  }

  /** Reads the values synchronously as a nested array (`dataSync` rules). */
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  /**
   * Logs the shape and the values, nested by rows (as `tf.Tensor.print`), and returns the text; long axes
   * show their first and last 3 entries. Reads synchronously.
   */
  print(log: (text: string) => void = console.log): string {
    const text = `Tensor shape=[${this.shape}] backend=${backendId(this.backend)}\n${formatValues(this.dataSync(), this.shape)}`;
    log(text);
    return text;
  }

  /** Releases the tensor's storage; using it afterwards is an error naming the op. Disposing twice is harmless. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    engine.release(this);
  }

  /** @internal */
  assertAlive(op: string, argument = 'tensor'): void {
    if (this.disposedFlag) {
      throw new Error(`${op}: ${argument} (shape [${this.shape}]) has been disposed`);
    }
  }

  /** `Tensor(shape=[...], backend=<id>)`, for messages. */
  toString(): string {
    return `Tensor(shape=[${this.shape}], backend=${backendId(this.backend)})`;
  }
}

/** Nested arrays of numbers, as `tensor()` accepts them. */
export type NestedArray = number | NestedArray[];

/** The number of elements of a shape (1 for `[]`). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

function nest(values: Float32Array, shape: Shape): NestedArray {
  if (shape.length === 0) return values[0]!;
  const build = (offset: number, axis: number): NestedArray[] => {
    const n = shape[axis]!;
    const inner = sizeOf(shape.slice(axis + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(axis === shape.length - 1 ? values[offset + i]! : build(offset + i * inner, axis + 1));
    }
    return out;
  };
  return build(0, 0);
}

/** Values nested by rows, numpy style: `[[1, 2], [3, 4]]`, with `...` in axes longer than 20 (as TF.js). */
export function formatValues(values: Float32Array, shape: Shape): string {
  if (shape.length === 0) return formatNumber(values[0]!);
  const strides = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
  const show = (n: number): (number | null)[] =>
    n > 20 ? [0, 1, 2, null, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
  const build = (offset: number, axis: number, indent: string): string => {
    const entries = show(shape[axis]!);
    if (axis === shape.length - 1) {
      return `[${entries.map((i) => (i === null ? '...' : formatNumber(values[offset + i]!))).join(', ')}]`;
    }
    const inner = entries.map((i) =>
      i === null ? '...' : build(offset + i * strides[axis]!, axis + 1, `${indent} `),
    );
    const sep = `,${'\n'.repeat(shape.length - axis - 1)}${indent} `;
    return `[${inner.join(sep)}]`;
  };
  return build(0, 0, '');
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}
