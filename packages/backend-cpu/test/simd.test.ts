/**
 * The WebAssembly SIMD kernels against the TypeScript ones, bit for bit: both paths run the same inputs,
 * edge values included (NaN, ±0, ±Infinity, ties), and every output float must have the same bits (NaN:
 * any NaN). The conformance suite checks each path against the external references; this pins them to
 * each other where the SIMD code must reproduce the TypeScript loop's semantics exactly.
 */
import type { Activation, BinaryOp, Conv2DAttrs, Pool2DAttrs, Shape, UnaryOp } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { mulberry32, type Rng, sizeOf } from './helpers.js';

const simd = cpu({ gemm: 'wasm', threads: 1 });
const scalar = cpu({ gemm: 'js' });

const EDGES = [Number.NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5];

/** Random values from a few levels (so maxima tie), with edge values sprinkled in. */
function values(rng: Rng, n: number, edges = true): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng();
    v[i] = edges && r < 0.08 ? EDGES[Math.floor(rng() * EDGES.length)] : Math.round((rng() - 0.5) * 8) / 4;
  }
  return v;
}

const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

function expectSameBits(actual: Float32Array, expected: Float32Array, what: string) {
  expect(actual.length, what).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === e[i] || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) continue;
    throw new Error(
      `${what}: element ${i} is ${show(actual[i])} (SIMD) vs ${show(expected[i])} (TypeScript)`,
    );
  }
}

const t = (data: Float32Array, shape: Shape) => ({ data, shape });

describe('SIMD kernels match the TypeScript kernels bit for bit', () => {
  const rng = mulberry32(2026);

  it('relu and its gradient (lengths around the vector width)', () => {
    const relu: Activation = { kind: 'relu' };
    for (const n of [1, 3, 4, 5, 8, 1001]) {
      const x = t(values(rng, n), [n]);
      const dy = t(values(rng, n), [n]);
      expectSameBits(simd.activation(x, relu, [n]), scalar.activation(x, relu, [n]), `relu n=${n}`);
      expectSameBits(
        simd.activationGrad(x, dy, relu, [n]),
        scalar.activationGrad(x, dy, relu, [n]),
        `reluGrad n=${n}`,
      );
    }
  });

  it('binary ops: same shapes, scalars, per-channel vectors and column broadcasts', () => {
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
    const cases: [Shape, Shape][] = [
      [[7], [7]],
      [
        [2, 3, 5],
        [2, 3, 5],
      ],
      [[4, 6], []],
      [[], [4, 6]],
      [[2, 5, 5, 6], [6]],
      [[6], [3, 4, 6]],
      [
        [9, 1],
        [9, 7],
      ],
      [
        [9, 7],
        [9, 1],
      ],
      [
        [3, 1, 5],
        [1, 4, 5],
      ], // a 3-D plan: the TypeScript path on both
    ];
    for (const op of ops) {
      for (const [sa, sb] of cases) {
        const a = t(values(rng, sizeOf(sa)), sa);
        const b = t(values(rng, sizeOf(sb)), sb);
        const out = broadcast(sa, sb);
        expectSameBits(simd.binary(op, a, b, out), scalar.binary(op, a, b, out), `${op} [${sa}] [${sb}]`);
      }
    }
  });

  it('unary ops and broadcastTo', () => {
    const ops: UnaryOp[] = ['neg', 'abs', 'square', 'sqrt', 'reciprocal', 'exp'];
    for (const op of ops) {
      for (const n of [1, 6, 1003]) {
        const x = t(values(rng, n), [n]);
        expectSameBits(simd.unary(op, x, [n]), scalar.unary(op, x, [n]), `${op} n=${n}`);
      }
    }
    const cases: [Shape, Shape][] = [
      [[6], [2, 5, 5, 6]],
      [
        [1, 1, 1, 7],
        [3, 4, 2, 7],
      ],
      [
        [5, 1],
        [5, 9],
      ],
      [[], [4, 3]],
      [
        [2, 1, 3],
        [2, 4, 3],
      ],
    ];
    for (const [from, to] of cases) {
      const x = t(values(rng, sizeOf(from)), from);
      expectSameBits(simd.broadcastTo(x, to), scalar.broadcastTo(x, to), `broadcastTo [${from}] -> [${to}]`);
    }
  });

  it('batch norm (float64 per element)', () => {
    for (const shape of [
      [2, 3, 3, 6],
      [5, 1],
      [4, 9],
    ] as Shape[]) {
      const C = shape[shape.length - 1];
      const x = t(values(rng, sizeOf(shape)), shape);
      const stat = (lo: number) =>
        t(
          values(rng, C, false).map((v) => v + lo),
          [C],
        );
      const args = [x, stat(0), stat(3), stat(0), stat(0)] as const;
      expectSameBits(
        simd.batchNorm(...args, 1e-5, shape),
        scalar.batchNorm(...args, 1e-5, shape),
        `batchNorm [${shape}]`,
      );
    }
  });

  it('training batch norm: statistics, gradient sums and dx (float64)', () => {
    // odd and even channel counts: the kernels run two channels per vector and a scalar tail
    for (const shape of [
      [2, 3, 3, 6],
      [5, 1],
      [4, 9],
      [3, 7, 5],
    ] as Shape[]) {
      const C = shape[shape.length - 1];
      const x = t(values(rng, sizeOf(shape)), shape);
      const dy = t(values(rng, sizeOf(shape)), shape);
      const vector = (lo: number, edges = false) =>
        t(
          values(rng, C, edges).map((v) => v + lo),
          [C],
        );
      const what = `[${shape}]`;
      expectSameBits(simd.moments(x, [2, C]), scalar.moments(x, [2, C]), `moments ${what}`);
      const mean = vector(0, true);
      expectSameBits(
        simd.batchNormGradSums(x, dy, mean, [2, C]),
        scalar.batchNormGradSums(x, dy, mean, [2, C]),
        `batchNormGradSums ${what}`,
      );
      const sums = t(values(rng, 2 * C), [2, C]);
      const args = [x, dy, mean, vector(3), vector(0), sums] as const;
      expectSameBits(
        simd.batchNormBackprop(...args, 1e-5, shape),
        scalar.batchNormBackprop(...args, 1e-5, shape),
        `batchNormBackprop ${what}`,
      );
    }
  });

  it('sums and means of leading rows (bias gradients, batch statistics) and other reductions', () => {
    const cases: [Shape, number[]][] = [
      [[64, 6], [0]],
      [
        [2, 5, 5, 7],
        [0, 1, 2],
      ],
      [[3, 4, 5], [0]],
      [[3, 4, 5], [2]],
      [
        [3, 4, 5],
        [0, 2],
      ],
    ];
    for (const [shape, axes] of cases) {
      // large values, so the float64 sum's single rounding shows against a float32 running sum
      const x = t(
        values(rng, sizeOf(shape), false).map((v) => v * 1e7 + 0.3),
        shape,
      );
      const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      expectSameBits(
        simd.reduce('sum', x, axes, out),
        scalar.reduce('sum', x, axes, out),
        `sum [${shape}] ${axes}`,
      );
    }
  });

  it('max pooling and its gradient: pads, dilations, windows past the edge, 1 to 9 channels', () => {
    const cases: { x: Shape; attrs: Pool2DAttrs; out: Shape }[] = [];
    for (const C of [1, 4, 6, 9]) {
      cases.push(
        { x: [2, 6, 6, C], attrs: pool([2, 2], [2, 2], [0, 0, 0, 0], [1, 1]), out: [2, 3, 3, C] },
        { x: [1, 7, 5, C], attrs: pool([3, 3], [3, 3], [1, 1, 1, 1], [1, 1]), out: [1, 3, 2, C] },
        { x: [1, 9, 9, C], attrs: pool([2, 2], [4, 4], [0, 0, 0, 0], [3, 3]), out: [1, 2, 2, C] },
        // ceil-mode windows that run past the input: the last column's window has one real tap
        { x: [1, 5, 5, C], attrs: pool([2, 2], [2, 2], [0, 0, 0, 0], [1, 1]), out: [1, 3, 3, C] },
        // overlapping windows (stride < kernel): the forward on SIMD, the gradient's float64 sums in TS
        { x: [1, 6, 6, C], attrs: pool([3, 3], [2, 2], [1, 1, 1, 1], [1, 1]), out: [1, 3, 3, C] },
      );
    }
    for (const { x: shape, attrs, out } of cases) {
      const x = t(values(rng, sizeOf(shape)), shape);
      const dy = t(values(rng, sizeOf(out), false), out);
      const what = `[${shape}] kernel ${attrs.kernel} stride ${attrs.strides} dilation ${attrs.dilations}`;
      expectSameBits(simd.maxPool(x, attrs, out), scalar.maxPool(x, attrs, out), `maxPool ${what}`);
      expectSameBits(
        simd.maxPoolBackprop(dy, x, attrs, shape),
        scalar.maxPoolBackprop(dy, x, attrs, shape),
        `maxPoolBackprop ${what}`,
      );
    }
  });
});

function pool(
  kernel: [number, number],
  strides: [number, number],
  pads: [number, number, number, number],
  dilations: [number, number],
): Pool2DAttrs {
  return { kernel, strides, pads, dilations };
}

function broadcast(a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    out.push(Math.max(da, db));
  }
  return out;
}

describe('the direct convolution', () => {
  it('gives the im2col path bit for bit (padding, strides, dilations, 1 to 4 channels, 1 to 20 filters)', async () => {
    const { directConv } = await import('../src/kernels/conv2d.js');
    const rng = mulberry32(5);
    const cases: { x: Shape; k: Shape; attrs: Conv2DAttrs }[] = [
      { x: [3, 28, 28, 1], k: [5, 5, 1, 6], attrs: convAttrs([1, 1], [2, 2, 2, 2], [1, 1]) },
      { x: [2, 13, 11, 3], k: [3, 3, 3, 20], attrs: convAttrs([2, 1], [1, 0, 1, 2], [1, 1]) },
      { x: [1, 17, 19, 4], k: [3, 2, 4, 9], attrs: convAttrs([1, 3], [0, 1, 2, 1], [2, 2]) },
      { x: [2, 6, 30, 2], k: [1, 7, 2, 8], attrs: convAttrs([1, 1], [0, 3, 0, 3], [1, 1]) },
    ];
    for (const { x: xShape, k, attrs } of cases) {
      const out = convOut(xShape, k, attrs);
      const x = t(values(rng, sizeOf(xShape), false), xShape);
      const f = t(values(rng, sizeOf(k), false), k);
      const direct = simd.conv2d(x, f, attrs, out);
      const saved = directConv.maxChannels;
      directConv.maxChannels = 0;
      try {
        expectSameBits(direct, simd.conv2d(x, f, attrs, out), `conv2d [${xShape}] * [${k}]`);
      } finally {
        directConv.maxChannels = saved;
      }
    }
  });
});

describe('the direct dx (few input channels)', () => {
  it('gives the im2col path bit for bit (padding, strides, height dilation, NaN and infinite dy)', async () => {
    const { directConv } = await import('../src/kernels/conv2d.js');
    const rng = mulberry32(7);
    const cases: { x: Shape; k: Shape; attrs: Conv2DAttrs }[] = [
      { x: [3, 28, 28, 1], k: [5, 5, 1, 6], attrs: convAttrs([1, 1], [0, 0, 0, 0], [1, 1]) },
      { x: [2, 28, 28, 1], k: [5, 5, 1, 6], attrs: convAttrs([1, 1], [2, 2, 2, 2], [1, 1]) },
      { x: [2, 13, 11, 3], k: [3, 3, 3, 20], attrs: convAttrs([2, 1], [1, 0, 1, 2], [1, 1]) },
      { x: [1, 17, 19, 4], k: [3, 2, 4, 9], attrs: convAttrs([1, 3], [0, 1, 2, 1], [2, 1]) },
      { x: [2, 6, 30, 2], k: [1, 7, 2, 8], attrs: convAttrs([1, 2], [0, 3, 0, 3], [1, 1]) },
    ];
    for (const { x: xShape, k, attrs } of cases) {
      const out = convOut(xShape, k, attrs);
      const dy = t(values(rng, sizeOf(out)), out);
      const f = t(values(rng, sizeOf(k), false), k);
      const direct = simd.conv2dBackpropInput(dy, f, attrs, xShape);
      const saved = directConv.maxChannels;
      directConv.maxChannels = 0;
      try {
        expectSameBits(
          direct,
          simd.conv2dBackpropInput(dy, f, attrs, xShape),
          `conv2dBackpropInput [${out}] * [${k}]`,
        );
      } finally {
        directConv.maxChannels = saved;
      }
    }
  });
});

describe('the direct dW (few input channels)', () => {
  it('agrees with the float64 TypeScript kernel within float32 accumulation error', () => {
    const rng = mulberry32(9);
    const cases: { x: Shape; k: Shape; attrs: Conv2DAttrs }[] = [
      { x: [4, 28, 28, 1], k: [5, 5, 1, 6], attrs: convAttrs([1, 1], [2, 2, 2, 2], [1, 1]) },
      { x: [3, 28, 28, 1], k: [3, 3, 1, 32], attrs: convAttrs([1, 1], [1, 1, 1, 1], [1, 1]) },
      { x: [2, 13, 11, 3], k: [3, 3, 3, 20], attrs: convAttrs([2, 1], [1, 0, 1, 2], [1, 1]) },
      { x: [1, 17, 19, 4], k: [3, 2, 4, 9], attrs: convAttrs([1, 3], [0, 1, 2, 1], [2, 1]) },
      { x: [2, 6, 30, 2], k: [1, 7, 2, 5], attrs: convAttrs([1, 2], [0, 3, 0, 3], [1, 1]) },
    ];
    const abs = (v: Float32Array) => v.map(Math.abs);
    for (const { x: xShape, k, attrs } of cases) {
      const out = convOut(xShape, k, attrs);
      const x = t(values(rng, sizeOf(xShape), false), xShape);
      const dy = t(values(rng, sizeOf(out), false), out);
      const got = simd.conv2dBackpropFilter(x, dy, attrs, k);
      const want = scalar.conv2dBackpropFilter(x, dy, attrs, k);
      // Σ |x·dy| per weight: what float32 rounding can be proportional to
      const magnitude = scalar.conv2dBackpropFilter(t(abs(x.data), xShape), t(abs(dy.data), out), attrs, k);
      for (let i = 0; i < want.length; i++) {
        const bound = 1e-5 * magnitude[i] + 1e-30;
        if (!(Math.abs(got[i] - want[i]) <= bound))
          throw new Error(`dW [${xShape}] * [${k}]: weight ${i} is ${got[i]}, float64 gives ${want[i]}`);
      }
    }
  });
});

function convAttrs(
  strides: [number, number],
  pads: [number, number, number, number],
  dilations: [number, number],
): Conv2DAttrs {
  return { strides, pads, dilations, groups: 1 };
}

function convOut(x: Shape, k: Shape, a: Conv2DAttrs): Shape {
  const size = (len: number, kk: number, s: number, d: number, p: number) =>
    Math.floor((len + p - d * (kk - 1) - 1) / s) + 1;
  return [
    x[0],
    size(x[1], k[0], a.strides[0], a.dilations[0], a.pads[0] + a.pads[2]),
    size(x[2], k[1], a.strides[1], a.dilations[1], a.pads[1] + a.pads[3]),
    k[3],
  ];
}

describe('tensors resident in the SIMD module memory', () => {
  it('kernel outputs and uploads are read in place, and a disposed block is reused', async () => {
    const { wasmHeap } = await import('../src/wasm.js');
    if (!wasmHeap().resident) return; // a memory that is not shared cannot hold tensors (a browser without isolation)
    const backend = cpu({ threads: 1 });
    const x = backend.upload(new Float32Array([1, -2, 3, -4, 5]), [5]);
    const y = backend.activation({ data: x, shape: [5] }, { kind: 'relu' }, [5]);
    expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(backend.readSync!(y))).toEqual([1, 0, 3, 0, 5]);
    const at = y.byteOffset;
    backend.dispose(y);
    const z = backend.activation({ data: x, shape: [5] }, { kind: 'relu' }, [5]);
    expect(z.byteOffset, 'the freed block is reused').toBe(at);
    // read gives a copy the backend never touches again
    const copy = backend.readSync!(z);
    expect(copy.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    backend.dispose(z);
    backend.dispose(x);
    expect(backend.numBuffers()).toBe(0);
  });
});

describe('the module memory', () => {
  it('reuses a freed block up to twice as large, and gives empty tensors blocks of their own', async () => {
    const { wasmHeap } = await import('../src/wasm.js');
    if (!wasmHeap().resident) return;
    const backend = cpu({ threads: 1 });
    const big = backend.upload(new Float32Array(3000), [3000]);
    const at = big.byteOffset;
    backend.dispose(big);
    const smaller = backend.upload(new Float32Array(2000).fill(3), [2000]);
    expect(smaller.byteOffset, 'a 3,000-float block serves 2,000').toBe(at);
    expect(smaller.length).toBe(2000);
    const tooSmall = backend.upload(new Float32Array(1000), [1000]);
    backend.dispose(tooSmall);
    expect(
      backend.upload(new Float32Array(2100), [2100]).byteOffset,
      'a smaller block never serves a larger tensor',
    ).not.toBe(tooSmall.byteOffset);
    const empty = [backend.upload(new Float32Array(0), [0]), backend.upload(new Float32Array(0), [0])];
    const one = backend.upload(new Float32Array([7]), [1]);
    expect(new Set([empty[0]!.byteOffset, empty[1]!.byteOffset, one.byteOffset]).size).toBe(3);
    backend.dispose(empty[0]!);
    expect(Array.from(backend.readSync!(one))).toEqual([7]);
  });
});
