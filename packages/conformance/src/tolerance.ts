/**
 * Every tolerance of the suite, in one place, per backend class. An element passes when
 * `|ours - ref| <= atol + rtol * |ref|`. These are never loosened to make a case pass.
 */
export interface Tolerance {
  atol: number;
  rtol: number;
  /** Why this bound. */
  reason: string;
}

export const tolerances = {
  /**
   * float32 kernels on the CPU: the references are float32 too, so the only differences are summation order
   * and libm-level rounding in exp/log/erf (a few ulps, ~1e-7 relative), far inside this bound.
   */
  cpu: { atol: 1e-5, rtol: 1e-4, reason: 'float32 on CPU: summation order and transcendental rounding' },
  /** WebGL textures hold float32 but shader math (exp, pow, division) is not IEEE-exact on every GPU. */
  webgl: { atol: 1e-4, rtol: 1e-3, reason: 'WebGL shader arithmetic is not correctly rounded' },
} satisfies Record<string, Tolerance>;

export type ToleranceClass = keyof typeof tolerances;

/**
 * Some ONNX reference outputs were written rounded to a few decimals (e.g. `0.1511` for the exact mean
 * 0.151056 in test_averagepool_2d_ceil_last_window_starts_on_pad). When every value of a reference tensor is
 * a decimal with at most `d` digits, 3 <= d <= 6, the reference cannot be trusted beyond half a unit of its
 * last digit, and that half unit is added to `atol` for that tensor. Full-precision references get nothing.
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

/** Finite-difference checks compare against a float32 numeric derivative, so their bound is wider. */
export const finiteDifference = { epsilon: 1e-2, atol: 2e-3, rtol: 2e-2 };
