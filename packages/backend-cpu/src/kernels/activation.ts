/**
 * Activations and their derivatives (`activationGrad` = dy * f'(x)), computed in double precision.
 * Exponential forms are arranged so that no intermediate overflows for large |x|.
 */

import type { Activation, KernelTensor } from '@cnn/core';
import { gemmEngine } from '../gemm.js';
import { floats } from '../util.js';
import { wasmKernel } from '../wasm.js';

type T = KernelTensor<Float32Array>;

const SQRT1_2 = Math.SQRT1_2;
/** 1/sqrt(2*pi): the standard normal density at 0. */
const INV_SQRT_2PI = 0.3989422804014327;
/** 1/sqrt(pi). */
const INV_SQRT_PI = 0.5641895835477563;
/** sqrt(2/pi), the tanh-GELU constant. */
const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_CUBIC = 0.044715;

/** Numerically stable logistic function. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + exp(x)) without overflow or loss for large |x|. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Evaluates sum(c[i] * x^i) by Horner's rule, c[0] the constant term. */
function poly(c: readonly number[], x: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = r * x + c[i];
  return r;
}

// W. J. Cody's rational Chebyshev approximations for erf / erfc ("Rational Chebyshev approximations for the
// error function", Math. Comp. 1969), relative error below 1e-16 in double precision. Coefficients are listed
// constant term first.
const ERF_P = [
  3209.3775891384694, 377.485237685302, 113.86415415105016, 3.1611237438705655, 0.18577770618460315,
];
const ERF_Q = [2844.236833439171, 1282.6165260773723, 244.02463793444417, 23.601290952344122, 1];
const ERFC_P = [
  1230.3393547979972, 2051.0783778260716, 1712.0476126340707, 881.952221241769, 298.6351381974001,
  66.11919063714163, 8.883149794388375, 0.5641884969886701, 2.1531153547440383e-8,
];
const ERFC_Q = [
  1230.3393548037493, 3439.3676741437216, 4362.619090143247, 3290.7992357334597, 1621.3895745666903,
  537.1811018620099, 117.6939508913125, 15.744926110709835, 1,
];
const ERFC_ASYM_P = [
  0.0006587491615298378, 0.01608378514874228, 0.12578172611122926, 0.36034489994980445, 0.30532663496123236,
  0.016315387137302097,
];
const ERFC_ASYM_Q = [
  0.0023352049762686918, 0.06051834131244132, 0.5279051029514285, 1.8729528499234673, 2.568520192289822, 1,
];

/**
 * erfc(x) for x > 0.46875 (the tail, where 1 - erf would cancel): exp(-x^2) times a rational function of x
 * up to 4, and beyond, the asymptotic form (1/sqrt(pi) - z*P(z)/Q(z)) / x with z = 1/x^2. exp(-x^2) is split as exp(-s^2) * exp(-(x-s)(x+s)) with s = x rounded to 1/16, which keeps
 * the argument of each exp exact enough.
 */
function erfcTail(x: number): number {
  let r: number;
  if (x <= 4) {
    r = poly(ERFC_P, x) / poly(ERFC_Q, x);
  } else {
    const z = 1 / (x * x);
    r = (INV_SQRT_PI - (z * poly(ERFC_ASYM_P, z)) / poly(ERFC_ASYM_Q, z)) / x;
  }
  const s = Math.trunc(x * 16) / 16;
  return Math.exp(-s * s) * Math.exp(-(x - s) * (x + s)) * r;
}

export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 0.46875) {
    const z = x * x;
    return (x * poly(ERF_P, z)) / poly(ERF_Q, z);
  }
  const tail = 1 - erfcTail(ax);
  return x < 0 ? -tail : tail;
}

export function erfc(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 0.46875) return 1 - erf(x);
  const tail = erfcTail(ax);
  return x < 0 ? 2 - tail : tail;
}

/** Exact GELU, x * Phi(x), written with erfc so that the left tail keeps full relative accuracy. */
function geluExact(x: number): number {
  return 0.5 * x * erfc(-x * SQRT1_2);
}

function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)));
}

/** f(x) for one activation, as a plain function of a double. */
function forward(act: Activation): (x: number) => number {
  switch (act.kind) {
    case 'relu':
      return (x) => Math.max(x, 0);
    case 'leakyRelu': {
      const { alpha } = act;
      return (x) => (x >= 0 ? x : alpha * x);
    }
    case 'elu': {
      const { alpha } = act;
      return (x) => (x > 0 ? x : alpha * Math.expm1(x));
    }
    case 'selu': {
      const { alpha, gamma } = act;
      return (x) => gamma * (x > 0 ? x : alpha * Math.expm1(x));
    }
    case 'sigmoid':
      return sigmoid;
    case 'tanh':
      return Math.tanh;
    case 'softplus':
      return softplus;
    case 'gelu':
      return act.approximate === 'tanh' ? geluTanh : geluExact;
    case 'hardSigmoid': {
      const { alpha, beta } = act;
      return (x) => Math.max(0, Math.min(1, alpha * x + beta));
    }
    case 'clip': {
      const { min, max } = act;
      return (x) => Math.min(max, Math.max(min, x));
    }
    default:
      throw new Error(`cpu backend: unknown activation ${JSON.stringify(act satisfies never)}`);
  }
}

/** f'(x) for one activation. */
function derivative(act: Activation): (x: number) => number {
  switch (act.kind) {
    case 'relu':
      return (x) => (x > 0 ? 1 : 0);
    case 'leakyRelu': {
      const { alpha } = act;
      return (x) => (x >= 0 ? 1 : alpha);
    }
    case 'elu': {
      const { alpha } = act;
      return (x) => (x > 0 ? 1 : alpha * Math.exp(x));
    }
    case 'selu': {
      const { alpha, gamma } = act;
      return (x) => gamma * (x > 0 ? 1 : alpha * Math.exp(x));
    }
    case 'sigmoid':
      return (x) => {
        const s = sigmoid(x);
        return s * (1 - s);
      };
    case 'tanh':
      return (x) => {
        const t = Math.tanh(x);
        return 1 - t * t;
      };
    case 'softplus':
      return sigmoid;
    case 'gelu':
      if (act.approximate === 'tanh') {
        return (x) => {
          const t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x));
          return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * x * x);
        };
      }
      // d/dx x*Phi(x) = Phi(x) + x*phi(x)
      return (x) => 0.5 * erfc(-x * SQRT1_2) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'hardSigmoid': {
      const { alpha, beta } = act;
      return (x) => {
        const z = alpha * x + beta;
        return z > 0 && z < 1 ? alpha : 0;
      };
    }
    case 'clip': {
      const { min, max } = act;
      return (x) => (x >= min && x <= max ? 1 : 0);
    }
    default:
      throw new Error(`cpu backend: unknown activation ${JSON.stringify(act satisfies never)}`);
  }
}

export function activation(x: T, act: Activation): Float32Array {
  const v = x.data;
  const n = v.length;
  // relu is by far the most common: the SIMD kernel, or a bare loop.
  if (act.kind === 'relu' && gemmEngine() === 'wasm')
    return wasmKernel([v], n, (heap, [xp], yp) => heap.mod.relu(xp, yp, n));
  const y = floats(n);
  if (act.kind === 'relu') {
    for (let i = 0; i < n; i++) y[i] = Math.max(v[i], 0);
    return y;
  }
  const f = forward(act);
  for (let i = 0; i < n; i++) y[i] = f(v[i]);
  return y;
}

export function activationGrad(x: T, dy: T, act: Activation): Float32Array {
  const v = x.data;
  const g = dy.data;
  const n = v.length;
  if (act.kind === 'relu' && gemmEngine() === 'wasm')
    return wasmKernel([v, g], n, (heap, [xp, dyp], dxp) => heap.mod.reluGrad(xp, dyp, dxp, n));
  const dx = floats(n);
  if (act.kind === 'relu') {
    for (let i = 0; i < n; i++) dx[i] = v[i] > 0 ? g[i] : 0;
    return dx;
  }
  const df = derivative(act);
  for (let i = 0; i < n; i++) dx[i] = g[i] * df(v[i]);
  return dx;
}
