/**
 * Reductions (sum, mean, max, min over axes). Each output element loops over its reduced elements.
 *
 * The input's dims are grouped into runs of consecutive kept or reduced dims; a run is contiguous in
 * memory, so it merges into one dim. The output index splits over the merged kept dims (core keeps reduced
 * dims as 1, so the output's row-major order is the kept dims' order), and one nested loop per merged
 * reduced dim walks the reduced elements with no division inside the loop.
 *
 * mean divides each term by the count before adding (a mean of finite values never overflows); max and
 * min return NaN when a NaN is among the elements (GLSL comparisons alone would skip it). A reduction
 * whose input spans more texture pages than one draw call binds runs in chunks of its outermost reduced
 * dim, each adding to the previous chunk's result; so does one whose loops would run past the loop budget
 * of a shader invocation (`LOOP_BUDGET`, runtime.ts).
 */

import type { KernelTensor, ReduceOp, Shape } from '@cnn/core';
import { type GpuData, type KernelSpec, LOOP_BUDGET, type Runtime } from '../runtime.js';
import { boxRange, stridesOf } from '../shape.js';
import { decode, ieeeParams, listParams } from '../source.js';

type T = KernelTensor<GpuData>;

/** Merged kept and reduced dims with their strides in x (and the axes of x each one merges). */
function split(shape: Shape, axes: readonly number[]) {
  const strides = stridesOf(shape);
  const kept: { dim: number; stride: number; axes: number[] }[] = [];
  const reduced: { dim: number; stride: number; axes: number[] }[] = [];
  let lastKind: 'kept' | 'reduced' | null = null;
  shape.forEach((d, i) => {
    if (d === 1) return;
    const kind = axes.includes(i) ? 'reduced' : 'kept';
    const list = kind === 'kept' ? kept : reduced;
    if (kind === lastKind) {
      const last = list[list.length - 1]!;
      last.dim *= d;
      last.stride = strides[i]!;
      last.axes.push(i);
    } else list.push({ dim: d, stride: strides[i]!, axes: [i] });
    lastKind = kind;
  });
  return { kept, reduced };
}

/** Loop passes of nested loops over `dims` (outermost first), each loop one pass more for its exit test. */
function loopCost(dims: readonly number[]): number {
  return dims.reduceRight((inner, n) => n * (1 + inner) + 1, 0);
}

export function reduce(rt: Runtime, op: ReduceOp, x: T, axes: readonly number[], out: Shape): GpuData {
  const { kept, reduced } = split(x.shape, axes);
  const kr = kept.length;
  const rr = reduced.length;
  // The outermost reduced dim is chunked to keep the loop passes per element within LOOP_BUDGET (see
  // runtime.ts: llvmpipe silently ends longer loops); when even one pass of it runs too many inner passes
  // (reduced dims separated by kept ones), reduce the innermost reduced run first, then the rest.
  if (rr >= 2 && loopCost([1, ...reduced.slice(1).map((r) => r.dim)]) > LOOP_BUDGET) {
    const inner = reduced[rr - 1]!.axes;
    const midShape = x.shape.map((d, i) => (inner.includes(i) ? 1 : d));
    const mid = reduce(rt, op, x, inner, midShape);
    try {
      // A mean of equal-sized groups' means is the mean; sums, maxima and minima compose the same way.
      const rest = axes.filter((a) => !inner.includes(a));
      return reduce(rt, op, { shape: midShape, data: mid }, rest, out);
    } finally {
      rt.dispose(mid);
    }
  }
  const count = reduced.reduce((n, r) => n * r.dim, 1);
  const keptDims = kept.map((k) => k.dim);
  const keptStrides = kept.map((k) => k.stride);
  const params = {
    ...ieeeParams,
    count,
    ...listParams('kd', keptDims),
    ...listParams('ks', keptStrides),
    ...listParams(
      'rd',
      reduced.map((r) => r.dim),
    ),
    ...listParams(
      'rs',
      reduced.map((r) => r.stride),
    ),
  };
  // The span of the inner reduced dims, and the first element output o reads (monotone in o).
  const innerSpan = reduced.slice(1).reduce((s, r) => s + (r.dim - 1) * r.stride, 0);
  const baseOf = (o: number) => (kr > 0 ? boxRange(keptDims, keptStrides, o, o + 1)[0] : 0);
  const init = op === 'max' ? '-p_inf' : op === 'min' ? 'p_inf' : '0';
  const step =
    op === 'sum'
      ? 's += v;'
      : op === 'mean'
        ? 's += v / p_count;'
        : `if (v != v) { nanSeen = 1; }\n    if (v ${op === 'max' ? '>' : '<'} s) { s = v; }`;
  /**
   * The kernel for the outermost reduced dim's chunk [r0, r0 + rn), adding to `prev` (the earlier chunks'
   * result): a long reduction over many texture pages runs in chunks that fit (runtime.runAccumulated).
   */
  const spec = (r0: number, rn: number, prev: GpuData | null): KernelSpec => ({
    key: `reduce.${op}:${kr}:${rr}:${prev ? 'acc' : 'first'}`,
    inputs: {
      x: {
        data: x.data,
        touched: (o0, o1) => {
          const first = rr > 0 ? r0 * reduced[0]!.stride : 0;
          const last = rr > 0 ? (r0 + rn - 1) * reduced[0]!.stride + innerSpan : 0;
          return [baseOf(o0) + first, baseOf(o1 - 1) + last] as const;
        },
      },
      ...(prev ? { prev: { data: prev } } : {}),
    },
    params: { ...params, r0, rn },
    loops: loopCost([rn, ...reduced.slice(1).map((r) => r.dim)]),
    body: (read) => {
      let src = kr > 0 ? decode('i', 'k', 'kd', kr) : '';
      const base = kr > 0 ? Array.from({ length: kr }, (_, d) => `k${d} * p_ks${d}`).join(' + ') : '0';
      src += `  const base = ${base};\n  let nanSeen = 0;\n`;
      src += prev
        ? `  const li = i - o_base;\n  let s = ${read('prev', 'li')};\n  if (s != s) { nanSeen = 1; }\n`
        : `  let s = ${init};\n`;
      // One loop per merged reduced dim, outermost first (the outermost over this chunk only).
      let open = '';
      let close = '';
      let addr = 'base';
      for (let d = 0; d < rr; d++) {
        const pad = '  '.repeat(d + 1);
        if (d === 0) {
          open += `${pad}for (let r0 = 0; r0 < p_rn; r0++) {\n${pad}  const q0 = p_r0 + r0;\n`;
          addr += ' + q0 * p_rs0';
        } else {
          open += `${pad}for (let r${d} = 0; r${d} < p_rd${d}; r${d}++) {\n`;
          addr += ` + r${d} * p_rs${d}`;
        }
        close = `${pad}}\n${close}`;
      }
      const pad = '  '.repeat(rr + 1);
      src += `${open}${pad}const ix = ${addr};\n${pad}const v = ${read('x', 'ix')};\n${pad}${step}\n${close}`;
      src += '  if (nanSeen > 0) { return p_nan; }\n  return s;';
      return src;
    },
  });
  return rt.runAccumulated(out, rr > 0 ? reduced[0]!.dim : 1, spec);
}
