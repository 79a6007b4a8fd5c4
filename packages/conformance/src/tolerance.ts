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

/** Finite-difference checks compare against a float32 numeric derivative, so their bound is wider. */
export const finiteDifference = { epsilon: 1e-2, atol: 2e-3, rtol: 2e-2 };
