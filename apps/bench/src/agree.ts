/**
 * The agreement check: before a subject is timed, its output for the same input is compared with
 * backend-cpu's. A subject that disagrees is reported as wrong and not timed.
 *
 * Element-wise test (numpy's `allclose`, with the absolute part scaled to the reference):
 *
 *     |got - ref| <= rtol · |ref| + atol · max|ref|
 *
 * Kernels use rtol = 1e-3, atol = 1e-4: float32 results summed in a different order (blocked GEMM, im2col,
 * XNNPACK, float64 in ConvNetJS) differ by ~1e-6 relative over these sums (K up to 36,864 for the filter
 * gradient of LeNet conv1); a wrong index, a missing pad or a transposed operand is off by O(1).
 * The absolute part covers outputs near zero, where the relative error of a rounding difference is large.
 */

export interface Tolerance {
  rtol: number;
  /** Absolute tolerance as a fraction of the reference's largest magnitude. */
  atol: number;
}

export const KERNEL_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-4 };

/**
 * Model outputs (logits after several layers, and losses after a few SGD steps) accumulate more rounding:
 * 1e-3 relative, 1e-3 of the largest magnitude absolute. Still far below what a wrong layer or weight
 * layout gives (logits off by O(1), losses that do not follow the reference's).
 */
export const MODEL_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-3 };

export interface Agreement {
  ok: boolean;
  /** Elements compared. */
  count: number;
  maxAbsError: number;
  /** Largest |got - ref| / |ref| over elements with ref != 0. */
  maxRelError: number;
  /** Elements outside the tolerance. */
  mismatches: number;
  /** Why it failed (first offending element, or a length/NaN problem). */
  reason?: string;
}

export function compareArrays(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  tolerance: Tolerance = KERNEL_TOLERANCE,
): Agreement {
  const base = { count: ref.length, maxAbsError: Number.NaN, maxRelError: Number.NaN, mismatches: 0 };
  if (got.length !== ref.length) {
    return { ...base, ok: false, reason: `has ${got.length} elements, the reference ${ref.length}` };
  }
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!));
  const atol = tolerance.atol * scale;
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!;
    const r = ref[i]!;
    const err = Math.abs(g - r);
    // NaN fails every comparison, so it is caught by the negated test below.
    if (!(err <= tolerance.rtol * Math.abs(r) + atol)) {
      mismatches++;
      if (first < 0) first = i;
    }
    if (Number.isNaN(err)) continue;
    maxAbs = Math.max(maxAbs, err);
    if (r !== 0) maxRel = Math.max(maxRel, err / Math.abs(r));
  }
  const result: Agreement = {
    ok: mismatches === 0,
    count: ref.length,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    mismatches,
  };
  if (first >= 0) {
    result.reason = `${mismatches} of ${ref.length} elements differ beyond rtol ${tolerance.rtol} + atol ${tolerance.atol}·max|ref| (first at [${first}]: got ${got[first]}, expected ${ref[first]}; max abs error ${maxAbs.toExponential(2)})`;
  }
  return result;
}
