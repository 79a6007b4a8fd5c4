/** Test helpers: kernel operands, exact float32 comparisons, a seeded PRNG and float64 inner products. */

import type { KernelTensor, Shape } from '@cnn/core';
import { expect } from 'vitest';

/** A kernel operand `{ shape, data }` from plain numbers (rounded to float32). */
export function t(shape: Shape, values: readonly number[]): KernelTensor<Float32Array> {
  const size = shape.reduce((a, b) => a * b, 1);
  if (values.length !== size) throw new Error(`t: ${values.length} values for shape [${shape}]`);
  return { shape, data: Float32Array.from(values) };
}

/** `[0, 1, ..., n-1]`, offset by `start`. */
export function range(n: number, start = 0): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

/**
 * The kernel output equals `expected` rounded to float32: bit for bit (`-0` vs `0` and NaN included)
 * when `rel` is 0, else within `rel` relative (absolute below 1).
 */
export function expectValues(actual: Float32Array, expected: readonly number[], rel = 0): void {
  expect(actual).toBeInstanceOf(Float32Array);
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const want = Math.fround(expected[i]!);
    const got = actual[i]!;
    if (rel === 0 || !Number.isFinite(want)) {
      expect(Object.is(got, want), `element ${i}: got ${got}, expected ${want}`).toBe(true);
    } else {
      expect(Math.abs(got - want), `element ${i}: got ${got}, expected ${want}`).toBeLessThanOrEqual(
        rel * Math.max(1, Math.abs(want)),
      );
    }
  }
}

/** A seeded PRNG (mulberry32): uniform in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tensor of seeded uniform values in [-1, 1). */
export function random(shape: Shape, next: () => number): KernelTensor<Float32Array> {
  const size = shape.reduce((a, b) => a * b, 1);
  return t(
    shape,
    Array.from({ length: size }, () => 2 * next() - 1),
  );
}

/** `Σ a[i] · b[i]` in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** |a - b| <= rel · max(|a|, |b|). */
export function expectRelClose(a: number, b: number, rel: number): void {
  expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b)));
}
