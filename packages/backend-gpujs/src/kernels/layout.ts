/**
 * Layout kernels: concat, slice, transpose, pad, and the optional broadcastTo. Each is a gather: output
 * element i finds the one input element it copies (or the pad value), so every kernel is one pass with
 * no arithmetic on the values (NaN, ±0 and infinities pass through bit for bit).
 *
 * Dims that move together are merged on the host first (a slice of whole rows is one contiguous range,
 * a transpose of [a, b, c] by [0, 2, 1] keeps a as one dim), so the kernels see small ranks and one
 * compiled kernel serves many shapes.
 */

import type { KernelTensor, Shape } from '@cnn/core';
import type { GpuData, InputBinding, Runtime } from '../runtime.js';
import { boxRange, mergeDims, sizeOf, stridesOf } from '../shape.js';
import { address, decode, listParams } from '../source.js';
import { elementwise } from './elementwise.js';

type T = KernelTensor<GpuData>;

/** Output axis d is input axis perm[d]: out coordinates dotted with the permuted input strides. */
export function transpose(rt: Runtime, x: T, perm: readonly number[], out: Shape): GpuData {
  const inStrides = stridesOf(x.shape);
  const gather = perm.map((p) => inStrides[p]!);
  const merged = mergeDims(out, [gather, stridesOf(out)]);
  const rank = merged.dims.length;
  return rt.run(
    {
      key: `layout.transpose:${rank}`,
      inputs: { x: { data: x.data, touched: (o0, o1) => boxRange(merged.dims, merged.strides[0]!, o0, o1) } },
      params: { ...listParams('d', merged.dims), ...listParams('s', merged.strides[0]!) },
      body: (read) =>
        `${decode('i', 'c', 'd', rank)}  const ix = ${address('c', 's', rank)};\n  return ${read('x', 'ix')};`,
    },
    out,
  );
}

/** The block of shape `out` at `begin`: out coordinates plus begin, dotted with x's strides. */
export function slice(rt: Runtime, x: T, begin: readonly number[], out: Shape): GpuData {
  const inStrides = stridesOf(x.shape);
  const offset = begin.reduce((s, b, d) => s + b * inStrides[d]!, 0);
  const merged = mergeDims(out, [inStrides, stridesOf(out)]);
  const rank = merged.dims.length;
  const strides = merged.strides[0]!;
  // The address grows with the output index (positive strides, row-major): a range reads a range.
  const addressOf = (o: number) => {
    let a = offset;
    for (let d = rank - 1; d >= 0; d--) {
      a += (o % merged.dims[d]!) * strides[d]!;
      o = Math.floor(o / merged.dims[d]!);
    }
    return a;
  };
  return rt.run(
    {
      key: `layout.slice:${rank}`,
      inputs: { x: { data: x.data, touched: (o0, o1) => [addressOf(o0), addressOf(o1 - 1)] } },
      params: { offset, ...listParams('d', merged.dims), ...listParams('s', strides) },
      body: (read) =>
        `${decode('i', 'c', 'd', rank)}  const ix = p_offset + ${address('c', 's', rank)};\n  return ${read('x', 'ix')};`,
    },
    out,
  );
}

/**
 * Constant padding. A dim without padding merges into the dim before it (its padding is then counted in
 * whole rows of the merged dim), so e.g. padding H and W of NHWC is a rank-3 kernel.
 */
export function pad(
  rt: Runtime,
  x: T,
  before: readonly number[],
  after: readonly number[],
  value: number,
  out: Shape,
): GpuData {
  type Dim = { inDim: number; outDim: number; before: number };
  const dims: Dim[] = [];
  for (let d = x.shape.length - 1; d >= 0; d--) {
    const dim = { inDim: x.shape[d]!, outDim: out[d]!, before: before[d]! };
    const inner = dims[0];
    if (inner && inner.before === 0 && inner.inDim === inner.outDim) {
      // Merge the unpadded inner dim into this one.
      dims[0] = {
        inDim: dim.inDim * inner.inDim,
        outDim: dim.outDim * inner.outDim,
        before: dim.before * inner.outDim,
      };
    } else dims.unshift(dim);
  }
  void after; // implied by out and before
  const rank = dims.length;
  const inStrides = stridesOf(dims.map((d) => d.inDim));
  // Input address = Σ (c - before)·stride over the coordinates that land inside the input.
  const origin = -dims.reduce((s, d, k) => s + d.before * inStrides[k]!, 0);
  const inside = dims.map((d) => [d.before, d.before + d.inDim - 1] as const);
  const outDims = dims.map((d) => d.outDim);
  return rt.run(
    {
      key: `layout.pad:${rank}`,
      inputs: {
        x: { data: x.data, touched: (o0, o1) => boxRange(outDims, inStrides, o0, o1, origin, inside) },
      },
      params: {
        value,
        ...listParams(
          'd',
          dims.map((d) => d.outDim),
        ),
        ...listParams(
          'n',
          dims.map((d) => d.inDim),
        ),
        ...listParams(
          'b',
          dims.map((d) => d.before),
        ),
        ...listParams('s', inStrides),
      },
      body: (read) => {
        let src = decode('i', 'c', 'd', rank);
        const terms: string[] = [];
        for (let d = 0; d < rank; d++) {
          src += `  const x${d} = c${d} - p_b${d};\n  if (x${d} < 0 || x${d} >= p_n${d}) { return p_value; }\n`;
          terms.push(`x${d} * p_s${d}`);
        }
        return `${src}  const ix = ${terms.join(' + ')};\n  return ${read('x', 'ix')};`;
      },
    },
    out,
  );
}

/** The most inputs one concat kernel takes; more are joined in groups first. */
const CONCAT_MAX_INPUTS = 8;

/**
 * Joins `xs` along `axis`. Each tensor is seen as [outer, len_t, inner]; output coordinate c1 along the
 * axis picks the input whose offsets bracket it. Many inputs (or more pages than one call may bind) are
 * joined in groups, then the groups' results; each output page binds only the input pages it reads.
 */
export function concat(rt: Runtime, xs: readonly T[], axis: number, out: Shape): GpuData {
  const pagesOf = (group: readonly T[]) => group.reduce((n, x) => n + x.data.pages.length, 0);
  if (xs.length > CONCAT_MAX_INPUTS || pagesOf(xs) > rt.textureBudget) {
    const groups: T[][] = [];
    let current: T[] = [];
    for (const x of xs) {
      if (
        current.length > 0 &&
        (current.length === CONCAT_MAX_INPUTS || pagesOf([...current, x]) > rt.textureBudget)
      ) {
        groups.push(current);
        current = [];
      }
      current.push(x);
    }
    groups.push(current);
    // Grouping helps unless every group is one tensor (then each output page binds only the pages it
    // reads: see `touched` below).
    if (groups.some((g) => g.length > 1) && groups.length > 1) {
      const parts: T[] = [];
      try {
        for (const group of groups) {
          if (group.length === 1) {
            parts.push(group[0]!);
            continue;
          }
          const shape = [...out];
          shape[axis] = group.reduce((n, x) => n + x.shape[axis]!, 0);
          parts.push({ shape, data: concat(rt, group, axis, shape) });
        }
        return concat(rt, parts, axis, out);
      } finally {
        for (const part of parts) if (!xs.includes(part)) rt.dispose(part.data);
      }
    }
  }
  const outer = sizeOf(out.slice(0, axis));
  const L = out[axis]!;
  const inner = sizeOf(out.slice(axis + 1));
  const lens = xs.map((x) => x.shape[axis]!);
  const offsets = lens.map((_, t) => lens.slice(0, t).reduce((a, b) => a + b, 0));
  // The elements of input t that output range [o0, o1) reads: its rows for the outer indices covered,
  // narrowed to the overlap along the axis when the range stays within one outer index.
  const touched = (t: number) => (o0: number, o1: number) => {
    const [c0lo, c0hi] = [Math.floor(o0 / (L * inner)), Math.floor((o1 - 1) / (L * inner))];
    const row = lens[t]! * inner;
    if (c0lo !== c0hi) return [c0lo * row, (c0hi + 1) * row - 1] as const;
    const c1lo = Math.floor(o0 / inner) % L;
    const c1hi = Math.floor((o1 - 1) / inner) % L;
    const lo = Math.max(0, c1lo - offsets[t]!);
    const hi = Math.min(lens[t]! - 1, c1hi - offsets[t]!);
    if (hi < lo) return [c0lo * row, c0lo * row] as const; // not read: one page stays bound
    return [c0lo * row + lo * inner, c0lo * row + (hi + 1) * inner - 1] as const;
  };
  const inputs: Record<string, InputBinding> = {};
  xs.forEach((x, t) => (inputs[`x${t}`] = { data: x.data, touched: touched(t) }));
  return rt.run(
    {
      key: `layout.concat:${xs.length}`,
      inputs,
      params: {
        ...listParams('d', [outer, L, inner]),
        ...listParams('len', lens),
        ...listParams('off', offsets),
      },
      body: (read) => {
        let src = decode('i', 'c', 'd', 3);
        xs.forEach((_, t) => {
          const at = `const ia${t} = (c0 * p_len${t} + (c1 - p_off${t})) * p_d2 + c2;\n`;
          src +=
            t < xs.length - 1
              ? `  if (c1 < p_off${t + 1}) {\n    ${at}    return ${read(`x${t}`, `ia${t}`)};\n  }\n`
              : `  ${at}  return ${read(`x${t}`, `ia${t}`)};`;
        });
        return src;
      },
    },
    out,
  );
}

/** Repeats size-1 (and missing leading) dims up to `out`: the elementwise machinery's strided copy. */
export function broadcastTo(rt: Runtime, x: T, out: Shape): GpuData {
  return elementwise(rt, 'layout.broadcast', [x], ['x'], 'return x;', {}, out);
}

/** A copy into new storage (kernels must never alias an input). */
export function copy(rt: Runtime, x: T): GpuData {
  return elementwise(rt, 'layout.copy', [x], ['x'], 'return x;', {}, x.shape);
}
