import type { Shape } from '../backend.js';
import { engine } from '../engine.js';
import { tidy } from '../memory.js';
import { assertShape, assertTensor, fmt, normalizeAxis, shapesEqual } from '../shape.js';
import { sizeOf, Tensor } from '../tensor.js';
import { runKernel } from './op.js';

/**
 * Same values, new shape: no kernel runs, the new tensor shares the storage (core counts references).
 * One size may be -1 and is inferred.
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  assertTensor('reshape', 'x', x);
  const inferred = shape.indexOf(-1);
  let resolved = [...shape];
  if (inferred >= 0) {
    if (shape.indexOf(-1, inferred + 1) >= 0)
      throw new Error(`reshape: only one size may be -1, got ${fmt(shape)}`);
    const known = sizeOf(shape.filter((_, i) => i !== inferred));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot infer -1 in ${fmt(shape)} for a tensor of shape ${fmt(x.shape)}`);
    }
    resolved = shape.map((d, i) => (i === inferred ? x.size / known : d));
  }
  assertShape('reshape', 'shape', resolved);
  if (sizeOf(resolved) !== x.size) {
    throw new Error(
      `reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(resolved)} (${sizeOf(resolved)} elements)`,
    );
  }
  if (shapesEqual(resolved, x.shape)) return x;
  const y = new Tensor(x.storage, resolved, x.backend);
  const inShape = x.shape;
  engine.record('reshape', [x], y, (dy) => [reshape(dy, inShape)]);
  return y;
}

/** Flattens to 2-D: `[prod(shape[:axis]), prod(shape[axis:])]`. */
export function flatten(x: Tensor, axis = 1): Tensor {
  assertTensor('flatten', 'x', x);
  const a = axis === x.rank ? axis : normalizeAxis('flatten', axis, x.rank);
  return reshape(x, [sizeOf(x.shape.slice(0, a)), sizeOf(x.shape.slice(a))]);
}

/** Joins tensors along `axis`; every other dim must match. */
export function concat(xs: readonly Tensor[], axis = -1): Tensor {
  if (!Array.isArray(xs as unknown))
    throw new Error(`concat: inputs must be an array of tensors, got ${typeof xs}`);
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  xs.forEach((t, i) => assertTensor('concat', `inputs[${i}]`, t));
  const first = xs[0]!;
  const a = normalizeAxis('concat', axis, first.rank);
  xs.forEach((t, i) => {
    const mismatch = t.rank !== first.rank || t.shape.some((d, j) => j !== a && d !== first.shape[j]);
    if (mismatch) {
      throw new Error(
        `concat: inputs[${i}] has shape ${fmt(t.shape)} but inputs[0] has ${fmt(first.shape)}; all dims except axis ${a} must match`,
      );
    }
  });
  // Zero-size parts add nothing (kernels never see an empty operand); their gradient is empty too.
  const parts = xs.filter((t) => t.shape[a] !== 0);
  if (parts.length === 0) return first;
  if (parts.length === 1) return parts[0]!;
  const out = [...first.shape];
  out[a] = parts.reduce((n, t) => n + t.shape[a]!, 0);
  return runKernel('concat', parts, out, (backend, ...ks) => backend.concat(ks, a, out), {
    grad: (dy, inputs) => {
      let offset = 0;
      return inputs.map((t) => {
        const begin = t.shape.map((_, j) => (j === a ? offset : 0));
        offset += t.shape[a]!;
        return slice(dy, begin, t.shape);
      });
    },
  });
}

/** `size[i]` elements from `begin[i]` on each axis; a size of -1 means "to the end". */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  assertTensor('slice', 'x', x);
  if (begin.length !== x.rank || (size && size.length !== x.rank)) {
    throw new Error(
      `slice: begin/size need ${x.rank} entries for shape ${fmt(x.shape)}, got ${fmt(begin)} / ${fmt(size ?? [])}`,
    );
  }
  const resolved = x.shape.map((d, i) => {
    const s = size?.[i] ?? -1;
    return s === -1 ? d - begin[i]! : s;
  });
  x.shape.forEach((d, i) => {
    const b = begin[i]!;
    const s = resolved[i]!;
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > d) {
      throw new Error(`slice: axis ${i} of shape ${fmt(x.shape)} cannot take ${s} elements from ${b}`);
    }
  });
  if (shapesEqual(resolved, x.shape)) return x;
  const after = x.shape.map((d, i) => d - begin[i]! - resolved[i]!);
  return runKernel('slice', [x], resolved, (backend, kx) => backend.slice(kx!, begin, resolved), {
    grad: (dy) => [pad(dy, begin, after)],
  });
}

/** Permutes axes: output axis i is input axis `perm[i]` (default: reversed). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  assertTensor('transpose', 'x', x);
  const p = perm
    ? perm.map((a) => normalizeAxis('transpose', a, x.rank))
    : [...Array(x.rank).keys()].reverse();
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new Error(`transpose: perm ${fmt(perm ?? [])} is not a permutation of ${x.rank} axes`);
  }
  if (p.every((a, i) => a === i)) return x;
  const out = p.map((a) => x.shape[a]!);
  const inverse = p.map((_, i) => p.indexOf(i));
  return runKernel('transpose', [x], out, (backend, kx) => backend.transpose(kx!, p, out), {
    grad: (dy) => [transpose(dy, inverse)],
  });
}

/**
 * Constant padding with `before[i]`/`after[i]` elements on axis i. Negative amounts crop (ONNX Pad allows
 * them), done as a slice so the kernel only ever pads.
 */
export function pad(x: Tensor, before: readonly number[], after: readonly number[], value = 0): Tensor {
  assertTensor('pad', 'x', x);
  if (before.length !== x.rank || after.length !== x.rank) {
    throw new Error(
      `pad: needs ${x.rank} before/after amounts for shape ${fmt(x.shape)}, got ${before.length}/${after.length}`,
    );
  }
  [...before, ...after].forEach((p) => {
    if (!Number.isInteger(p)) throw new Error(`pad: pad amounts must be integers, got ${p}`);
  });
  if ([...before, ...after].some((p) => p < 0)) {
    const begin = before.map((p) => Math.max(0, -p));
    const size = x.shape.map((d, i) => d - begin[i]! - Math.max(0, -after[i]!));
    if (size.some((s) => s < 0))
      throw new Error(`pad: negative pads crop more than shape ${fmt(x.shape)} holds`);
    return tidy(() =>
      pad(
        slice(x, begin, size),
        before.map((p) => Math.max(0, p)),
        after.map((p) => Math.max(0, p)),
        value,
      ),
    );
  }
  if ([...before, ...after].every((p) => p === 0)) return x;
  const out = x.shape.map((d, i) => d + before[i]! + after[i]!);
  const inShape = x.shape;
  return runKernel('pad', [x], out, (backend, kx) => backend.pad(kx!, before, after, value, out), {
    empty: value,
    grad: (dy) => [slice(dy, before, inShape)],
  });
}

/** Adds a size-1 axis at `axis`. */
export function expandDims(x: Tensor, axis = 0): Tensor {
  assertTensor('expandDims', 'x', x);
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/**
 * Slices `x` along `axis` at host-known `positions` and joins them: consecutive runs become one slice.
 * Exact (a copy); each slice and the concat record their own gradients.
 */
export function takeAlong(x: Tensor, axis: number, positions: readonly number[]): Tensor {
  const parts: Tensor[] = [];
  let start = 0;
  while (start < positions.length) {
    let end = start + 1;
    while (end < positions.length && positions[end] === positions[end - 1]! + 1) end++;
    const begin = x.shape.map((_, i) => (i === axis ? positions[start]! : 0));
    const size = x.shape.map((d, i) => (i === axis ? end - start : d));
    parts.push(slice(x, begin, size));
    start = end;
  }
  return parts.length === 1 ? parts[0]! : concat(parts, axis);
}

/**
 * How `mirrorPad` fills the border, for `x = [a, b, c, d]` padded by 2 on each side:
 * - `'reflect'`: mirrored without the edge, `c b | a b c d | c b` (pads at most size - 1; numpy/PyTorch
 *   `reflect`, ONNX Pad `reflect`);
 * - `'symmetric'`: mirrored with the edge, `b a | a b c d | d c` (pads at most size);
 * - `'edge'`: the edge repeated, `a a | a b c d | d d` (numpy `edge`, PyTorch `replicate`, ONNX `edge`).
 */
export type MirrorPadMode = 'reflect' | 'symmetric' | 'edge';

/**
 * Pads with values taken from `x` itself (see `MirrorPadMode`), `before[i]`/`after[i]` (non-negative)
 * elements on axis i. Built from slices and concats, so every backend runs it and the gradient of each
 * border element flows back to the element it copies.
 */
export function mirrorPad(
  x: Tensor,
  before: readonly number[],
  after: readonly number[],
  mode: MirrorPadMode = 'reflect',
): Tensor {
  assertTensor('mirrorPad', 'x', x);
  if (mode !== 'reflect' && mode !== 'symmetric' && mode !== 'edge') {
    throw new Error(`mirrorPad: mode must be 'reflect', 'symmetric' or 'edge', got ${String(mode)}`);
  }
  if (before.length !== x.rank || after.length !== x.rank) {
    throw new Error(
      `mirrorPad: needs ${x.rank} before/after amounts for shape ${fmt(x.shape)}, got ${before.length}/${after.length}`,
    );
  }
  x.shape.forEach((d, i) => {
    for (const [side, p] of [
      ['before', before[i]!],
      ['after', after[i]!],
    ] as const) {
      if (!Number.isInteger(p) || p < 0) {
        throw new Error(`mirrorPad: pad ${side} on axis ${i} must be a non-negative integer, got ${p}`);
      }
      // reflect skips the edge, so it needs one more element than it copies; nothing pads an empty axis.
      const limit = d === 0 ? 0 : mode === 'reflect' ? d - 1 : mode === 'symmetric' ? d : p;
      if (p > limit) {
        throw new Error(
          `mirrorPad: pad ${side} = ${p} on axis ${i} is too large for mode '${mode}' on an axis of size ${d} (at most ${limit})`,
        );
      }
    }
  });
  return tidy(() => {
    let y = x;
    x.shape.forEach((d, axis) => {
      const b = before[axis]!;
      const a = after[axis]!;
      if (b === 0 && a === 0) return;
      // Source positions of the padded axis, in order.
      const source = (j: number): number => {
        if (j >= 0 && j < d) return j;
        if (mode === 'edge') return j < 0 ? 0 : d - 1;
        if (mode === 'reflect') return j < 0 ? -j : 2 * (d - 1) - j;
        return j < 0 ? -j - 1 : 2 * d - 1 - j;
      };
      const positions = Array.from({ length: b + d + a }, (_, t) => source(t - b));
      y = takeAlong(y, axis, positions);
    });
    return y;
  });
}
