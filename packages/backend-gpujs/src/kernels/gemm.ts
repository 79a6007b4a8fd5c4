/**
 * GEMM, the heart of the backend: `matMul`, and (through kernels/conv2d.ts) every convolution.
 *
 * One strided, batched kernel serves every product: output element (b, m, n) is
 * `Σ_k A[aBatch(b) + m·sAm + k·sAk] · B[bBatch(b) + k·sBk + n·sBn]`, so transposes are strides (no copy),
 * broadcast batch dims are stride 0, and a convolution's filter groups are a batch dim whose output lands
 * between the pixel and the channel (`layout: 'mbn'`: out = [M, batch, N], the NHWC order of a grouped
 * convolution's output) instead of in front (`'bmn'`, matMul's [batch, M, N]).
 *
 * Tiling. The output is produced page by page (runtime.ts): an output page covers a band of rows, so
 * it reads only a band of A (and, for a batched product, a band of B): the kernel binds just the pages of
 * A and B that its output page touches. When those still exceed the texture units one draw call may bind
 * (operands far larger than MAX_TEXTURE_SIZE² elements), K is split into chunks: each chunk's kernel adds
 * its partial dot products to the previous chunk's output page (`prev`), so the chunks accumulate on the
 * GPU in K order, exactly as one long loop would. And when even a single k of an output page reads more
 * pages than that (a wide band of A, e.g. K much larger than N on tiny pages), the page is computed in
 * halves, recursively, and the halves joined. Nothing is ever rejected for its size. K is chunked the same
 * way when it is longer than the loop budget of one shader invocation (`LOOP_BUDGET`, runtime.ts: llvmpipe
 * silently ends a fragment's loops after 65,535 passes in all, which cut GEMMs with K >= 16,384 short).
 */

import type { KernelTensor, Shape } from '@cnn/core';
import type { GpuData, KernelSpec, Runtime } from '../runtime.js';
import { sizeOf } from '../shape.js';
import { decode, listParams } from '../source.js';

/** One strided batched matrix product. */
export interface GemmPlan {
  a: GpuData;
  b: GpuData;
  layout: 'bmn' | 'mbn';
  M: number;
  N: number;
  K: number;
  /** Batch dims (row-major), their product is the batch count. */
  batch: readonly number[];
  aBatchStrides: readonly number[];
  bBatchStrides: readonly number[];
  sAm: number;
  sAk: number;
  sBk: number;
  sBn: number;
}

/** [min, max] over the batch indices [b0, b1] of Σ coord·stride (strides >= 0). */
function batchOffsetRange(batch: readonly number[], strides: readonly number[], b0: number, b1: number) {
  if (batch.length === 0) return [0, 0] as const;
  const offset = (b: number) => {
    let s = 0;
    for (let d = batch.length - 1; d >= 0; d--) {
      s += (b % batch[d]!) * strides[d]!;
      b = Math.floor(b / batch[d]!);
    }
    return s;
  };
  if (b1 - b0 > 4096) {
    // Too many to visit: the whole range (every coordinate at 0 and at its largest).
    return [0, batch.reduce((s, d, i) => s + (d - 1) * strides[i]!, 0)] as const;
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (let b = b0; b <= b1; b++) {
    const o = offset(b);
    lo = Math.min(lo, o);
    hi = Math.max(hi, o);
  }
  return [lo, hi] as const;
}

/** The (batch, m, n) index ranges an output range [o0, o1) covers (conservative, as a box). */
function outputBox(plan: GemmPlan, o0: number, o1: number) {
  const Bt = sizeOf(plan.batch);
  const dims = plan.layout === 'bmn' ? [Bt, plan.M, plan.N] : [plan.M, Bt, plan.N];
  const coords = (o: number) => [
    Math.floor(o / (dims[1]! * dims[2]!)),
    Math.floor(o / dims[2]!) % dims[1]!,
    o % dims[2]!,
  ];
  const first = coords(o0);
  const last = coords(o1 - 1);
  const lo = [first[0]!, 0, 0];
  const hi = [last[0]!, dims[1]! - 1, dims[2]! - 1];
  if (first[0] === last[0]) {
    lo[1] = first[1]!;
    hi[1] = last[1]!;
    if (first[1] === last[1]) {
      lo[2] = first[2]!;
      hi[2] = last[2]!;
    }
  }
  const [bi, mi] = plan.layout === 'bmn' ? [0, 1] : [1, 0];
  return { b: [lo[bi]!, hi[bi]!], m: [lo[mi]!, hi[mi]!], n: [lo[2]!, hi[2]!] } as const;
}

/** The elements of A and B that output range [o0, o1) reads for k in [k0, k1). */
function touched(plan: GemmPlan, o0: number, o1: number, k0: number, k1: number) {
  const box = outputBox(plan, o0, o1);
  const [aLo, aHi] = batchOffsetRange(plan.batch, plan.aBatchStrides, box.b[0], box.b[1]);
  const [bLo, bHi] = batchOffsetRange(plan.batch, plan.bBatchStrides, box.b[0], box.b[1]);
  return {
    a: [aLo + box.m[0] * plan.sAm + k0 * plan.sAk, aHi + box.m[1] * plan.sAm + (k1 - 1) * plan.sAk] as const,
    b: [bLo + box.n[0] * plan.sBn + k0 * plan.sBk, bHi + box.n[1] * plan.sBn + (k1 - 1) * plan.sBk] as const,
  };
}

/** The kernel for one K chunk [k0, k0 + kn) of one output page; `prev` holds the earlier chunks' sum. */
function chunkSpec(plan: GemmPlan, k0: number, kn: number, prev: GpuData | null): KernelSpec {
  const nb = plan.batch.length;
  const Bt = sizeOf(plan.batch);
  const inputs: KernelSpec['inputs'] = {
    a: { data: plan.a, touched: (o0, o1) => touched(plan, o0, o1, k0, k0 + kn).a },
    b: { data: plan.b, touched: (o0, o1) => touched(plan, o0, o1, k0, k0 + kn).b },
    ...(prev ? { prev: { data: prev } } : {}),
  };
  const params: Record<string, number> = {
    M: plan.M,
    N: plan.N,
    Bt,
    k0,
    kn,
    sAm: plan.sAm,
    sAk: plan.sAk,
    sBk: plan.sBk,
    sBn: plan.sBn,
    ...listParams('bd', plan.batch),
    ...listParams('abs', plan.aBatchStrides),
    ...listParams('bbs', plan.bBatchStrides),
  };
  return {
    key: `gemm:${plan.layout}:${nb}:${prev ? 'acc' : 'first'}`,
    inputs,
    params,
    // One pass per k plus the exit test: kept within LOOP_BUDGET (llvmpipe's per-fragment loop cap) by
    // runAccumulated, which cuts a longer K into chunks that add up on the GPU.
    loops: kn + 1,
    body: (read) => {
      // (batch, m, n) of output element i.
      let src = '  const q1 = idiv_(i, p_N);\n  const n = i - q1 * p_N;\n';
      src +=
        plan.layout === 'bmn'
          ? '  const bt = idiv_(q1, p_M);\n  const m = q1 - bt * p_M;\n'
          : '  const m = idiv_(q1, p_Bt);\n  const bt = q1 - m * p_Bt;\n';
      // Batch offsets of A and B: the batch index split over the batch dims, dotted with each one's strides.
      if (nb === 0) src += '  const aOff = 0;\n  const bOff = 0;\n';
      else if (nb === 1) src += '  const aOff = bt * p_abs0;\n  const bOff = bt * p_bbs0;\n';
      else {
        src += decode('bt', 'bc', 'bd', nb);
        const dot = (s: string) => Array.from({ length: nb }, (_, d) => `bc${d} * p_${s}${d}`).join(' + ');
        src += `  const aOff = ${dot('abs')};\n  const bOff = ${dot('bbs')};\n`;
      }
      src += '  const aRow = aOff + m * p_sAm;\n  const bCol = bOff + n * p_sBn;\n';
      src += prev ? `  const li = i - o_base;\n  let s = ${read('prev', 'li')};\n` : '  let s = 0;\n';
      src +=
        '  for (let k = 0; k < p_kn; k++) {\n' +
        '    const kk = p_k0 + k;\n' +
        '    const ia = aRow + kk * p_sAk;\n' +
        '    const ib = bCol + kk * p_sBk;\n' +
        `    s += ${read('a', 'ia')} * ${read('b', 'ib')};\n` +
        '  }\n  return s;';
      return src;
    },
  };
}

/** Runs a GEMM plan into new storage of shape `out` (product of its dims = batch·M·N), tiled over K. */
export function gemm(rt: Runtime, plan: GemmPlan, out: Shape): GpuData {
  return rt.runAccumulated(out, plan.K, (k0, kn, prev) => chunkSpec(plan, k0, kn, prev));
}

type T = KernelTensor<GpuData>;

/**
 * Batched matMul with transpose flags: the operands' last two dims are the matrices (a transpose is a
 * swap of their strides), the leading dims broadcast numpy-style to `out`'s.
 */
export function matMul(
  rt: Runtime,
  a: T,
  b: T,
  transposeA: boolean,
  transposeB: boolean,
  out: Shape,
): GpuData {
  const rank = out.length;
  const M = out[rank - 2]!;
  const N = out[rank - 1]!;
  const ar = a.shape.length;
  const br = b.shape.length;
  const aRows = a.shape[ar - 2]!;
  const aCols = a.shape[ar - 1]!;
  const bRows = b.shape[br - 2]!;
  const bCols = b.shape[br - 1]!;
  const K = transposeA ? aRows : aCols;
  // Leading (batch) dims of the output, and each operand's stride for them (0 where it broadcasts).
  const batchDims = out.slice(0, rank - 2);
  const batchStrides = (shape: Shape, matrix: number) => {
    const lead = shape.slice(0, shape.length - 2);
    const strides = new Array<number>(batchDims.length).fill(0);
    let s = matrix;
    for (let i = lead.length - 1; i >= 0; i--) {
      const d = batchDims.length - lead.length + i;
      strides[d] = lead[i] === 1 ? 0 : s;
      s *= lead[i]!;
    }
    return strides;
  };
  const aBs = batchStrides(a.shape, aRows * aCols);
  const bBs = batchStrides(b.shape, bRows * bCols);
  // Merge batch dims that both operands step through alike (fewer uniforms, fewer kernel variants).
  const dims: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  batchDims.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && as[last] === aBs[i]! * d && bs[last] === bBs[i]! * d) {
      dims[last] = dims[last]! * d;
      as[last] = aBs[i]!;
      bs[last] = bBs[i]!;
    } else {
      dims.push(d);
      as.push(aBs[i]!);
      bs.push(bBs[i]!);
    }
  });
  return gemm(
    rt,
    {
      a: a.data,
      b: b.data,
      layout: 'bmn',
      M,
      N,
      K,
      batch: dims,
      aBatchStrides: as,
      bBatchStrides: bs,
      sAm: transposeA ? 1 : aCols,
      sAk: transposeA ? aCols : 1,
      sBk: transposeB ? 1 : bCols,
      sBn: transposeB ? bCols : 1,
    },
    out,
  );
}
