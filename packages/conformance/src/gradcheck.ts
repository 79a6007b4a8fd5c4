import type { Backend, Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';
import { drawInput, type OpCase, opCases } from './cases.js';
import { finiteDifference } from './tolerance.js';

/** A finite-difference check of one op: the function, its random inputs and the tolerance. */
export interface GradientCheck {
  name: string;
  ok: boolean;
  message: string;
  /** Elements compared. */
  checked: number;
}

/**
 * Finite-difference check of one op's backward rule: for L = Σ f(x)·r with a fixed random r, compares
 * the tape's dL/dx against (L(x + εe_i) - L(x - εe_i)) / 2ε on up to `samples` elements of each input.
 */
export async function checkGradient(
  opCase: OpCase,
  backend: Backend,
  seed = 7,
  samples = 12,
): Promise<GradientCheck> {
  const rng = new cnn.Random(seed);
  const values = opCase.inputs.map((spec) => drawInput(spec, rng));
  const differentiate = opCase.differentiate ?? opCase.inputs.map((_, i) => i);

  const evaluate = async (vals: Float32Array[]): Promise<number> => {
    const loss = cnn.tidy(() => {
      const xs = vals.map((v, i) => cnn.tensor(v, opCase.inputs[i]!.shape, backend));
      const y = opCase.fn(...xs);
      return cnn.sum(cnn.mul(y, weights(y)));
    });
    const out = (await loss.data())[0]!;
    loss.dispose();
    return out;
  };
  // r is drawn once per output shape, from its own generator, so every evaluation uses the same r.
  let r: Float32Array | null = null;
  const weights = (y: Tensor): Tensor => {
    if (!r) {
      const rr = new cnn.Random(seed + 1);
      r = Float32Array.from({ length: y.size }, () => rr.normal());
    }
    return cnn.tensor(r, y.shape, backend);
  };

  const analytic = cnn.tidy(() => {
    const xs = values.map((v, i) => cnn.tensor(v, opCase.inputs[i]!.shape, backend));
    const { grads } = cnn.valueAndGrads(
      (...ds) => {
        const all = [...xs];
        differentiate.forEach((idx, k) => (all[idx] = ds[k]!));
        const y = opCase.fn(...all);
        return cnn.sum(cnn.mul(y, weights(y)));
      },
      differentiate.map((i) => xs[i]!),
    );
    return grads;
  });
  const analyticValues = await Promise.all(analytic.map((g) => g.data()));
  analytic.forEach((g) => g.dispose());

  return compareSampled(opCase.name, 'd', values, differentiate, analyticValues, evaluate, rng, samples);
}

/** The gradient-check cases (one per differentiable op) for a seed. */
export function gradientChecks(seed = 1): OpCase[] {
  return opCases(seed);
}

/**
 * Finite-difference check of the second derivative: with g(x) = ∇ Σ f(x)·r and a fixed random w, the
 * gradient of g(x)·w taken by nesting `valueAndGrads` (the Hessian times w) is compared against the
 * central difference of g(x)·w on up to `samples` elements of each differentiated input.
 */
export async function checkSecondOrder(
  opCase: OpCase,
  backend: Backend,
  seed = 7,
  samples = 6,
): Promise<GradientCheck> {
  const rng = new cnn.Random(seed);
  const values = opCase.inputs.map((spec) => drawInput(spec, rng));
  const differentiate = opCase.differentiate ?? opCase.inputs.map((_, i) => i);
  const outputWeights = new cnn.Random(seed + 1);
  let r: Float32Array | null = null;
  const gradientWeights = differentiate.map((idx) => {
    const rr = new cnn.Random(seed + 2 + idx);
    return Float32Array.from({ length: values[idx]!.length }, () => rr.normal());
  });

  /** g(xs)·w, differentiable with respect to the differentiated inputs. */
  const gradDot = (xs: Tensor[]): Tensor => {
    const { value, grads } = cnn.valueAndGrads(
      (...ds) => {
        const all = [...xs];
        differentiate.forEach((idx, k) => (all[idx] = ds[k]!));
        const y = opCase.fn(...all);
        r ??= Float32Array.from({ length: y.size }, () => outputWeights.normal());
        return cnn.sum(cnn.mul(y, cnn.tensor(r, y.shape, backend)));
      },
      differentiate.map((i) => xs[i]!),
    );
    value.dispose();
    return grads
      .map((g, k) => cnn.sum(cnn.mul(g, cnn.tensor(gradientWeights[k]!, g.shape, backend))))
      .reduce((a, b) => cnn.add(a, b));
  };
  const upload = (vals: Float32Array[]) =>
    vals.map((v, i) => cnn.tensor(v, opCase.inputs[i]!.shape, backend));
  const evaluate = async (vals: Float32Array[]): Promise<number> => {
    const t = cnn.tidy(() => gradDot(upload(vals)));
    const out = (await t.data())[0]!;
    t.dispose();
    return out;
  };

  const analytic = cnn.tidy(() => {
    const xs = upload(values);
    return cnn.valueAndGrads(
      (...ds) => {
        const all = [...xs];
        differentiate.forEach((idx, k) => (all[idx] = ds[k]!));
        return gradDot(all);
      },
      differentiate.map((i) => xs[i]!),
    ).grads;
  });
  const analyticValues = await Promise.all(analytic.map((g) => g.data()));
  analytic.forEach((g) => g.dispose());

  return compareSampled(
    opCase.name,
    'second derivative d(∇·w)',
    values,
    differentiate,
    analyticValues,
    evaluate,
    rng,
    samples,
  );
}

/**
 * The shared comparison of both checks: on up to `samples` elements of each differentiated input, the
 * central difference (f(x + εe_i) - f(x - εe_i)) / 2ε of the scalar `evaluate` against `analytic`.
 */
async function compareSampled(
  name: string,
  what: string,
  values: Float32Array[],
  differentiate: readonly number[],
  analytic: readonly Float32Array[],
  evaluate: (vals: Float32Array[]) => Promise<number>,
  rng: cnn.Random,
  samples: number,
): Promise<GradientCheck> {
  const { epsilon, atol, rtol } = finiteDifference;
  let checked = 0;
  for (let k = 0; k < differentiate.length; k++) {
    const idx = differentiate[k]!;
    const size = values[idx]!.length;
    const picks =
      size <= samples ? [...Array(size).keys()] : rng.shuffle([...Array(size).keys()]).slice(0, samples);
    for (const i of picks) {
      const plus = values.map((v) => v.slice());
      const minus = values.map((v) => v.slice());
      plus[idx]![i]! += epsilon;
      minus[idx]![i]! -= epsilon;
      const numeric = ((await evaluate(plus)) - (await evaluate(minus))) / (2 * epsilon);
      const got = analytic[k]![i]!;
      checked++;
      if (!(Math.abs(got - numeric) <= atol + rtol * Math.abs(numeric))) {
        const message = `${name}: ${what}/d(input ${idx})[${i}] is ${got} but the finite difference gives ${numeric}`;
        return { name, ok: false, checked, message };
      }
    }
  }
  return { name, ok: true, checked, message: `${name}: ${checked} elements agree` };
}
