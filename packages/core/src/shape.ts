import type { Shape } from './backend.js';
import { backendId, getMaxTensorSize } from './backends.js';
import { Tensor } from './tensor.js';

/** Shape rules and argument checks shared by every op. Errors name the op, the argument and the values. */

export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function assertShape(op: string, arg: string, shape: Shape): void {
  if (!Array.isArray(shape)) throw new Error(`${op}: ${arg} must be an array of sizes, got ${String(shape)}`);
  shape.forEach((d, axis) => {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(
        `${op}: ${arg} ${fmt(shape)} has an invalid size ${d} at axis ${axis} (sizes are integers >= 0)`,
      );
    }
  });
  assertSize(op, shape);
}

/** Refuses a tensor larger than the element limit (`setMaxTensorSize`), before anything is allocated. */
export function assertSize(op: string, shape: Shape): void {
  let size = 1;
  for (const d of shape) size *= d;
  const limit = getMaxTensorSize();
  if (size > limit) {
    throw new Error(
      `${op}: a tensor of shape ${fmt(shape)} would hold ${size} elements, over the limit of ${limit} (raise it with setMaxTensorSize)`,
    );
  }
}

export function assertTensor(op: string, arg: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${arg} must be a Tensor, got ${describe(t)}`);
  t.assertAlive(op, arg);
}

export function assertRank(op: string, arg: string, t: Tensor, ...ranks: number[]): void {
  assertTensor(op, arg, t);
  if (!ranks.includes(t.rank)) {
    throw new Error(
      `${op}: ${arg} must have rank ${ranks.join(' or ')}, got rank ${t.rank} (shape ${fmt(t.shape)})`,
    );
  }
}

export function assertSameBackend(op: string, tensors: readonly Tensor[]): void {
  const first = tensors[0]?.backend;
  for (const t of tensors) {
    if (t.backend !== first) {
      throw new Error(
        `${op}: inputs live on different backends ('${backendId(first!)}' and '${backendId(t.backend)}'); move one with moveTo(tensor, backend)`,
      );
    }
  }
}

export function assertPositiveInt(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${op}: ${arg} must be a positive integer, got ${v}`);
}

export function assertNonNegativeInt(op: string, arg: string, v: number): void {
  if (!Number.isInteger(v) || v < 0)
    throw new Error(`${op}: ${arg} must be a non-negative integer, got ${v}`);
}

export function assertFinite(op: string, arg: string, v: number): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${op}: ${arg} must be a number, got ${v}`);
}

/** Normalises a possibly negative axis; errors name the op and the rank. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Numpy-style broadcast of two shapes (right-aligned; a size-1 dim stretches). */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast (axis ${i}: ${da} vs ${db})`,
      );
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}
