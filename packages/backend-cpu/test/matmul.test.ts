import { describe, expect, it } from 'vitest';
import { gemm as gemmOn, withGemmEngine } from '../src/gemm.js';
import { cpu } from '../src/index.js';
import {
  broadcastShape,
  expectClose,
  mulberry32,
  randInt,
  randomTensor,
  sizeOf,
  unravel,
} from './helpers.js';

/** Naive float64 reference: out[..., i, j] = sum_p A[..., i, p] * B[..., p, j], batch dims broadcast. */
function matMulRef(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  ta: boolean,
  tb: boolean,
): { data: Float64Array; shape: number[] } {
  const ar = aShape.length;
  const br = bShape.length;
  const m = ta ? aShape[ar - 1] : aShape[ar - 2];
  const k = ta ? aShape[ar - 2] : aShape[ar - 1];
  const n = tb ? bShape[br - 2] : bShape[br - 1];
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShape(aBatch, bBatch);
  const out = new Float64Array(sizeOf(batch) * m * n);
  for (let t = 0; t < sizeOf(batch); t++) {
    const idx = unravel(t, batch);
    const pick = (shape: number[]) => {
      const off = idx.length - shape.length;
      return shape.reduce((acc, d, i) => acc * d + (d === 1 ? 0 : idx[i + off]), 0);
    };
    const aOff = pick(aBatch) * m * k;
    const bOff = pick(bBatch) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = ta ? a[aOff + p * m + i] : a[aOff + i * k + p];
          const bv = tb ? b[bOff + j * k + p] : b[bOff + p * n + j];
          s += av * bv;
        }
        out[t * m * n + i * n + j] = s;
      }
    }
  }
  return { data: out, shape: [...batch, m, n] };
}

// Every case runs on both GEMM engines: the WebAssembly SIMD one and the TypeScript fallback.
describe.each(['wasm', 'js'] as const)('gemm engine %s', (engine) => {
  describe('gemm', () => {
    const gemm = (args: Parameters<typeof gemmOn>[0]) => withGemmEngine(engine, () => gemmOn(args));
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [3, 5, 7],
      [17, 3, 65],
      [65, 130, 17],
      [130, 17, 300], // depth split into two KC blocks
      [300, 260, 5], // more than one MC block and NC block
      [2, 1, 513],
    ];
    for (const [m, n, k] of sizes) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          it(`${m}x${k} · ${k}x${n} transposeA=${ta} transposeB=${tb}`, () => {
            const rng = mulberry32(m * 1000 + n * 10 + k + (ta ? 1 : 0) + (tb ? 2 : 0));
            const a = randomTensor(rng, ta ? [k, m] : [m, k]);
            const b = randomTensor(rng, tb ? [n, k] : [k, n]);
            const ref = matMulRef(a.data, [...a.shape], b.data, [...b.shape], ta, tb);
            const got = cpu({ gemm: engine }).matMul(a, b, ta, tb, [m, n]);
            expectClose(got, ref.data, 'matMul');
          });
        }
      }
    }

    it('writes into a strided window of C, accumulates, and accepts a float64 C', () => {
      const rng = mulberry32(7);
      const m = 9;
      const n = 6;
      const k = 270;
      const a = randomTensor(rng, [m, k]).data;
      const b = randomTensor(rng, [k, n]).data;
      const ref = matMulRef(a, [m, k], b, [k, n], false, false).data;
      const ldc = 10;
      const c = new Float32Array(m * ldc).fill(0.5);
      const view = (data: Float32Array, cols: number) => ({
        data,
        offset: 0,
        rowStride: cols,
        colStride: 1,
      });
      gemm({
        m,
        n,
        k,
        a: view(a, k),
        b: view(b, n),
        c: { data: c, offset: 2, rowStride: ldc, colStride: 1 },
      });
      for (let i = 0; i < m; i++) {
        expectClose(c.subarray(i * ldc + 2, i * ldc + 2 + n), ref.subarray(i * n, (i + 1) * n), 'window');
        expect(c[i * ldc]).toBe(0.5);
        expect(c[i * ldc + 9]).toBe(0.5);
      }
      const c64 = new Float64Array(m * n).fill(1);
      gemm({
        m,
        n,
        k,
        a: view(a, k),
        b: view(b, n),
        c: { data: c64, offset: 0, rowStride: n, colStride: 1 },
        accumulate: true,
      });
      expectClose(
        c64,
        ref.map((v) => v + 1),
        'accumulate',
      );
    });

    it('K = 0 gives zeros', () => {
      const got = cpu({ gemm: engine }).matMul(
        { data: new Float32Array(0), shape: [3, 0] },
        { data: new Float32Array(0), shape: [0, 2] },
        false,
        false,
        [3, 2],
      );
      expect(Array.from(got)).toEqual([0, 0, 0, 0, 0, 0]);
    });

    it.skipIf(engine === 'wasm')('the TypeScript engine accumulates in double precision', () => {
      // 1 + 1e-8 * 4096 terms: float32 running sums would lose the small terms entirely.
      const k = 4097;
      const a = new Float32Array(k).fill(1);
      const b = new Float32Array(k).fill(1e-8);
      b[0] = 1;
      const got = cpu({ gemm: engine }).matMul(
        { data: a, shape: [1, k] },
        { data: b, shape: [k, 1] },
        false,
        false,
        [1, 1],
      );
      expect(got[0]).toBe(Math.fround(1 + 4096e-8));
    });
  });

  describe('matMul batch broadcasting', () => {
    const cases: { a: number[]; b: number[] }[] = [
      { a: [2, 3, 4], b: [2, 4, 5] },
      { a: [3, 17, 9], b: [9, 4] }, // shared b: stacked into one GEMM
      { a: [5, 6], b: [4, 6, 3] }, // shared a
      { a: [2, 1, 3, 7], b: [1, 3, 7, 2] },
      { a: [1, 4, 1, 5, 3], b: [2, 1, 3, 3, 6] },
    ];
    let seed = 100;
    for (const { a: aCore, b: bCore } of cases) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          it(`${JSON.stringify(aCore)} x ${JSON.stringify(bCore)} ta=${ta} tb=${tb}`, () => {
            const rng = mulberry32(seed++);
            const swap = (s: number[], t: boolean) =>
              t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s;
            const aShape = swap(aCore, ta);
            const bShape = swap(bCore, tb);
            const a = randomTensor(rng, aShape);
            const b = randomTensor(rng, bShape);
            const ref = matMulRef(a.data, aShape, b.data, bShape, ta, tb);
            const got = cpu({ gemm: engine }).matMul(a, b, ta, tb, ref.shape);
            expect(got.length).toBe(sizeOf(ref.shape));
            expectClose(got, ref.data, 'batched matMul');
          });
        }
      }
    }

    it('random batched shapes', () => {
      const rng = mulberry32(99);
      for (let trial = 0; trial < 20; trial++) {
        const m = randInt(rng, 1, 20);
        const n = randInt(rng, 1, 20);
        const k = randInt(rng, 1, 40);
        const batchA = [randInt(rng, 1, 3), randInt(rng, 1, 2)];
        const batchB = [batchA[0] === 1 ? randInt(rng, 1, 3) : 1, batchA[1]].slice(randInt(rng, 0, 1));
        const ta = rng() < 0.5;
        const tb = rng() < 0.5;
        const aShape = [...batchA, ...(ta ? [k, m] : [m, k])];
        const bShape = [...batchB, ...(tb ? [n, k] : [k, n])];
        const a = randomTensor(rng, aShape);
        const b = randomTensor(rng, bShape);
        const ref = matMulRef(a.data, aShape, b.data, bShape, ta, tb);
        expectClose(cpu({ gemm: engine }).matMul(a, b, ta, tb, ref.shape), ref.data, `trial ${trial}`);
      }
    });
  });
});
