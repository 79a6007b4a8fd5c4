import type { LRNAttrs, ReduceOp } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, mulberry32, randomTensor, sizeOf, unravel } from './helpers.js';

describe('reduce', () => {
  const cases: [number[], number[]][] = [
    [[7], [0]],
    [[3, 4], [0]],
    [[3, 4], [1]],
    [
      [3, 4],
      [0, 1],
    ],
    [
      [2, 3, 4, 5],
      [1, 2],
    ],
    [
      [2, 3, 4, 5],
      [0, 3],
    ],
    [
      [2, 3, 4, 5],
      [0, 2],
    ],
    [[2, 3, 4, 5], [3]],
    [[2, 1, 4, 5], [1]],
    [
      [5, 6, 7],
      [0, 1, 2],
    ],
  ];
  const ops: ReduceOp[] = ['sum', 'mean', 'max', 'min'];
  cases.forEach(([shape, axes], ci) => {
    it(`${JSON.stringify(shape)} over ${JSON.stringify(axes)}`, () => {
      const x = randomTensor(mulberry32(400 + ci), shape);
      const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const be = cpu();
      for (const op of ops) {
        const ref = new Float64Array(sizeOf(out)).fill(
          op === 'max' ? -Infinity : op === 'min' ? Infinity : 0,
        );
        for (let i = 0; i < x.data.length; i++) {
          const idx = unravel(i, shape).map((v, d) => (axes.includes(d) ? 0 : v));
          const o = idx.reduce((acc, v, d) => acc * out[d] + v, 0);
          const v = x.data[i];
          ref[o] = op === 'max' ? Math.max(ref[o], v) : op === 'min' ? Math.min(ref[o], v) : ref[o] + v;
        }
        if (op === 'mean') {
          const count = axes.reduce((c, a) => c * shape[a], 1);
          ref.forEach((v, i) => {
            ref[i] = v / count;
          });
        }
        expectClose(be.reduce(op, x, axes, out), ref, op);
      }
    });
  });

  it('sums in double precision', () => {
    const n = 1 << 20;
    const x = new Float32Array(n).fill(1e-3);
    x[0] = 1e4;
    const got = cpu().reduce('sum', { data: x, shape: [n] }, [0], [1]);
    expect(got[0]).toBe(Math.fround(1e4 + (n - 1) * Math.fround(1e-3)));
  });
});

describe('softmax / logSoftmax', () => {
  const cases: [number[], number][] = [
    [[5], 0],
    [[3, 7], 1],
    [[3, 7], 0],
    [[2, 3, 4], 1],
    [[2, 3, 4], 2],
    [[4, 1, 6], 1],
  ];
  cases.forEach(([shape, axis], ci) => {
    it(`${JSON.stringify(shape)} axis ${axis}`, () => {
      const x = randomTensor(mulberry32(500 + ci), shape, -5, 5);
      x.data[0] = 80; // would overflow exp() without the max shift in float32
      const sm = new Float64Array(x.data.length);
      const lsm = new Float64Array(x.data.length);
      for (let i = 0; i < x.data.length; i++) {
        const idx = unravel(i, shape);
        const lane: number[] = [];
        for (let t = 0; t < shape[axis]; t++) {
          const j = idx.map((v, d) => (d === axis ? t : v)).reduce((acc, v, d) => acc * shape[d] + v, 0);
          lane.push(x.data[j]);
        }
        const m = Math.max(...lane);
        const s = lane.reduce((acc, v) => acc + Math.exp(v - m), 0);
        sm[i] = Math.exp(x.data[i] - m) / s;
        lsm[i] = x.data[i] - m - Math.log(s);
      }
      const be = cpu();
      expectClose(be.softmax(x, axis, x.shape), sm, 'softmax');
      expectClose(be.logSoftmax(x, axis, x.shape), lsm, 'logSoftmax');
    });
  });
});

describe('batchNorm', () => {
  for (const shape of [[5], [4, 3], [2, 3, 3, 6]]) {
    it(JSON.stringify(shape), () => {
      const rng = mulberry32(shape.length);
      const c = shape[shape.length - 1];
      const x = randomTensor(rng, shape, -3, 3);
      const mean = randomTensor(rng, [c]);
      const variance = randomTensor(rng, [c], 0.1, 2);
      const scale = randomTensor(rng, [c]);
      const offset = randomTensor(rng, [c]);
      const eps = 1e-3;
      const ref = Float64Array.from(x.data, (v, i) => {
        const k = i % c;
        return ((v - mean.data[k]) / Math.sqrt(variance.data[k] + eps)) * scale.data[k] + offset.data[k];
      });
      expectClose(cpu().batchNorm(x, mean, variance, scale, offset, eps, x.shape), ref, 'batchNorm');
    });
  }
});

/** LRN straight from the ONNX definition, in float64. */
function lrnRef(x: ArrayLike<number>, c: number, a: LRNAttrs): Float64Array {
  const y = new Float64Array(x.length);
  const lo = Math.floor((a.size - 1) / 2);
  const hi = Math.ceil((a.size - 1) / 2);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    const base = i - ch;
    let sq = 0;
    for (let j = Math.max(0, ch - lo); j <= Math.min(c - 1, ch + hi); j++) sq += x[base + j] ** 2;
    y[i] = x[i] / (a.bias + (a.alpha / a.size) * sq) ** a.beta;
  }
  return y;
}

describe('lrn', () => {
  const cases: [number[], LRNAttrs][] = [
    [[2, 3, 3, 7], { size: 5, alpha: 1e-2, beta: 0.75, bias: 1 }],
    [[1, 2, 2, 6], { size: 4, alpha: 0.5, beta: 0.75, bias: 2 }],
    [[3, 9], { size: 3, alpha: 1, beta: 0.5, bias: 1 }],
    [[2, 4], { size: 1, alpha: 0.3, beta: 1.2, bias: 0.5 }],
    [[2, 2, 3], { size: 8, alpha: 2, beta: 0.9, bias: 1.5 }],
    [[5, 10], { size: 2, alpha: 0.7, beta: 0.6, bias: 1 }],
  ];
  cases.forEach(([shape, attrs], ci) => {
    it(`${JSON.stringify(shape)} ${JSON.stringify(attrs)}`, () => {
      const rng = mulberry32(600 + ci);
      const x = randomTensor(rng, shape, -2, 2);
      const dy = randomTensor(rng, shape);
      const c = shape[shape.length - 1];
      const be = cpu();
      expectClose(be.lrn(x, attrs, x.shape), lrnRef(x.data, c, attrs), 'lrn');
      // d/dx_i of sum(lrn(x) * dy), by central differences on the float64 reference.
      const h = 1e-6;
      const loss = (v: Float64Array) => lrnRef(v, c, attrs).reduce((s, y, i) => s + y * dy.data[i], 0);
      const grad = Float64Array.from(x.data, (_, i) => {
        const p = Float64Array.from(x.data);
        p[i] += h;
        const up = loss(p);
        p[i] -= 2 * h;
        return (up - loss(p)) / (2 * h);
      });
      expectClose(be.lrnBackprop(x, dy, attrs, x.shape), grad, 'lrnBackprop');
    });
  });
});
