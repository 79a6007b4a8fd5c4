import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';
import { drawInput, type OpCase, opCases, termsOf } from './cases.js';
import { elementBound, scaleOf, type Tolerance } from './tolerance.js';

/** The differential cases (the gradient checks' ops, forward and backward, on other shapes) for a seed. */
export function differentialCases(seed = 11): OpCase[] {
  return opCases(seed);
}

/**
 * Runs one case on a backend and on the reference backend (float64 accumulation) with the same random
 * inputs and compares the outputs and the gradients of Σ y·r element-wise, with tolerance.ts's bound.
 * Returns the worst error / bound, and a message naming the tensor and element where they disagree.
 */
export async function compareBackends(
  opCase: OpCase,
  subject: Backend,
  reference: Backend,
  tol: Tolerance,
  seed = 3,
): Promise<{ failure: string | null; worstRatio: number }> {
  const run = async (backend: Backend): Promise<Float32Array[]> => {
    const rng = new cnn.Random(seed);
    const values = opCase.inputs.map((spec) => drawInput(spec, rng));
    const differentiate = opCase.differentiate ?? opCase.inputs.map((_, i) => i);
    const outs = cnn.tidy(() => {
      const xs = values.map((v, i) => cnn.tensor(v, opCase.inputs[i]!.shape, backend));
      const shape = opCase.fn(...xs).shape;
      const rr = new cnn.Random(seed + 1);
      const r = cnn.tensor(
        Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rr.normal()),
        shape,
        backend,
      );
      const { value, grads } = cnn.valueAndGrads(
        (...ds) => {
          const all = [...xs];
          differentiate.forEach((idx, k) => (all[idx] = ds[k]!));
          return opCase.fn(...all);
        },
        differentiate.map((i) => xs[i]!),
        r,
      );
      return [value, ...grads];
    });
    const data = await Promise.all(outs.map((t) => t.data()));
    outs.forEach((t) => t.dispose());
    return data;
  };
  const [ours, theirs] = [await run(subject), await run(reference)];
  const terms = termsOf(opCase);
  let worstRatio = 0;
  for (let t = 0; t < ours.length; t++) {
    const a = ours[t]!;
    const b = theirs[t]!;
    const what = t === 0 ? 'output' : `gradient ${t - 1}`;
    if (a.length !== b.length) {
      const failure = `${opCase.name}: ${what} has ${a.length} elements, reference ${b.length}`;
      return { failure, worstRatio: Number.POSITIVE_INFINITY };
    }
    const scale = scaleOf(b);
    for (let i = 0; i < a.length; i++) {
      const bound = elementBound(tol, b[i]!, scale, terms);
      const diff = Object.is(a[i], b[i]) ? 0 : Math.abs(a[i]! - b[i]!);
      // A bound of 0 (an all-zero reference) admits only exact agreement, not 0/0.
      const ratio = diff === 0 ? 0 : diff / bound;
      if (!(ratio <= 1)) {
        const failure = `${opCase.name}: ${what}[${i}] is ${a[i]} on ${subject.name} but ${b[i]} on ${reference.name} (bound ${bound.toExponential(3)})`;
        return { failure, worstRatio: Number.POSITIVE_INFINITY };
      }
      worstRatio = Math.max(worstRatio, ratio);
    }
  }
  return { failure: null, worstRatio };
}
