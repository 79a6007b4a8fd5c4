import { reference } from '@cnn/backend-reference';
import { elementBound, tolerances } from '@cnn/conformance';
import { describeBackend } from '@cnn/conformance/vitest';
import * as cnn from '@cnn/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type GpujsBackend, gpujs } from '../src/index.js';

// Texture limits set low on purpose: matrices much larger than one texture are tiled into pages of
// 4·T·(T-1) elements, and GEMM binds only the pages each output page touches (splitting K when even that
// is too many). Compared against plain float64 JavaScript with the 'webgl' conformance bound.

const tol = tolerances.webgl;

/** y[b][m][n] = Σ_k a[b][m][k]·b[b][k][n] in float64 (a and b already transposed as asked). */
function jsMatMul(
  a: Float32Array,
  b: Float32Array,
  M: number,
  K: number,
  N: number,
  ta: boolean,
  tb: boolean,
  batch = 1,
) {
  const y = new Float64Array(batch * M * N);
  for (let p = 0; p < batch; p++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = ta ? a[p * M * K + k * M + m]! : a[p * M * K + m * K + k]!;
          const bv = tb ? b[p * K * N + n * K + k]! : b[p * K * N + k * N + n]!;
          s += av * bv;
        }
        y[(p * M + m) * N + n] = s;
      }
  return y;
}

function expectClose(got: Float32Array, want: Float64Array, terms: number) {
  expect(got.length).toBe(want.length);
  const scale = want.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const bound = elementBound(tol, want[i]!, scale, terms);
    const ratio = Math.abs(got[i]! - want[i]!) / bound;
    if (!(ratio <= 1)) throw new Error(`element ${i}: ${got[i]} vs ${want[i]} (bound ${bound})`);
    worst = Math.max(worst, ratio);
  }
  return worst;
}

const random = (n: number, seed: number) => {
  const rng = new cnn.Random(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};

describe('tiling past the texture size limit', () => {
  const made: GpujsBackend[] = [];
  const make = (options: Parameters<typeof gpujs>[0]) => {
    const b = gpujs(options);
    made.push(b);
    cnn.setBackend(b);
    return b;
  };
  afterAll(() => made.forEach((b) => b.destroy()));

  it('maxTextureSize 64: a 300x100 by 100x200 GEMM over several pages per operand', () => {
    const b = make({ maxTextureSize: 64 });
    expect(b.info.maxTextureSizeInUse).toBe(64);
    expect(b.info.pageElements).toBe(4 * 64 * 63);
    const [M, K, N] = [300, 100, 200];
    const av = random(M * K, 1);
    const bv = random(K * N, 2);
    const y = cnn.tidy(() => cnn.matMul(cnn.tensor(av, [M, K]), cnn.tensor(bv, [K, N])));
    // Every operand spans more than one texture page: 30,000, 20,000 and 60,000 elements vs 16,128.
    expect(y.size).toBeGreaterThan(3 * b.info.pageElements);
    expectClose(y.dataSync(), jsMatMul(av, bv, M, K, N, false, false), K);
    y.dispose();
    expect(b.numBuffers()).toBe(0);
    expect(b.stats().liveTextures).toBe(0);
  });

  it.each([
    [6, 70, 90, 50],
    [4, 40, 90, 20],
  ])(
    'maxTextureSize 16 and %i texture units: K chunks accumulate on the GPU, wide bands split (%ix%i by %i)',
    (units, M, K, N) => {
      const b = make({ maxTextureSize: 16, maxTextureUnits: units });
      expect(b.info.pageElements).toBe(4 * 16 * 15);
      const av = random(M * K, 3);
      const bv = random(K * N, 4);
      const before = b.stats().kernelCalls;
      const y = cnn.tidy(() => cnn.matMul(cnn.tensor(av, [M, K]), cnn.tensor(bv, [K, N])));
      const outPages = Math.ceil((M * N) / b.info.pageElements);
      const uploads = Math.ceil((M * K) / b.info.pageElements) + Math.ceil((K * N) / b.info.pageElements);
      // More GEMM calls than output pages: the K chunks (and with 4 units, halves of pages and their joins).
      expect(b.stats().kernelCalls - before - uploads).toBeGreaterThan(outPages);
      expectClose(y.dataSync(), jsMatMul(av, bv, M, K, N, false, false), K);
      y.dispose();
    },
  );

  it('transposed and batched (broadcast batch dims) products on small pages', () => {
    make({ maxTextureSize: 16, maxTextureUnits: 6 });
    const [B, M, K, N] = [3, 40, 33, 27];
    const av = random(B * M * K, 5);
    const bv = random(K * N, 6);
    // a: [B, K, M] used transposed; b: [K, N] broadcast over the batch, used as is.
    const y = cnn.tidy(() => cnn.matMul(cnn.tensor(av, [B, K, M]), cnn.tensor(bv, [1, N, K]), true, true));
    const bTiled = new Float32Array(B * K * N);
    for (let p = 0; p < B; p++) bTiled.set(bv, p * K * N);
    expect(y.shape).toEqual([B, M, N]);
    expectClose(y.dataSync(), jsMatMul(av, bTiled, M, K, N, true, true, B), K);
    y.dispose();
  });

  it('maxTextureSize 16 and 4 units: concat, slice, transpose, broadcasting and reductions on paged tensors', async () => {
    const b = make({ maxTextureSize: 16, maxTextureUnits: 4 });
    const ref = reference();
    const av = random(50 * 40, 9);
    const bv = random(30 * 40, 10);
    const run = (backend: cnn.Backend) =>
      cnn.tidy(() => {
        const a = cnn.tensor(av, [50, 40], backend);
        const c = cnn.tensor(bv, [30, 40], backend);
        // 2,000 and 1,200 elements in pages of 960: concat binds only the pages each output page reads.
        const joined = cnn.concat([a, c, a], 0);
        const middle = cnn.slice(joined, [10, 0], [100, 40]);
        const scaled = cnn.mul(middle, cnn.slice(a, [0, 0], [1, 40]));
        return [joined, middle, scaled, cnn.transpose(a), cnn.sum(scaled, 0)].map((t) => cnn.keep(t));
      });
    const ours = run(b);
    const theirs = run(ref);
    for (let t = 0; t < ours.length; t++) {
      expectClose(await ours[t]!.data(), Float64Array.from(await theirs[t]!.data()), 100);
    }
    [...ours, ...theirs].forEach((t) => t.dispose());
    expect(b.numBuffers()).toBe(0);
  });

  it('maxTextureSize 64: conv2d and both backprops on paged tensors match the reference backend', async () => {
    const b = make({ maxTextureSize: 64 });
    const ref = reference();
    const xv = random(2 * 30 * 30 * 8, 7);
    const wv = random(3 * 3 * 4 * 6, 8);
    const run = (backend: cnn.Backend) =>
      cnn.tidy(() => {
        const x = cnn.tensor(xv, [2, 30, 30, 8], backend);
        const w = cnn.tensor(wv, [3, 3, 4, 6], backend);
        const loss = (x: cnn.Tensor, w: cnn.Tensor) =>
          cnn.sum(cnn.square(cnn.conv2d(x, w, { strides: 1, padding: 1, groups: 2 })));
        const { value, grads } = cnn.valueAndGrads(loss, [x, w]);
        return [value, grads[0]!, grads[1]!].map((t) => cnn.keep(t));
      });
    const ours = run(b);
    const theirs = run(ref);
    // The im2col matrix (2·30·30 pixels × 2 groups × 36 taps = 129,600 values) spans 9 pages.
    for (let t = 0; t < 3; t++) {
      const got = await ours[t]!.data();
      const want = Float64Array.from(await theirs[t]!.data());
      expectClose(got, want, xv.length + wv.length);
    }
    [...ours, ...theirs].forEach((t) => t.dispose());
    expect(b.numBuffers()).toBe(0);
  });
});

// The conformance suite's whole-network cases (LeNet-5, ResNet, Inception and DenseNet blocks: forward and
// gradients) on texture pages of 960 elements and 4 textures per draw call: every kernel family tiled.
// (The whole suite passes this way too, 555 cases, and with pages of 224 elements: about 2-3 minutes each.)
describeBackend(
  'gpujs, pages of 960 elements, 4 texture units',
  () => gpujs({ maxTextureSize: 16, maxTextureUnits: 4 }),
  {
    tolerance: 'webgl',
    reference,
    filter: 'network',
  },
);
