/**
 * How close a backend's float32 result must be to a reference, derived once, here, for every backend.
 *
 * The references are exact values rounded once to float32 (the PyTorch fixtures are computed in float64;
 * the reference backend accumulates in float64). What separates a correct float32 backend from them is
 * its own rounding, which has two sources:
 *
 * 1. Elementwise work. An output element comes out of a short chain of correctly rounded operations (each
 *    off by at most u·|value|, u the unit roundoff) and at most a couple of library functions (exp, log,
 *    tanh, erf: a few ulp). The longest chains in the contract (a composed softmax or batch norm, a GELU
 *    derivative) have about a dozen such steps, so the element's own error is below
 *    `ELEMENT_STEPS · u · |ref|`, ELEMENT_STEPS = 16.
 *
 * 2. Accumulation. An element that is a sum of K terms (a dot product in matMul or conv, a window of a
 *    pooling, a reduction, a gradient summed over a batch) picks up one rounding per partial sum. In the
 *    worst case that is (K-1)·u·Σ|terms|; with rounding errors of random sign it is about u·√K times the
 *    size of the partial sums (Higham, "Accuracy and Stability of Numerical Algorithms", §4.2 and the
 *    probabilistic bounds of Higham & Mary 2019). The partial sums of one output tensor are of the size of
 *    the tensor's largest elements, so the scale used is S = max|ref| over the tensor: that is what makes
 *    an element that cancels to nearly zero still get the absolute allowance its terms earned (a -0.0129
 *    element of a filter gradient whose other elements reach 74.6). The bound is `SUM_SIGMAS · u · √K · S`
 *    with SUM_SIGMAS = 4 (four standard deviations of that random model).
 *
 * An element passes when `|ours - ref| <= u · (ELEMENT_STEPS·|ref| + SUM_SIGMAS·√K·S) + r`, where r is half
 * a unit of the last digit for the few ONNX references written rounded to a few decimals
 * (`fixtureResolution`). K comes from the op (`terms` in adapters.ts, per output and gradient); where
 * the op does not say, K is the number of input elements, which no element's sum can exceed.
 *
 * Each backend class has its own unit roundoff; nothing else differs. Never loosen a bound to make a case
 * pass: a failing case is a bug or an explicit, reported skip.
 */
export interface Tolerance {
  /** The unit roundoff of the backend's arithmetic. */
  unitRoundoff: number;
  /** Why this unit roundoff. */
  reason: string;
}

/** Rounding steps allowed per output element (see the bound above). */
export const ELEMENT_STEPS = 16;
/** Standard deviations allowed for the accumulation error (see the bound above). */
export const SUM_SIGMAS = 4;

/** The tolerance classes by name: `'cpu'` (IEEE float32) and `'webgl'` (GLSL ES highp). */
export const tolerances = {
  /**
   * IEEE float32 arithmetic (JavaScript on Float32Array, WebAssembly f32, tfjs's cpu and wasm engines):
   * u = 2^-24, correctly rounded + - × ÷ √.
   */
  cpu: { unitRoundoff: 2 ** -24, reason: 'IEEE float32: u = 2^-24' },
  /**
   * WebGL shaders store float32 in textures, but GLSL ES only requires highp arithmetic to be accurate to
   * a relative 2^-16 (ES 3.0 §4.5.1 "precision qualifiers": highp has at least 16 bits of relative
   * precision for operations; exp/log/pow are looser still on many GPUs), so u = 2^-16.
   */
  webgl: { unitRoundoff: 2 ** -16, reason: 'GLSL ES highp: relative precision 2^-16' },
} satisfies Record<string, Tolerance>;

/** A tolerance class name: `'cpu'` or `'webgl'`. */
export type ToleranceClass = keyof typeof tolerances;

/** The largest allowed |ours - ref| for an element `ref` of a tensor with scale `scale` and `terms` terms. */
export function elementBound(
  tol: Tolerance,
  ref: number,
  scale: number,
  terms: number,
  resolution = 0,
): number {
  return (
    tol.unitRoundoff * (ELEMENT_STEPS * Math.abs(ref) + SUM_SIGMAS * Math.sqrt(Math.max(1, terms)) * scale) +
    resolution
  );
}

/** S of the derivation: the largest finite |value| of a reference tensor. */
export function scaleOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (v > s && v !== Number.POSITIVE_INFINITY) s = v;
  }
  return s;
}

/**
 * Some ONNX reference outputs were written rounded to a few decimals (e.g. `0.1511` for the exact mean
 * 0.151056 in test_averagepool_2d_ceil_last_window_starts_on_pad). When every value of a reference tensor is
 * a decimal with at most `d` digits, 3 <= d <= 6, the reference cannot be trusted beyond half a unit of its
 * last digit, and that half unit is added to the bound for that tensor. Full-precision references get nothing.
 */
export function referenceResolution(values: readonly number[]): number {
  if (values.length === 0) return 0;
  for (let digits = 3; digits <= 6; digits++) {
    const scale = 10 ** digits;
    if (values.every((v) => Math.fround(Math.round(v * scale) / scale) === Math.fround(v)))
      return 0.5 / scale;
  }
  return 0;
}

/**
 * The reference uncertainty of one fixture output: its own rounding (above) and, when the fixture's
 * inputs were rounded the same way after the reference was computed from them (ONNX's hand-written
 * node tests do this), their half unit too, passed through at unit gain (the ops such fixtures test,
 * averages and windows of the inputs, have gains of at most 1).
 */
export function fixtureResolution(ref: readonly number[], inputs: readonly (readonly number[])[]): number {
  const own = referenceResolution(ref);
  if (own === 0) return 0;
  return own + Math.max(0, ...inputs.map(referenceResolution));
}

/**
 * Finite-difference checks compare against a float32 numeric derivative: a central difference with step
 * ε has truncation error O(ε²·f''') and rounding error about u·|f|/ε, so its bound is far wider.
 */
export const finiteDifference = { epsilon: 1e-2, atol: 2e-3, rtol: 2e-2 };
