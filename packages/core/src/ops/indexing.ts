import { engine } from '../engine.js';
import { tidy } from '../memory.js';
import { assertPositiveInt, assertSameBackend, assertTensor, fmt, normalizeAxis } from '../shape.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { add, equal, mul, sub, where } from './elementwise.js';
import { reshape, slice, takeAlong } from './layout.js';
import { matMul } from './matmul.js';
import { max, min, sum } from './reduce.js';

/**
 * Indices and labels are float32 tensors holding integers (there is one dtype): every integer up to 2^24
 * is exact in float32, and each op that reads indices on the host (`oneHot`, `gather`) refuses a value that
 * is not an integer in range, naming it. `argMax`, `argMin` and `topK` return such tensors.
 */
export const MAX_EXACT_INDEX = 2 ** 24;

/** `[0, 1, ..., n-1]` laid along `axis` of a tensor of rank `rank` (size 1 on every other axis). */
function iota(n: number, axis: number, rank: number, x: Tensor): Tensor {
  const shape = Array.from({ length: rank }, (_, i) => (i === axis ? n : 1));
  return tensor(
    Float32Array.from({ length: n }, (_, i) => i),
    shape,
    x.backend,
  );
}

/**
 * Reads an index tensor on the host and checks every value is an integer in `[0, limit)`. Returns null when
 * values cannot be read here (the shape-inference backend while a model is built, or a backend without
 * synchronous reads): the op then runs without the check.
 */
function readIndices(op: string, arg: string, indices: Tensor, limit: number): Float32Array | null {
  if (!indices.backend.readSync || indices.backend.name === 'shape-inference') return null;
  const values = indices.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= limit) {
      throw new Error(
        `${op}: ${arg}[${i}] is ${v}, expected an integer in [0, ${limit}) (indices are integer-valued float32)`,
      );
    }
  }
  return values;
}

function argExtreme(op: 'argMax' | 'argMin', x: Tensor, axis: number): Tensor {
  assertTensor(op, 'x', x);
  if (x.rank === 0) throw new Error(`${op}: x must have rank >= 1, got a scalar`);
  const a = normalizeAxis(op, axis, x.rank);
  const n = x.shape[a]!;
  if (n === 0) throw new Error(`${op}: axis ${a} of shape ${fmt(x.shape)} is empty; it has no ${op}`);
  if (n > MAX_EXACT_INDEX)
    throw new Error(`${op}: axis ${a} has ${n} entries, over 2^24 (not exact in float32)`);
  // The index is piecewise constant in x: nothing is recorded, so no gradient flows (it is zero).
  return engine.untracked(() =>
    tidy(() => {
      const extreme = op === 'argMax' ? max(x, a, true) : min(x, a, true);
      // Candidates: the extreme, or a NaN (a slice holding NaN has NaN as its extreme, as numpy/PyTorch).
      const nanMask = sub(1, equal(x, x));
      const candidate = add(equal(x, extreme), nanMask);
      // The first candidate: the smallest of index + n·(not a candidate).
      const score = add(iota(n, a, x.rank, x), mul(equal(candidate, 0), n));
      return min(score, a);
    }),
  );
}

/**
 * The index of the largest value along `axis` (default the last), the axis removed: integer-valued
 * float32. Ties go to the first index; a slice holding NaN gives its first NaN (as numpy and PyTorch).
 */
export const argMax = (x: Tensor, axis = -1): Tensor => argExtreme('argMax', x, axis);

/** The index of the smallest value along `axis` (default the last); ties and NaN as `argMax`. */
export const argMin = (x: Tensor, axis = -1): Tensor => argExtreme('argMin', x, axis);

/**
 * One-hot encoding: `indices` (integer-valued, any shape) to `[...indices.shape, depth]`, `onValue` at each
 * index and `offValue` elsewhere. An index that is not an integer in `[0, depth)` is an error.
 */
export function oneHot(indices: Tensor, depth: number, onValue = 1, offValue = 0): Tensor {
  assertTensor('oneHot', 'indices', indices);
  assertPositiveInt('oneHot', 'depth', depth);
  if (depth > MAX_EXACT_INDEX) throw new Error(`oneHot: depth ${depth} is over 2^24 (not exact in float32)`);
  readIndices('oneHot', 'indices', indices, depth);
  return engine.untracked(() =>
    tidy(() => {
      const hit = equal(
        reshape(indices, [...indices.shape, 1]),
        iota(depth, indices.rank, indices.rank + 1, indices),
      );
      return onValue === 1 && offValue === 0 ? hit : where(hit, onValue, offValue);
    }),
  );
}

/**
 * Rows of `x` by index along `axis` (default 0), as `tf.gather`: the output is
 * `[...x.shape[:axis], ...indices.shape, ...x.shape[axis+1:]]`. The forward pass copies the selected slices
 * (exact, and a NaN or Infinity elsewhere in x stays where it is); the gradient adds `dy` back into the
 * gathered rows (repeated indices add up) as one matMul with the one-hot matrix of the indices.
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  assertTensor('gather', 'x', x);
  assertTensor('gather', 'indices', indices);
  assertSameBackend('gather', [x, indices]);
  if (x.rank === 0) throw new Error('gather: x must have rank >= 1, got a scalar');
  const a = normalizeAxis('gather', axis, x.rank);
  const depth = x.shape[a]!;
  const pre = x.shape.slice(0, a);
  const post = x.shape.slice(a + 1);
  const out = [...pre, ...indices.shape, ...post];
  if (depth === 0 && indices.size > 0) {
    throw new Error(`gather: axis ${a} of x (shape ${fmt(x.shape)}) is empty, so no index is in range`);
  }
  const values = readIndices('gather', 'indices', indices, depth);
  const y = engine.untracked(() =>
    tidy(() => {
      if (indices.size === 0 || sizeOf(out) === 0 || !values) {
        // Without host values (shape inference, or a backend that reads only asynchronously): the one-hot
        // product, which gives the same values for finite x.
        return reshape(oneHotProduct(x, indices, a), out);
      }
      return reshape(takeAlong(x, a, Array.from(values)), out);
    }),
  );
  const inShape = x.shape;
  engine.record('gather', [x, indices], y, (dy, [, idx]) => {
    const p = sizeOf(pre);
    const q = sizeOf(post);
    const k = idx!.size;
    // dx[p, d, q] = Σ_k onehot[k, d] · dy[p, k, q]
    const onehot = oneHot(reshape(idx!, [k]), Math.max(depth, 1));
    const dx = matMul(onehot, reshape(dy, [p, k, q]), true, false);
    return [reshape(dx, inShape), null];
  });
  return y;
}

/** `x` with `axis` gathered by the one-hot matrix of `indices`: [pre..., k, post...] (flattened k). */
function oneHotProduct(x: Tensor, indices: Tensor, a: number): Tensor {
  const depth = x.shape[a]!;
  const pre = x.shape.slice(0, a);
  const post = x.shape.slice(a + 1);
  const onehot = oneHot(reshape(indices, [indices.size]), Math.max(depth, 1));
  const x3 = reshape(x, [sizeOf(pre), depth, sizeOf(post)]);
  return matMul(onehot, x3);
}

/** What `topK` returns: the k largest values along the last axis and their indices, largest first. */
export interface TopKResult {
  values: Tensor;
  /** Integer-valued float32 positions along the last axis. */
  indices: Tensor;
}

/**
 * The `k` largest entries along the last axis, as `tf.topk`: values and indices, each
 * `[...x.shape[:-1], k]`, in descending order (always sorted); equal values keep their index order and NaN
 * counts as larger than every number (as PyTorch). The ordering is found on the host (x is read
 * synchronously); the values are selected on the backend, so their gradient flows back to x.
 */
export function topK(x: Tensor, k = 1): TopKResult {
  assertTensor('topK', 'x', x);
  if (x.rank === 0) throw new Error('topK: x must have rank >= 1, got a scalar');
  const n = x.shape[x.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new Error(`topK: k must be an integer in [0, ${n}] (the last axis of ${fmt(x.shape)}), got ${k}`);
  }
  if (!x.backend.readSync) {
    throw new Error(`topK: backend '${x.backend.name}' cannot read synchronously, which topK needs to sort`);
  }
  const rows = x.size / Math.max(n, 1);
  const order = new Float32Array(rows * k);
  if (x.backend.name !== 'shape-inference' && x.size > 0) {
    const values = x.dataSync();
    const rank = (v: number) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v);
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((i, j) => {
        const vi = values[base + i]!;
        const vj = values[base + j]!;
        if (Number.isNaN(vi) !== Number.isNaN(vj)) return Number.isNaN(vi) ? -1 : 1;
        return rank(vj) - rank(vi) || i - j;
      });
      for (let t = 0; t < k; t++) order[r * k + t] = idx[t]!;
    }
  }
  const lead = x.shape.slice(0, -1);
  const indices = tensor(order, [...lead, k], x.backend);
  const values = tidy(() => {
    if (k === 0)
      return slice(
        x,
        x.shape.map(() => 0),
        [...lead, 0],
      );
    // Select with where, not a product, so a NaN or Infinity elsewhere in the row does not leak in.
    const hit = oneHot(indices, n);
    return sum(where(hit, reshape(x, [...lead, 1, n]), 0), -1);
  });
  return { values, indices };
}
