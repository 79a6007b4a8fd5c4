/**
 * Activations, each with the exact formula and constants of core's `Activation`, evaluated in float64
 * and rounded once to float32. Also this package's own erf / erfc (for exact GELU).
 */

import type { Activation, KernelTensor, Shape } from '@cnn/core';
import { size } from '../indexing.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(x) by its Maclaurin series, `erf(x) = 2/√π · Σ_{n≥0} (-1)^n x^(2n+1) / (n! (2n+1))`, summed until a
 * term no longer changes the double. Used for |x| < 2.5, where the terms stay small enough (the largest
 * is about 16 at |x| = 2.5) for the cancellation to cost only a few ulps.
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let power = x; // (-1)^n x^(2n+1) / n!
  let sum = x;
  for (let n = 1; ; n++) {
    power *= -x2 / n;
    const next = sum + power / (2 * n + 1);
    if (next === sum) break;
    sum = next;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/**
 * erfc(z) for z >= 2.5 by the continued fraction
 * `erfc(z) = e^(-z²)/√π · 1 / (z + (1/2) / (z + 1 / (z + (3/2) / (z + 2 / (z + ...)))))`
 * (partial numerators a_n = n/2, denominators b_n = z), evaluated with the modified Lentz method.
 */
function erfcContinuedFraction(z: number): number {
  const tiny = 1e-300;
  let f = z; // b_0
  let C = f;
  let D = 0;
  for (let n = 1; n < 1000; n++) {
    const an = n / 2;
    D = z + an * D;
    if (D === 0) D = tiny;
    C = z + an / C;
    if (C === 0) C = tiny;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) <= Number.EPSILON) break;
  }
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}

/** The error function, to about 1e-15 relative. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) < 2.5) return erfSeries(x);
  if (!Number.isFinite(x)) return Math.sign(x);
  return Math.sign(x) * (1 - erfcContinuedFraction(Math.abs(x)));
}

/** The complementary error function 1 - erf(x), accurate in relative terms for large positive x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) < 2.5) return 1 - erfSeries(x);
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x === Number.NEGATIVE_INFINITY) return 2;
  return x > 0 ? erfcContinuedFraction(x) : 2 - erfcContinuedFraction(-x);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** sigmoid without overflow: e^-x is only taken for x >= 0, e^x only for x < 0. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** One activation on a number (see core's `Activation` for each formula). */
export function activationScalar(act: Activation): (x: number) => number {
  switch (act.kind) {
    case 'relu':
      return (x) => Math.max(x, 0); // relu(NaN) = NaN
    case 'leakyRelu':
      return (x) => (x >= 0 ? x : act.alpha * x);
    case 'elu':
      return (x) => (x > 0 ? x : act.alpha * Math.expm1(x));
    case 'selu':
      return (x) => act.gamma * (x > 0 ? x : act.alpha * Math.expm1(x));
    case 'sigmoid':
      return sigmoid;
    case 'tanh':
      return Math.tanh;
    case 'softplus':
      // log(1 + e^x) without overflow (x > 0: x + log(1 + e^-x)) or loss of accuracy (log1p).
      return (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
    case 'gelu':
      if (act.approximate === 'tanh') {
        return (x) => (x / 2) * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
      }
      // x·Φ(x), Φ(x) = erfc(-x/√2)/2: erfc keeps Φ accurate far into the negative tail.
      return (x) => (x * erfc(-x / Math.SQRT2)) / 2;
    case 'hardSigmoid':
      return (x) => Math.max(0, Math.min(1, act.alpha * x + act.beta));
    case 'clip':
      return (x) => Math.min(act.max, Math.max(act.min, x));
  }
}

/** out[i] = f(x[i]). */
export function activation(x: KernelTensor<Float32Array>, act: Activation, out: Shape): Float32Array {
  const f = activationScalar(act);
  const y = new Float32Array(size(out));
  for (let i = 0; i < y.length; i++) y[i] = f(x.data[i]);
  return y;
}
