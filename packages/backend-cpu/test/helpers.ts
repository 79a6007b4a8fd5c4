/** Test helpers: a seeded PRNG, random tensors, naive index math and the shared tolerance check. */

import type { KernelTensor, Shape } from '@cnn/core';
import { expect } from 'vitest';

/** mulberry32: a tiny deterministic PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;

/** Integer in [lo, hi]. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Uniform values in [lo, hi). */
export function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng();
  return a;
}

export function tensor(data: Float32Array, shape: Shape): KernelTensor<Float32Array> {
  return { data, shape };
}

export function randomTensor(rng: Rng, shape: Shape, lo = -1, hi = 1): KernelTensor<Float32Array> {
  return tensor(randomArray(rng, sizeOf(shape), lo, hi), shape);
}

export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Multi-index of flat index `flat` in `shape`. */
export function unravel(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: Shape): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
  return flat;
}

/** Numpy broadcast of two shapes. */
export function broadcastShape(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Flat index into `shape` for the broadcast output multi-index `outIdx` (right-aligned, size-1 dims pinned). */
export function broadcastIndex(outIdx: readonly number[], shape: Shape): number {
  const off = outIdx.length - shape.length;
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + (shape[i] === 1 ? 0 : outIdx[i + off]);
  return flat;
}

/** The shared tolerance: |got - ref| <= atol + rtol*|ref| elementwise (NaN must match NaN). */
export function expectClose(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  label = '',
  atol = 1e-5,
  rtol = 1e-4,
): void {
  expect(got.length, `${label}: length`).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const g = got[i];
    const r = ref[i];
    if (Number.isNaN(r) && Number.isNaN(g)) continue;
    if (r === g) continue; // covers matching infinities
    if (!(Math.abs(g - r) <= atol + rtol * Math.abs(r))) {
      expect.fail(`${label}: element ${i} is ${g}, expected ${r} (|diff| ${Math.abs(g - r)})`);
    }
  }
}
