/**
 * Elementwise kernels: `binary` (numpy broadcasting), `unary`, `activation`, and the optional fused
 * `activationGrad`. One output element per shader invocation; the scalar math with its IEEE edges is in
 * math.ts.
 *
 * Broadcasting: each operand is addressed in one of three ways, chosen on the host and part of the key:
 * 'same' (its shape is the output's: address = i), 'scalar' (one element: address 0), or 'strided' (the
 * output index is split into coordinates, after merging dims, and dotted with the operand's broadcast
 * strides, 0 on broadcast dims).
 */

import type { Activation, BinaryOp, KernelTensor, Shape, UnaryOp } from '@cnn/core';
import type { GpuData, InputBinding, Runtime } from '../runtime.js';
import { boxRange, broadcastStrides, mergeDims, stridesOf } from '../shape.js';
import { address, decode, ieeeParams, listParams } from '../source.js';

type T = KernelTensor<GpuData>;

/** Output range [o0, o1) reads elements [o0, o1 - 1] of a same-shaped operand. */
export const sameRange = (o0: number, o1: number) => [o0, o1 - 1] as const;

type Mode = 'same' | 'scalar' | 'strided';

/** How each operand of an elementwise op is addressed, and the uniforms that go with it. */
function operandModes(operands: readonly T[], out: Shape) {
  const rank = out.length;
  const merged = mergeDims(out, [stridesOf(out), ...operands.map((x) => broadcastStrides(x.shape, rank))]);
  const outStrides = merged.strides[0]!;
  const modes: Mode[] = operands.map((x, k) => {
    const s = merged.strides[k + 1]!;
    if (x.data.size === 1) return 'scalar';
    if (s.every((v, d) => v === outStrides[d])) return 'same';
    return 'strided';
  });
  return { dims: merged.dims, strides: merged.strides.slice(1), modes };
}

/** `op(a, b)` after broadcasting: the expressions of core's BinaryOp (see math.ts for max_/min_/pow_). */
function binaryExpr(op: BinaryOp): string {
  switch (op) {
    case 'add':
      return 'return x + y;';
    case 'sub':
      return 'return x - y;';
    case 'mul':
      return 'return x * y;';
    case 'div':
      return 'return x / y;';
    case 'maximum':
      return 'return max_(x, y, p_nan);';
    case 'minimum':
      return 'return min_(x, y, p_nan);';
    case 'pow':
      return 'return pow_(x, y, p_inf, p_nan);';
    case 'equal':
      return 'if (x == y) { return 1; }\n  return 0;';
    case 'greater':
      return 'if (x > y) { return 1; }\n  return 0;';
  }
}

/**
 * Source and params for elementwise kernels on several operands: `vars[k]` is the name the body uses for
 * operand k's value; `expr` is the rest of the body.
 */
export function elementwise(
  rt: Runtime,
  key: string,
  operands: readonly T[],
  vars: readonly string[],
  expr: string,
  extra: Record<string, number>,
  out: Shape,
): GpuData {
  const { dims, strides, modes } = operandModes(operands, out);
  const rank = dims.length;
  const strided = modes.includes('strided');
  const inputs: Record<string, InputBinding> = {};
  let params: Record<string, number> = { ...ieeeParams, ...extra };
  if (strided) params = { ...params, ...listParams('d', dims) };
  operands.forEach((x, k) => {
    const name = `in${k}`;
    inputs[name] = {
      data: x.data,
      touched:
        modes[k] === 'same'
          ? sameRange
          : modes[k] === 'scalar'
            ? () => [0, 0] as const
            : (o0: number, o1: number) => boxRange(dims, strides[k]!, o0, o1),
    };
    if (modes[k] === 'strided') params = { ...params, ...listParams(`s${k}_`, strides[k]!) };
  });
  return rt.run(
    {
      key: `${key}:${modes.join(',')}:${strided ? rank : 0}`,
      inputs,
      params,
      body: (read) => {
        let src = strided ? decode('i', 'c', 'd', rank) : '';
        operands.forEach((_, k) => {
          const at = modes[k] === 'same' ? 'i' : modes[k] === 'scalar' ? '0' : address('c', `s${k}_`, rank);
          src += `  const a${k} = ${at};\n  const ${vars[k]} = ${read(`in${k}`, `a${k}`)};\n`;
        });
        return `${src}  ${expr}`;
      },
    },
    out,
  );
}

export function binary(rt: Runtime, op: BinaryOp, a: T, b: T, out: Shape): GpuData {
  return elementwise(rt, `binary.${op}`, [a, b], ['x', 'y'], binaryExpr(op), {}, out);
}

function unaryExpr(op: UnaryOp): string {
  switch (op) {
    case 'neg':
      return 'return -x;';
    case 'exp':
      return 'return exp_(x, p_inf, p_nan);';
    case 'log':
      return 'return log_(x, p_inf, p_nan);';
    case 'sqrt':
      return 'if (x != x) { return x; }\n  if (x < 0) { return p_nan; }\n  if (x == p_inf) { return x; }\n  return Math.sqrt(x);';
    case 'rsqrt':
      return 'if (x != x) { return x; }\n  if (x < 0) { return p_nan; }\n  if (x == p_inf) { return 0; }\n  return 1 / Math.sqrt(x);';
    case 'square':
      return 'return x * x;';
    case 'abs':
      return 'return Math.abs(x);';
    case 'sign':
      // ±0 stays ±0 and NaN stays NaN: x itself is returned in both cases.
      return 'if (x > 0) { return 1; }\n  if (x < 0) { return -1; }\n  return x;';
    case 'reciprocal':
      return 'return 1 / x;';
  }
}

export function unary(rt: Runtime, op: UnaryOp, x: T, out: Shape): GpuData {
  return elementwise(rt, `unary.${op}`, [x], ['x'], unaryExpr(op), {}, out);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** f(x) for each activation (core's `Activation`), with its parameters as uniforms. */
function activationExpr(act: Activation): { key: string; expr: string; params: Record<string, number> } {
  const nanGuard = 'if (x != x) { return x; }\n  ';
  switch (act.kind) {
    case 'relu':
      return { key: 'relu', expr: `${nanGuard}if (x > 0) { return x; }\n  return 0;`, params: {} };
    case 'leakyRelu':
      return {
        key: 'leakyRelu',
        expr: `${nanGuard}if (x >= 0) { return x; }\n  return p_alpha * x;`,
        params: { alpha: act.alpha },
      };
    case 'elu':
      return {
        key: 'elu',
        expr: `${nanGuard}if (x > 0) { return x; }\n  return p_alpha * expm1_(x, p_inf, p_nan);`,
        params: { alpha: act.alpha },
      };
    case 'selu':
      return {
        key: 'selu',
        expr: `${nanGuard}if (x > 0) { return p_gamma * x; }\n  return p_gamma * (p_alpha * expm1_(x, p_inf, p_nan));`,
        params: { alpha: act.alpha, gamma: act.gamma },
      };
    case 'sigmoid':
      return { key: 'sigmoid', expr: 'return sigmoid_(x, p_inf, p_nan);', params: {} };
    case 'tanh':
      return { key: 'tanh', expr: 'return tanh_(x, p_inf, p_nan);', params: {} };
    case 'softplus':
      return { key: 'softplus', expr: 'return softplus_(x, p_inf, p_nan);', params: {} };
    case 'gelu':
      if (act.approximate === 'tanh') {
        // x/2·(1 + tanh z) = x·sigmoid(2z): no cancellation of 1 + tanh z in the negative tail.
        return {
          key: 'geluTanh',
          expr: `${nanGuard}const z = p_k * (x + 0.044715 * x * x * x);\n  return x * sigmoid_(2 * z, p_inf, p_nan);`,
          params: { k: SQRT_2_OVER_PI },
        };
      }
      return {
        key: 'gelu',
        // Φ(x) first, then x·Φ(x): x·erfc(...) would overflow for |x| > 1.7e38 where the result does not.
        expr: `${nanGuard}return x * (erfc_(-x * ${Math.SQRT1_2}, p_inf, p_nan) * 0.5);`,
        params: {},
      };
    case 'hardSigmoid':
      return {
        key: 'hardSigmoid',
        expr: `${nanGuard}return max_(0, min_(1, p_alpha * x + p_beta, p_nan), p_nan);`,
        params: { alpha: act.alpha, beta: act.beta },
      };
    case 'clip':
      return {
        key: 'clip',
        expr: `${nanGuard}return min_(p_hi, max_(p_lo, x, p_nan), p_nan);`,
        params: { lo: act.min, hi: act.max },
      };
  }
}

export function activation(rt: Runtime, x: T, act: Activation, out: Shape): GpuData {
  const { key, expr, params } = activationExpr(act);
  return elementwise(rt, `act.${key}`, [x], ['x'], expr, params, out);
}

/**
 * f'(x) for each activation (core's `Activation` lists them; at a kink, the one written there). The
 * fused `activationGrad` kernel returns `dy · f'(x)` in one pass where core's composition takes several.
 */
function derivativeExpr(act: Activation): { key: string; expr: string; params: Record<string, number> } {
  switch (act.kind) {
    case 'relu':
      return { key: 'relu', expr: 'let d = 0;\n  if (x > 0) { d = 1; }', params: {} };
    case 'leakyRelu':
      return {
        key: 'leakyRelu',
        expr: 'let d = p_alpha;\n  if (x >= 0) { d = 1; }',
        params: { alpha: act.alpha },
      };
    case 'elu':
      return {
        key: 'elu',
        expr: 'let d = 1;\n  if (!(x > 0)) { d = p_alpha * exp_(x, p_inf, p_nan); }',
        params: { alpha: act.alpha },
      };
    case 'selu':
      return {
        key: 'selu',
        expr: 'let d = p_gamma;\n  if (!(x > 0)) { d = p_gamma * p_alpha * exp_(x, p_inf, p_nan); }',
        params: { alpha: act.alpha, gamma: act.gamma },
      };
    case 'sigmoid':
      return {
        key: 'sigmoid',
        expr: 'const s = sigmoid_(x, p_inf, p_nan);\n  const d = s * (1 - s);',
        params: {},
      };
    case 'tanh':
      return { key: 'tanh', expr: 'const t = tanh_(x, p_inf, p_nan);\n  const d = 1 - t * t;', params: {} };
    case 'softplus':
      return { key: 'softplus', expr: 'const d = sigmoid_(x, p_inf, p_nan);', params: {} };
    case 'gelu':
      if (act.approximate === 'tanh') {
        // d/dx [x/2·(1 + tanh z)] = (1 + tanh z)/2 + x/2·(1 - tanh² z)·z', z' = k·(1 + 3·0.044715·x²).
        return {
          key: 'geluTanh',
          expr:
            'const z = p_k * (x + 0.044715 * x * x * x);\n  const t = tanh_(z, p_inf, p_nan);\n' +
            '  const d = sigmoid_(2 * z, p_inf, p_nan) + x / 2 * (1 - t * t) * p_k * (1 + 0.134145 * x * x);',
          params: { k: SQRT_2_OVER_PI },
        };
      }
      return {
        key: 'gelu',
        expr:
          `const d = erfc_(-x * ${Math.SQRT1_2}, p_inf, p_nan) / 2 + ` +
          `x * exp_(-x * x / 2, p_inf, p_nan) * ${1 / Math.sqrt(2 * Math.PI)};`,
        params: {},
      };
    case 'hardSigmoid':
      return {
        key: 'hardSigmoid',
        expr: 'const v = p_alpha * x + p_beta;\n  let d = 0;\n  if (v > 0 && v < 1) { d = p_alpha; }',
        params: { alpha: act.alpha, beta: act.beta },
      };
    case 'clip':
      return {
        key: 'clip',
        expr: 'let d = 0;\n  if (x >= p_lo && x <= p_hi) { d = 1; }',
        params: { lo: act.min, hi: act.max },
      };
  }
}

export function activationGrad(rt: Runtime, x: T, dy: T, act: Activation, out: Shape): GpuData {
  const { key, expr, params } = derivativeExpr(act);
  return elementwise(rt, `actGrad.${key}`, [x, dy], ['x', 'g'], `${expr}\n  return g * d;`, params, out);
}
