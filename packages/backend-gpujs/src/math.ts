/**
 * Scalar math for the shaders, as gpu.js JavaScript (transpiled to GLSL by gpu.js; run as-is in its cpu
 * mode). Every kernel gets these functions; gpu.js compiles only the ones a kernel calls.
 *
 * Why not GLSL's built-ins directly:
 * - GLSL leaves NaN and infinities undefined (`max`, `min`, `log` of a negative, `sqrt` of a negative,
 *   `exp(-Infinity)`), while the contract wants IEEE 754. Each function here checks its edge inputs
 *   explicitly (`x != x` is the NaN test: it survives the GLSL compilers we run on, and the conformance
 *   suite's edge checks would show it if it did not). NaN and Infinity come in as uniforms (`nan`, `inf`):
 *   gpu.js writes the literal `Infinity` as 3.4e38, and a shader has no NaN literal.
 * - Built-in accuracy. On Mesa llvmpipe (headless-gl) `log` loses relative accuracy near 1 (2^-16 at
 *   x = 0.995) and `exp2` overflows just below 2^128; `tanh` from gpu.js is (e^2x - 1)/(e^2x + 1), which
 *   cancels near 0 and overflows beyond |x| = 44. So: `expm1_` by its Taylor series near 0, `log_` and
 *   `log1p_` through atanh's series near 1, `tanh_` from `expm1_`, overflow-safe `exp_` and `exp2_`.
 * - Integer division: flat indices are floats (GLSL ES 1.00 has no reliable integers), exact below 2^24,
 *   but a float division may round a quotient across an integer. `idiv_` corrects the quotient with the
 *   exactly computed remainder.
 */

/** floor(r / d) for integer-valued floats 0 <= r < 2^24, 1 <= d < 2^23, exact. */
const idiv = `function idiv_(r, d) {
  const q = Math.floor(r / d);
  return q + Math.floor((r - q * d) / d);
}`;

/** e^x - 1 without cancellation: Taylor series (to x^9/9!, relative error < 3e-10) for |x| < 0.5. */
const expm1 = `function expm1_(x, inf, nan) {
  if (x != x) { return x; }
  if (Math.abs(x) < 0.5) {
    return x * (1 + x / 2 * (1 + x / 3 * (1 + x / 4 * (1 + x / 5 * (1 + x / 6 * (1 + x / 7 * (1 + x / 8 * (1 + x / 9))))))));
  }
  return exp_(x, inf, nan) - 1;
}`;

/** e^x with IEEE edges; above 80 as e^(x-16)·e^16, since exp2 on llvmpipe overflows early. */
const exp = `function exp_(x, inf, nan) {
  if (x != x) { return x; }
  if (x < -104) { return 0; }
  if (x > 80) {
    if (x > 89) { return inf; }
    return Math.exp(x - 16) * 8886110.520507872;
  }
  return Math.exp(x);
}`;

/** 2^t with IEEE edges (t may be ±Infinity). */
const exp2 = `function exp2_(t, inf, nan) {
  if (t != t) { return t; }
  if (t < -150) { return 0; }
  if (t > 126) {
    if (t > 128) { return inf; }
    return Math.pow(2, t - 2) * 4;
  }
  return Math.pow(2, t);
}`;

/** 2·atanh(s) = log((1+s)/(1-s)) by its series, for |s| <= 1/30 (error below 2^-40 relative). */
const atanh2 = `function atanh2_(s) {
  const s2 = s * s;
  return 2 * s * (1 + s2 * (1 / 3 + s2 * (1 / 5 + s2 * (1 / 7 + s2 / 9))));
}`;

/** ln x with IEEE edges; near 1 through atanh2_((x-1)/(x+1)) (x - 1 is exact there). */
const log = `function log_(x, inf, nan) {
  if (x != x) { return x; }
  if (x < 0) { return nan; }
  if (x == 0) { return -inf; }
  if (x == inf) { return inf; }
  if (Math.abs(x - 1) < 0.0625) { return atanh2_((x - 1) / (x + 1)); }
  return Math.log(x);
}`;

/** ln(1 + y) for y >= 0 (softplus): atanh2_(y / (2 + y)) for small y, where 1 + y would round y away. */
const log1p = `function log1p_(y, inf, nan) {
  if (y != y) { return y; }
  if (y < 0.0625) { return atanh2_(y / (2 + y)); }
  return log_(1 + y, inf, nan);
}`;

const tanh = `function tanh_(x, inf, nan) {
  if (x != x) { return x; }
  const e = expm1_(-2 * Math.abs(x), inf, nan);
  const t = -e / (2 + e);
  if (x < 0) { return -t; }
  return t;
}`;

/** 1 / (1 + e^-x), taking e^-x only for x >= 0 and e^x only for x < 0 (no overflow). */
const sigmoid = `function sigmoid_(x, inf, nan) {
  if (x != x) { return x; }
  if (x >= 0) { return 1 / (1 + exp_(-x, inf, nan)); }
  const e = exp_(x, inf, nan);
  return e / (1 + e);
}`;

/** ln(1 + e^x): x + ln(1 + e^-x) for x > 0 (no overflow), ln(1 + e^x) otherwise, both through log1p_. */
const softplus = `function softplus_(x, inf, nan) {
  if (x != x) { return x; }
  if (x > 0) { return x + log1p_(exp_(-x, inf, nan), inf, nan); }
  return log1p_(exp_(x, inf, nan), inf, nan);
}`;

/**
 * erfc(x) by the Chebyshev-fitted form of Numerical Recipes (`erfcc`, 2nd ed. §6.2): fractional error
 * below 1.2e-7 for every x, and relative accuracy far into the tail (it is an exponential times a
 * polynomial), which GELU's negative tail needs.
 */
const erfc = `function erfc_(x, inf, nan) {
  if (x != x) { return x; }
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * exp_(p - z * z, inf, nan);
  if (x >= 0) { return r; }
  return 2 - r;
}`;

/** Math.max / Math.min: NaN if either is NaN (GLSL's max/min leave NaN undefined). */
const max = `function max_(a, b, nan) {
  if (a != a || b != b) { return nan; }
  if (a > b) { return a; }
  return b;
}`;
const min = `function min_(a, b, nan) {
  if (a != a || b != b) { return nan; }
  if (a < b) { return a; }
  return b;
}`;

/**
 * IEEE 754 / C pow (see core's BinaryOp): x^0 = 1 and 1^y = 1 for every x, y (NaN too), (-1)^±Infinity
 * = 1, a finite negative base needs an integer exponent ((-Infinity)^0.5 = Infinity). Small integer exponents (|b| <= 64: squares and cubes
 * in losses) by binary exponentiation, which is exact to a few roundings; the rest as 2^(b·log2|a|).
 */
const pow = `function pow_(a, b, inf, nan) {
  if (b == 0) { return 1; }
  if (a == 1) { return 1; }
  if (a != a || b != b) { return nan; }
  if (b == 1) { return a; }
  const ab = Math.abs(a);
  const bb = Math.abs(b);
  if (bb == inf) {
    if (ab == 1) { return 1; }
    if (ab < 1) {
      if (b > 0) { return 0; }
      return inf;
    }
    if (b > 0) { return inf; }
    return 0;
  }
  let isInt = 0;
  if (Math.floor(b) == b) { isInt = 1; }
  if (a < 0 && isInt == 0 && ab != inf) { return nan; }
  let odd = 0;
  if (isInt > 0 && bb < 16777216) {
    if (Math.floor(bb / 2) * 2 != bb) { odd = 1; }
  }
  let r = 0;
  if (ab == 0) {
    if (b > 0) { r = 0; } else { r = inf; }
  } else if (ab == inf) {
    if (b > 0) { r = inf; } else { r = 0; }
  } else if (isInt > 0 && bb <= 64) {
    let base = ab;
    let e = bb;
    r = 1;
    for (let k = 0; k < 7; k++) {
      const half = Math.floor(e / 2);
      if (half * 2 != e) { r = r * base; }
      base = base * base;
      e = half;
    }
    if (b < 0) { r = 1 / r; }
  } else {
    r = exp2_(b * Math.log2(ab), inf, nan);
  }
  let negative = 0;
  if (a < 0) { negative = 1; }
  if (a == 0) {
    if (1 / a < 0) { negative = 1; }
  }
  if (odd > 0 && negative > 0) { return -r; }
  return r;
}`;

/** Every helper, in dependency order (gpu.js resolves calls by name). */
export const mathFunctions: readonly string[] = [
  idiv,
  exp,
  exp2,
  atanh2,
  expm1,
  log,
  log1p,
  tanh,
  sigmoid,
  softplus,
  erfc,
  max,
  min,
  pow,
];
