import { reference } from '@cnn/backend-reference';
import { elementBound, tolerances } from '@cnn/conformance';
import * as cnn from '@cnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GpujsBackend, gpujs } from '../src/index.js';
import { LOOP_BUDGET } from '../src/runtime.js';

// Loops longer than one fragment shader invocation may run. llvmpipe (Mesa's software renderer, under
// headless-gl here) ends every loop of an invocation once 65,535 passes in all have run, silently, and
// gpu.js runs the kernel body 4 times per texel: so a GEMM with K >= 16,384 (or a reduction that long)
// summed only part of K for some output elements. The backend chunks such loops (LOOP_BUDGET); these
// cases all gave wrong values before. Compared against the reference backend (float64 accumulation) with
// the 'webgl' conformance bound, as in tiling.test.ts.

const tol = tolerances.webgl;

function expectClose(got: Float32Array, want: Float32Array, terms: number, what: string) {
  expect(got.length, what).toBe(want.length);
  const scale = want.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const bound = elementBound(tol, want[i]!, scale, terms);
    const ratio = Math.abs(got[i]! - want[i]!) / bound;
    if (!(ratio <= 1)) throw new Error(`${what}: element ${i}: ${got[i]} vs ${want[i]} (bound ${bound})`);
    worst = Math.max(worst, ratio);
  }
  return worst;
}

const random = (n: number, seed: number) => {
  const rng = new cnn.Random(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};

describe('loops past llvmpipe’s 65,535 passes per fragment (GEMM K and reductions of 16,384 and more)', () => {
  let b: GpujsBackend;
  const ref = reference();
  beforeAll(() => {
    b = gpujs();
  });
  afterAll(() => b.destroy());

  /** Runs `f` on both backends with the same host inputs, returns both results' values. */
  async function both(f: (backend: cnn.Backend) => cnn.Tensor) {
    const ours = cnn.tidy(() => cnn.keep(f(b)));
    const theirs = cnn.tidy(() => cnn.keep(f(ref)));
    const result = { got: await ours.data(), want: await theirs.data(), shape: ours.shape };
    expect(theirs.shape).toEqual(ours.shape);
    ours.dispose();
    theirs.dispose();
    return result;
  }

  it('the loop budget keeps 4 elements per texel within 65,535 passes', () => {
    expect(4 * (LOOP_BUDGET + 64)).toBeLessThanOrEqual(65_535);
  });

  const sizes: [number, number, number][] = [
    [1, 16_385, 1],
    [25, 16_384, 6],
    [25, 16_704, 6], // the bench's reproducer: [16704, 25]ᵀ · [16704, 6]
    [7, 20_000, 5],
    [4, 40_000, 3],
    [1, 70_000, 1],
    [33, 70_000, 17],
  ];
  const combos = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;
  it.each(combos)('matMul, transposeA %s, transposeB %s: K from 16,384 to 70,000', async (ta, tb) => {
    for (const [M, K, N] of sizes) {
      const av = random(M * K, 2 * K + M);
      const bv = random(K * N, 3 * K + N);
      const { got, want } = await both((backend) =>
        cnn.matMul(
          cnn.tensor(av, ta ? [K, M] : [M, K], backend),
          cnn.tensor(bv, tb ? [N, K] : [K, N], backend),
          ta,
          tb,
        ),
      );
      expectClose(got, want, K, `[${M}x${K}] x [${K}x${N}] ta=${ta} tb=${tb}`);
    }
    expect(b.numBuffers()).toBe(0);
  });

  it('matMul of ones: every one of K = 70,000 terms is summed exactly once', async () => {
    const y = cnn.tidy(() => cnn.matMul(cnn.ones([5, 70_000], b), cnn.ones([70_000, 6], b)));
    expect(Array.from(await y.data())).toEqual(new Array(30).fill(70_000));
    y.dispose();
  });

  it.each([
    ['valid', 64 * 24 * 24],
    ['same', 64 * 28 * 28],
  ] as const)(
    'conv2dBackpropFilter of a [64, 28, 28, 1] batch, 5x5 filter, padding %s (K = %i)',
    async (padding, K) => {
      const out = padding === 'valid' ? 24 : 28;
      const xv = random(64 * 28 * 28, 11);
      const dyv = random(64 * out * out * 6, 12);
      const { got, want, shape } = await both((backend) =>
        cnn.conv2dBackpropFilter(
          cnn.tensor(xv, [64, 28, 28, 1], backend),
          cnn.tensor(dyv, [64, out, out, 6], backend),
          [5, 5, 1, 6],
          { padding },
        ),
      );
      expect(shape).toEqual([5, 5, 1, 6]);
      expectClose(got, want, K, `dW, padding ${padding}`);
    },
  );

  it('reductions: a sum to a scalar, the conv bias gradient (sum over N, H, W), mean, max, min', async () => {
    const xv = random(70_000, 13);
    const dyv = random(64 * 24 * 24 * 6, 14);
    const cases: [string, (backend: cnn.Backend) => cnn.Tensor, number][] = [
      ['sum', (k) => cnn.sum(cnn.tensor(xv, [70_000], k)), 70_000],
      ['mean', (k) => cnn.mean(cnn.tensor(xv, [280, 250], k)), 70_000],
      ['max', (k) => cnn.max(cnn.tensor(xv, [70_000], k)), 1],
      ['min', (k) => cnn.min(cnn.tensor(xv, [70_000], k)), 1],
      ['bias gradient', (k) => cnn.sum(cnn.tensor(dyv, [64, 24, 24, 6], k), [0, 1, 2]), 64 * 24 * 24],
      // Reduced dims on both sides of a kept one, the inner one longer than the budget: two passes.
      ['sum over axes 0 and 2', (k) => cnn.sum(cnn.tensor(xv, [2, 2, 17_500], k), [0, 2]), 35_000],
      ['max over axes 0 and 2', (k) => cnn.max(cnn.tensor(xv, [2, 2, 17_500], k), [0, 2]), 1],
    ];
    for (const [what, f, terms] of cases) {
      const { got, want } = await both(f);
      expectClose(got, want, terms, what);
    }
    const ones = cnn.tidy(() => cnn.sum(cnn.ones([300, 300], b)));
    expect(await ones.data()).toEqual(Float32Array.of(90_000));
    ones.dispose();
    expect(b.numBuffers()).toBe(0);
  });

  it('a pooling window longer than the loop budget is refused, not cut short', () => {
    const x = cnn.zeros([1, 130, 130, 1], b);
    expect(() => cnn.maxPool2d(x, { kernel: 130 })).toThrow(/loop passes per output element/);
    x.dispose();
  });
});
