/**
 * Reductions (sum, mean, max, min over axes). Each output element loops over its reduced elements.
 *
 * The input's dims are grouped into runs of consecutive kept or reduced dims; a run is contiguous in
 * memory, so it merges into one dim. The output index splits over the merged kept dims (core keeps reduced
 * dims as 1, so the output's row-major order is the kept dims' order), and one nested loop per merged
 * reduced dim walks the reduced elements with no division inside the loop.
 *
 * mean divides each term by the count before adding (a mean of finite values never overflows); max and
 * min return NaN when a NaN is among the elements (GLSL comparisons alone would skip it).
 */

import type { KernelTensor, ReduceOp, Shape } from '@cnn/core';
import type { GpuData, Runtime } from '../runtime.js';
import { stridesOf } from '../shape.js';
import { decode, ieeeParams, listParams } from '../source.js';

type T = KernelTensor<GpuData>;

/** Merged kept and reduced dims with their strides in x. */
function split(shape: Shape, axes: readonly number[]) {
  const strides = stridesOf(shape);
  const kept: { dim: number; stride: number }[] = [];
  const reduced: { dim: number; stride: number }[] = [];
  let lastKind: 'kept' | 'reduced' | null = null;
  shape.forEach((d, i) => {
    if (d === 1) return;
    const kind = axes.includes(i) ? 'reduced' : 'kept';
    const list = kind === 'kept' ? kept : reduced;
    if (kind === lastKind) {
      const last = list[list.length - 1]!;
      last.dim *= d;
      last.stride = strides[i]!;
    } else list.push({ dim: d, stride: strides[i]! });
    lastKind = kind;
  });
  return { kept, reduced };
}

export function reduce(rt: Runtime, op: ReduceOp, x: T, axes: readonly number[], out: Shape): GpuData {
  const { kept, reduced } = split(x.shape, axes);
  const count = reduced.reduce((n, r) => n * r.dim, 1);
  const kr = kept.length;
  const rr = reduced.length;
  const params = {
    ...ieeeParams,
    count,
    ...listParams(
      'kd',
      kept.map((k) => k.dim),
    ),
    ...listParams(
      'ks',
      kept.map((k) => k.stride),
    ),
    ...listParams(
      'rd',
      reduced.map((r) => r.dim),
    ),
    ...listParams(
      'rs',
      reduced.map((r) => r.stride),
    ),
  };
  const init = op === 'max' ? '-p_inf' : op === 'min' ? 'p_inf' : '0';
  const step =
    op === 'sum'
      ? 's += v;'
      : op === 'mean'
        ? 's += v / p_count;'
        : `if (v != v) { nanSeen = 1; }\n    if (v ${op === 'max' ? '>' : '<'} s) { s = v; }`;
  return rt.run(
    {
      key: `reduce.${op}:${kr}:${rr}`,
      inputs: { x: { data: x.data } },
      params,
      body: (read) => {
        let src = kr > 0 ? decode('i', 'k', 'kd', kr) : '';
        const base = kr > 0 ? Array.from({ length: kr }, (_, d) => `k${d} * p_ks${d}`).join(' + ') : '0';
        src += `  const base = ${base};\n  let s = ${init};\n  let nanSeen = 0;\n`;
        // One loop per merged reduced dim, outermost first.
        let open = '';
        let close = '';
        let addr = 'base';
        for (let d = 0; d < rr; d++) {
          const pad = '  '.repeat(d + 1);
          open += `${pad}for (let r${d} = 0; r${d} < p_rd${d}; r${d}++) {\n`;
          close = `${pad}}\n${close}`;
          addr += ` + r${d} * p_rs${d}`;
        }
        const pad = '  '.repeat(rr + 1);
        src += `${open}${pad}const ix = ${addr};\n${pad}const v = ${read('x', 'ix')};\n${pad}${step}\n${close}`;
        src += '  if (nanSeen > 0) { return p_nan; }\n  return s;';
        return src;
      },
    },
    out,
  );
}
