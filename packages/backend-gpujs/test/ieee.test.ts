import { reference } from '@cnn/backend-reference';
import { elementBound, tolerances } from '@cnn/conformance';
import type { Activation, BinaryOp, ReduceOp, UnaryOp } from '@cnn/core';
import * as cnn from '@cnn/core';
import { afterAll, describe, expect, it } from 'vitest';
import { gpujs } from '../src/index.js';

// GLSL leaves NaN and infinities undefined and compilers may fold `x != x` away: every elementwise op,
// activation and reduction on NaN, ±Infinity, ±0, huge, tiny and ordinary values must give what the
// reference backend gives (float64, rounded once): the same NaNs and infinities, and finite values within
// the 'webgl' bound.

const { NaN: nan, POSITIVE_INFINITY: inf } = Number;
const FLT_MIN = 2 ** -126;
const specials = [
  nan,
  inf,
  -inf,
  0,
  -0,
  1,
  -1,
  0.5,
  -2.5,
  3,
  1e-30,
  -1e-30,
  3e38,
  -3e38,
  88.5,
  -88.5,
  1e5,
  -0.999,
];

const backend = gpujs();
const ref = reference();
afterAll(() => backend.destroy());

function run(b: cnn.Backend, f: (...xs: cnn.Tensor[]) => cnn.Tensor, inputs: [Float32Array, number[]][]) {
  cnn.setBackend(b);
  const y = cnn.tidy(() => f(...inputs.map(([v, s]) => cnn.tensor(v, s, b))));
  const out = y.dataSync();
  y.dispose();
  return out;
}

function same(name: string, got: Float32Array, want: Float32Array) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    const what = `${name} element ${i}: got ${g}, reference ${w}`;
    if (Number.isNaN(w) || !Number.isFinite(w)) expect(Object.is(g, w) || g === w, what).toBe(true);
    // Shaders may flush subnormal results to zero (GLSL ES allows it): one smallest normal of slack.
    else
      expect(Math.abs(g - w) <= elementBound(tolerances.webgl, w, Math.abs(w), 1) + FLT_MIN, what).toBe(true);
  }
}

const xs = Float32Array.from(specials);
const n = specials.length;

describe('gpujs: IEEE edges in the shaders', () => {
  const unaries: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'square', 'abs', 'sign', 'reciprocal'];
  it.each(unaries)('unary %s', (op) => {
    const f = (x: cnn.Tensor) => (cnn as unknown as Record<string, (x: cnn.Tensor) => cnn.Tensor>)[op]!(x);
    same(op, run(backend, f, [[xs, [n]]]), run(ref, f, [[xs, [n]]]));
  });

  const activations: Activation[] = [
    { kind: 'relu' },
    { kind: 'leakyRelu', alpha: 0.1 },
    { kind: 'elu', alpha: 1.5 },
    { kind: 'selu', alpha: 1.6732632423543772, gamma: 1.0507009873554805 },
    { kind: 'sigmoid' },
    { kind: 'tanh' },
    { kind: 'softplus' },
    { kind: 'gelu', approximate: 'none' },
    { kind: 'gelu', approximate: 'tanh' },
    { kind: 'hardSigmoid', alpha: 0.2, beta: 0.5 },
    { kind: 'clip', min: -1, max: 2 },
    { kind: 'clip', min: 3, max: -3 },
  ];
  it.each(activations)('activation %o', (act) => {
    const f = (x: cnn.Tensor) => cnn.activation(x, act);
    same(act.kind, run(backend, f, [[xs, [n]]]), run(ref, f, [[xs, [n]]]));
  });

  // The fused activationGrad (this backend's optional kernel) against core's composition on the
  // reference backend: the same derivative, kinks and edges included.
  it.each(activations)('activationGrad %o', (act) => {
    const f = (x: cnn.Tensor) => cnn.valueAndGrads((x) => cnn.sum(cnn.activation(x!, act)), [x]).grads[0]!;
    same(`${act.kind}'`, run(backend, f, [[xs, [n]]]), run(ref, f, [[xs, [n]]]));
  });

  const binaries: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'equal', 'greater'];
  it.each(binaries)('binary %s on every pair of special values', (op) => {
    // a: [n, 1], b: [1, n] broadcast to [n, n]: every pair.
    const f = (a: cnn.Tensor, b: cnn.Tensor) =>
      (cnn as unknown as Record<string, (a: cnn.Tensor, b: cnn.Tensor) => cnn.Tensor>)[op]!(a, b);
    const inputs: [Float32Array, number[]][] = [
      [xs, [n, 1]],
      [xs, [1, n]],
    ];
    same(op, run(backend, f, inputs), run(ref, f, inputs));
  });

  const reductions: ReduceOp[] = ['sum', 'mean', 'max', 'min'];
  it.each(reductions)('reduce %s with NaN, infinities and huge values', (op) => {
    // Rows: each special with each other one (a NaN row, an Infinity row, 3e38 + 3e38, ...).
    const pairs = new Float32Array(2 * n * n);
    specials.forEach((a, i) => specials.forEach((b, j) => pairs.set([a, b], 2 * (i * n + j))));
    const f = (x: cnn.Tensor) =>
      (cnn as unknown as Record<string, (x: cnn.Tensor, axis: number) => cnn.Tensor>)[op]!(x, 1);
    const got = run(backend, f, [[pairs, [n * n, 2]]]);
    const want = run(ref, f, [[pairs, [n * n, 2]]]);
    // The reference sums in float64: 3e38 + 3e38 is 6e38 there, Infinity once rounded; both agree.
    same(op, got, want);
  });
});
