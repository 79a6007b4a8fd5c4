import type { Conv2DAttrs } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { splitGemms } from '../src/wasm.js';
import { mulberry32, randInt, randomTensor, sizeOf } from './helpers.js';

// The threaded GEMM splits C's rows (or columns) between threads; every element is still summed in the same
// order, so results must be bit-identical for every thread count. `minWorkPerThread: 0` makes every GEMM
// split, small ones included. (Its correctness against references is the conformance suite's job: it runs
// `cpu, 3 threads` too.)
const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('threads', () => {
  const backends = [1, 2, 3, 4].map((threads) => cpu({ threads, minWorkPerThread: 0 }));

  it('boot, and report their count', async () => {
    await Promise.all(backends.map((b) => b.whenThreadsReady()));
    expect(backends.map((b) => b.threads)).toEqual([1, 2, 3, 4]);
  });

  it('matMul is bit-identical for 1 to 4 threads (tall, wide, transposed, tiny)', () => {
    const rng = mulberry32(7);
    const shapes: [number, number, number][] = [
      [300, 70, 40],
      [5, 600, 33],
      [1, 1, 1],
      [64, 400, 120],
      [257, 9, 513],
    ];
    for (let round = 0; round < 6; round++)
      shapes.push([randInt(rng, 1, 200), randInt(rng, 1, 200), randInt(rng, 1, 300)]);
    for (const [m, n, k] of shapes) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
      ] as const) {
        const a = randomTensor(rng, ta ? [k, m] : [m, k]);
        const b = randomTensor(rng, tb ? [n, k] : [k, n]);
        const before = splitGemms();
        const outs = backends.map((be) => be.matMul(a, b, ta, tb, [m, n]));
        if (m * n > 32) expect(splitGemms(), 'the threaded path ran').toBeGreaterThan(before);
        for (const out of outs.slice(1))
          expect(sameBits(out, outs[0]!), `${m}x${n}x${k} ta=${ta} tb=${tb}`).toBe(true);
      }
    }
  });

  it('conv2d and both backprops are bit-identical for 1 to 4 threads', () => {
    const rng = mulberry32(11);
    const cases: { x: number[]; k: number[]; attrs: Conv2DAttrs }[] = [
      {
        x: [8, 12, 12, 6],
        k: [5, 5, 6, 16],
        attrs: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 },
      },
      {
        x: [2, 9, 11, 4],
        k: [3, 3, 2, 6],
        attrs: { strides: [2, 1], pads: [1, 1, 2, 0], dilations: [1, 2], groups: 2 },
      },
      // one image: fewer images than threads, so dx's GEMMs are split instead of its images
      {
        x: [1, 20, 20, 8],
        k: [3, 3, 8, 4],
        attrs: { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 },
      },
      // X_col in several blocks, dW's pixel sum in several parts
      {
        x: [3, 40, 40, 2],
        k: [3, 3, 2, 3],
        attrs: { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 },
      },
      {
        x: [4, 7, 7, 8],
        k: [1, 1, 8, 5],
        attrs: { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 },
      },
    ];
    for (const { x, k, attrs } of cases) {
      const [n, h, w] = x as [number, number, number, number];
      const [kh, kw, , outC] = k as [number, number, number, number];
      const size = (len: number, kk: number, s: number, d: number, p: number) =>
        Math.floor((len + p - d * (kk - 1) - 1) / s) + 1;
      const out = [
        n,
        size(h, kh, attrs.strides[0], attrs.dilations[0], attrs.pads[0] + attrs.pads[2]),
        size(w, kw, attrs.strides[1], attrs.dilations[1], attrs.pads[1] + attrs.pads[3]),
        outC,
      ];
      const xt = randomTensor(rng, x);
      const ft = randomTensor(rng, k);
      const dy = randomTensor(rng, out);
      const before = splitGemms();
      const results = backends.map((be) => [
        be.conv2d(xt, ft, attrs, out),
        be.conv2dBackpropInput(dy, ft, attrs, x),
        be.conv2dBackpropFilter(xt, dy, attrs, k),
      ]);
      expect(sizeOf(out)).toBeGreaterThan(0);
      expect(splitGemms(), 'the threaded path ran').toBeGreaterThan(before);
      for (const r of results.slice(1))
        r.forEach((v, i) =>
          expect(sameBits(v, results[0]![i]!), `${JSON.stringify(x)} output ${i}`).toBe(true),
        );
    }
  });

  it('max pooling and its gradient are bit-identical for 1 to 4 threads (images split)', () => {
    const rng = mulberry32(11);
    for (const [x, kernel, strides, out] of [
      [
        [5, 8, 8, 6],
        [2, 2],
        [2, 2],
        [5, 4, 4, 6],
      ],
      [
        [3, 9, 7, 3],
        [3, 3],
        [3, 3],
        [3, 3, 3, 3],
      ],
    ] as [number[], [number, number], [number, number], number[]][]) {
      const attrs = { kernel, strides, pads: [0, 0, 0, 0] as const, dilations: [1, 1] as const };
      const xt = randomTensor(rng, x);
      const dy = randomTensor(rng, out);
      const before = splitGemms();
      const results = backends.map((be) => [
        be.maxPool(xt, attrs, out),
        be.maxPoolBackprop(dy, xt, attrs, x),
      ]);
      expect(splitGemms(), 'the threaded path ran').toBeGreaterThan(before);
      for (const r of results.slice(1))
        r.forEach((v, i) =>
          expect(sameBits(v, results[0]![i]!), `${JSON.stringify(x)} output ${i}`).toBe(true),
        );
    }
  });

  it('refuses bad thread options before any work', () => {
    expect(() => cpu({ threads: 0 })).toThrow(/cpu: threads must be a positive integer, got 0/);
    expect(() => cpu({ threads: 1.5 })).toThrow(/positive integer, got 1.5/);
    expect(() => cpu({ gemm: 'js', threads: 2 })).toThrow(/threads: 2 needs gemm 'wasm'/);
    expect(() => cpu({ minWorkPerThread: -1 })).toThrow(/minWorkPerThread must be a number >= 0, got -1/);
    expect(cpu({ gemm: 'js' }).threads).toBe(1);
  });
});
