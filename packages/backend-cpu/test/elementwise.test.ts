import type { Activation, BinaryOp, UnaryOp } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { erf, erfc } from '../src/kernels/activation.js';
import {
  broadcastIndex,
  broadcastShape,
  expectClose,
  mulberry32,
  randomTensor,
  sizeOf,
  tensor,
  unravel,
} from './helpers.js';

const binaryRef: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  pow: (a, b) => a ** b,
  equal: (a, b) => (a === b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
};

const shapePairs: [number[], number[]][] = [
  [
    [2, 3, 4],
    [2, 3, 4],
  ],
  [[2, 3, 4], []],
  [[], [5, 2]],
  [[1], [7]],
  [[2, 3, 4], [4]],
  [[4], [2, 3, 4]],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [
    [3, 1, 5],
    [1, 4, 1],
  ],
  [[2, 3, 1, 5], [5]],
  [
    [6, 1],
    [6, 1],
  ],
  [
    [1, 1, 3],
    [2, 2, 1],
  ],
  [
    [2, 3, 4, 5],
    [2, 1, 4, 1],
  ],
];

describe('binary with broadcasting', () => {
  const ops = Object.keys(binaryRef) as BinaryOp[];
  shapePairs.forEach(([aShape, bShape], pi) => {
    it(`${JSON.stringify(aShape)} op ${JSON.stringify(bShape)}`, () => {
      const rng = mulberry32(50 + pi);
      const a = randomTensor(rng, aShape, -2, 2);
      const b = randomTensor(rng, bShape, -2, 2);
      // some exact ties for equal / greater / maximum
      for (let i = 0; i < a.data.length; i += 2) a.data[i] = Math.round(a.data[i]);
      for (let i = 0; i < b.data.length; i += 2) b.data[i] = Math.round(b.data[i]);
      const out = broadcastShape(aShape, bShape);
      const be = cpu();
      for (const op of ops) {
        const ref = new Float64Array(sizeOf(out));
        for (let o = 0; o < ref.length; o++) {
          const idx = unravel(o, out);
          ref[o] = binaryRef[op](a.data[broadcastIndex(idx, aShape)], b.data[broadcastIndex(idx, bShape)]);
        }
        expectClose(be.binary(op, a, b, out), Float32Array.from(ref), op);
      }
    });
  });
});

describe('where', () => {
  const triples: number[][][] = [
    [
      [2, 3],
      [2, 3],
      [2, 3],
    ],
    [[2, 1], [1, 3], []],
    [[4], [3, 4], [3, 1]],
    [[2, 1, 3], [5, 1], [1]],
  ];
  triples.forEach(([cShape, aShape, bShape], ti) => {
    it(`cond ${JSON.stringify(cShape)} a ${JSON.stringify(aShape)} b ${JSON.stringify(bShape)}`, () => {
      const rng = mulberry32(70 + ti);
      const cond = randomTensor(rng, cShape);
      cond.data.forEach((v, i) => {
        cond.data[i] = v > 0 ? (i % 3 === 0 ? 2.5 : 1) : 0;
      });
      const a = randomTensor(rng, aShape);
      const b = randomTensor(rng, bShape);
      const out = broadcastShape(broadcastShape(cShape, aShape), bShape);
      const ref = new Float32Array(sizeOf(out));
      for (let o = 0; o < ref.length; o++) {
        const idx = unravel(o, out);
        ref[o] =
          cond.data[broadcastIndex(idx, cShape)] !== 0
            ? a.data[broadcastIndex(idx, aShape)]
            : b.data[broadcastIndex(idx, bShape)];
      }
      expect(Array.from(cpu().where(cond, a, b, out))).toEqual(Array.from(ref));
    });
  });
});

describe('unary', () => {
  const ref: Record<UnaryOp, (x: number) => number> = {
    neg: (x) => -x,
    exp: Math.exp,
    log: Math.log,
    sqrt: Math.sqrt,
    rsqrt: (x) => 1 / Math.sqrt(x),
    square: (x) => x * x,
    abs: Math.abs,
    sign: Math.sign,
    reciprocal: (x) => 1 / x,
  };
  for (const op of Object.keys(ref) as UnaryOp[]) {
    it(op, () => {
      const x = randomTensor(mulberry32(op.length), [3, 17], -3, 3);
      x.data[0] = 0;
      x.data[1] = 2;
      const copy = Float32Array.from(x.data);
      expectClose(cpu().unary(op, x, x.shape), Float32Array.from(x.data, ref[op]), op);
      expect(x.data).toEqual(copy);
    });
  }
});

/** erf by its Maclaurin series, fine in double precision for |z| <= 3.6. */
function erfSeries(z: number): number {
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const sigmoidRef = (x: number) => 1 / (1 + Math.exp(-x));

/** Textbook definitions, used for values and (by central differences) for derivatives. */
function activationRef(act: Activation): (x: number) => number {
  switch (act.kind) {
    case 'relu':
      return (x) => Math.max(x, 0);
    case 'leakyRelu':
      return (x) => (x >= 0 ? x : act.alpha * x);
    case 'elu':
      return (x) => (x > 0 ? x : act.alpha * (Math.exp(x) - 1));
    case 'selu':
      return (x) => act.gamma * (x > 0 ? x : act.alpha * (Math.exp(x) - 1));
    case 'sigmoid':
      return sigmoidRef;
    case 'tanh':
      return Math.tanh;
    case 'softplus':
      return (x) => Math.log(1 + Math.exp(x));
    case 'gelu':
      return act.approximate === 'none'
        ? (x) => 0.5 * x * (1 + erfSeries(x / Math.SQRT2))
        : (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'hardSigmoid':
      return (x) => Math.max(0, Math.min(1, act.alpha * x + act.beta));
    case 'clip':
      return (x) => Math.min(act.max, Math.max(act.min, x));
  }
}

/** Points where f' jumps, kept away from by the finite-difference check. */
function kinks(act: Activation): number[] {
  switch (act.kind) {
    case 'relu':
    case 'leakyRelu':
    case 'elu':
    case 'selu':
      return [0];
    case 'hardSigmoid':
      return [-act.beta / act.alpha, (1 - act.beta) / act.alpha];
    case 'clip':
      return [act.min, act.max];
    default:
      return [];
  }
}

const activations: Activation[] = [
  { kind: 'relu' },
  { kind: 'leakyRelu', alpha: 0.1 },
  { kind: 'elu', alpha: 1.3 },
  { kind: 'selu', alpha: 1.6732632423543772, gamma: 1.0507009873554805 },
  { kind: 'sigmoid' },
  { kind: 'tanh' },
  { kind: 'softplus' },
  { kind: 'gelu', approximate: 'none' },
  { kind: 'gelu', approximate: 'tanh' },
  { kind: 'hardSigmoid', alpha: 0.2, beta: 0.5 },
  { kind: 'clip', min: -1, max: 2.5 },
];

describe('activations', () => {
  activations.forEach((act, ai) => {
    const label = JSON.stringify(act);
    it(`${label}: values`, () => {
      const x = randomTensor(mulberry32(200 + ai), [4, 25], -4, 4);
      const f = activationRef(act);
      expectClose(cpu().activation(x, act, x.shape), Float32Array.from(x.data, f), label);
    });

    it(`${label}: gradient by finite differences`, () => {
      const rng = mulberry32(300 + ai);
      const x = randomTensor(rng, [3, 30], -4, 4);
      const bad = kinks(act);
      x.data.forEach((v, i) => {
        if (bad.some((k) => Math.abs(v - k) < 1e-3)) x.data[i] = v + 0.01;
      });
      const dy = randomTensor(rng, x.shape);
      const f = activationRef(act);
      const h = 1e-5;
      const ref = Float64Array.from(x.data, (v, i) => (dy.data[i] * (f(v + h) - f(v - h))) / (2 * h));
      expectClose(cpu().activationGrad(x, dy, act, x.shape), ref, label);
    });
  });

  it('conventions at the kinks', () => {
    const x = tensor(Float32Array.from([0, -1, 2.5, 0.001]), [4]);
    const dy = tensor(Float32Array.from([1, 1, 1, 1]), [4]);
    const be = cpu();
    expect(Array.from(be.activationGrad(x, dy, { kind: 'relu' }, x.shape))).toEqual([0, 0, 1, 1]);
    expect(Array.from(be.activationGrad(x, dy, { kind: 'leakyRelu', alpha: 0.5 }, x.shape))).toEqual([
      1, 0.5, 1, 1,
    ]);
    expect(Array.from(be.activationGrad(x, dy, { kind: 'clip', min: -1, max: 2.5 }, x.shape))).toEqual([
      1, 1, 1, 1,
    ]);
    // hardSigmoid: 0.5x + 0.5 is 0 at x=-1 (outside the open region) and 1 at x=1.
    const hs = be.activationGrad(
      tensor(Float32Array.from([-1, 1, 0]), [3]),
      dy,
      {
        kind: 'hardSigmoid',
        alpha: 0.5,
        beta: 0.5,
      },
      [3],
    );
    expect(Array.from(hs)).toEqual([0, 0, 0.5]);
  });

  it('stays finite and exact in the tails', () => {
    const x = tensor(Float32Array.from([-1000, -100, -30, 30, 100, 1000]), [6]);
    const be = cpu();
    expect(Array.from(be.activation(x, { kind: 'sigmoid' }, x.shape))).toEqual([
      0,
      Math.fround(sigmoidRef(-100)),
      Math.fround(sigmoidRef(-30)),
      1,
      1,
      1,
    ]);
    const sp = be.activation(x, { kind: 'softplus' }, x.shape);
    expect(Array.from(sp)).toEqual([
      0,
      Math.fround(Math.exp(-100)),
      Math.fround(Math.exp(-30)),
      30,
      100,
      1000,
    ]);
    const gelu = be.activation(x, { kind: 'gelu', approximate: 'none' }, x.shape);
    expect(Array.from(gelu, Math.abs)).toEqual([0, 0, 0, 30, 100, 1000]);
    for (const act of activations) {
      expect(be.activationGrad(x, x, act, x.shape).every(Number.isFinite), JSON.stringify(act)).toBe(true);
    }
  });
});

describe('erf / erfc', () => {
  // Reference values from a correctly rounded implementation.
  const table: [number, number, number][] = [
    [0.1, 0.1124629160182849, 0.8875370839817152],
    [0.5, 0.5204998778130465, 0.4795001221869535],
    [1, 0.8427007929497149, 0.15729920705028513],
    [2, 0.9953222650189527, 0.004677734981047265],
    [3.5, 0.9999992569016276, 7.430983723414128e-7],
    [5, 0.9999999999984626, 1.5374597944280351e-12],
    [-0.3, -0.3286267594591274, 1.3286267594591274],
    [-2.5, -0.999593047982555, 1.999593047982555],
  ];
  it('matches reference values to 1e-14 relative', () => {
    for (const [x, e, c] of table) {
      expect(Math.abs(erf(x) - e) / Math.abs(e)).toBeLessThan(1e-14);
      expect(Math.abs(erfc(x) - c) / Math.abs(c)).toBeLessThan(1e-14);
    }
    expect(Math.abs(erfc(6) / 2.1519736712498916e-17 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(erfc(10) / 2.088487583762545e-45 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(erfc(20) / 5.3958656116079005e-176 - 1)).toBeLessThan(1e-13);
  });
  it('matches the Maclaurin series on a grid', () => {
    // (the series itself loses ~1e-12 to cancellation near |x| = 3.5)
    for (let x = -3.5; x <= 3.5; x += 0.0625) {
      expect(Math.abs(erf(x) - erfSeries(x))).toBeLessThan(1e-11);
    }
  });
});
