import { describe, expect, it } from 'vitest';
import { erf, erfc, reference } from '../src/index.js';
import { expectValues, t } from './helpers.js';

const b = reference();

/** |got - want| <= rel · |want|. */
function expectRel(got: number, want: number, rel: number) {
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(rel * Math.abs(want));
}

describe("erf / erfc (this package's own)", () => {
  // High-precision values (mpmath, 40 digits), rounded to double.
  it('series branch (|x| < 2.5) matches known values to 1e-14 relative', () => {
    expectRel(erf(0.1), 0.1124629160182849, 1e-14);
    expectRel(erf(0.5), 0.5204998778130465, 1e-14);
    expectRel(erf(1), 0.8427007929497149, 1e-14);
    expectRel(erf(2), 0.9953222650189527, 1e-14);
    expectRel(erf(2.4), 0.999311486103355, 1e-14);
    expectRel(erf(-1.7), -0.9837904585907745, 1e-14);
    expectRel(erfc(1.5), 0.033894853524689274, 1e-13);
  });

  it('continued-fraction branch (|x| >= 2.5) matches known tail values to 1e-14 relative', () => {
    expectRel(erfc(2.5), 0.0004069520174449589, 1e-14);
    expectRel(erfc(3), 2.209049699858544e-5, 1e-14);
    expectRel(erfc(5), 1.537459794428035e-12, 1e-14);
    expectRel(erfc(10), 2.088487583762545e-45, 1e-14);
    expectRel(erf(2.5), 0.999593047982555, 1e-15);
    expectRel(erfc(-3), 1.9999779095030015, 1e-15);
  });

  it('the two branches meet at 2.5', () => {
    // erfc changes by about 2e-15 relative over 1e-12 here: the series side must agree to 1e-10.
    expectRel(erfc(2.5 - 1e-12), erfc(2.5), 1e-10);
    expectRel(erf(2.5 - 1e-12), erf(2.5), 1e-15);
  });

  it('symmetry and edge values', () => {
    for (const x of [0.3, 1.2, 2.7, 4]) {
      expect(erf(-x)).toBe(-erf(x));
      expectRel(erfc(-x), 1 + erf(x), 1e-15);
    }
    expect(erf(0)).toBe(0);
    expect(erf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(erf(Number.NEGATIVE_INFINITY)).toBe(-1);
    expect(erfc(Number.POSITIVE_INFINITY)).toBe(0);
    expect(erfc(Number.NEGATIVE_INFINITY)).toBe(2);
    expect(erfc(40)).toBe(0);
    expect(erf(Number.NaN)).toBeNaN();
    expect(erfc(Number.NaN)).toBeNaN();
  });
});

describe('activation', () => {
  it('relu: max(x, 0), NaN stays NaN', () => {
    expectValues(b.activation(t([4], [-1, 0, 2.5, Number.NaN]), { kind: 'relu' }, [4]), [
      0,
      0,
      2.5,
      Number.NaN,
    ]);
  });

  it('leakyRelu: x >= 0 ? x : alpha x', () => {
    const y = b.activation(t([3], [-2, 0, 3]), { kind: 'leakyRelu', alpha: 0.1 }, [3]);
    expectValues(y, [-0.2, 0, 3]);
  });

  it('elu and selu use expm1 and the given constants', () => {
    expectValues(b.activation(t([2], [-1, 2]), { kind: 'elu', alpha: 1 }, [2]), [-0.6321205588285577, 2]);
    const alpha = 1.6732632423543772;
    const gamma = 1.0507009873554805;
    const y = b.activation(t([3], [-1, 0, 1]), { kind: 'selu', alpha, gamma }, [3]);
    expectValues(y, [gamma * alpha * -0.6321205588285577, 0, gamma]);
    // expm1 accuracy: elu(-1e-10) = -1e-10 + 5e-21, where e^x - 1 would lose every digit but one.
    expectValues(b.activation(t([1], [-1e-10]), { kind: 'elu', alpha: 1 }, [1]), [Math.fround(-1e-10)]);
  });

  it('sigmoid: no overflow, no NaN at large |x|', () => {
    const y = b.activation(t([5], [0, 100, -100, 1000, -1000]), { kind: 'sigmoid' }, [5]);
    expectValues(y, [0.5, 1, 3.720075976020836e-44, 1, 0]);
  });

  it('tanh', () => {
    expectValues(b.activation(t([3], [0, 0.5, -20]), { kind: 'tanh' }, [3]), [0, Math.tanh(0.5), -1]);
  });

  it('softplus: log(1 + e^x) stable at both ends', () => {
    const y = b.activation(t([5], [0, 100, -100, 1000, -1000]), { kind: 'softplus' }, [5]);
    expectValues(y, [Math.LN2, 100, 3.720075976020836e-44, 1000, 0]);
  });

  it("gelu 'none': x Φ(x) with Φ(x) = erfc(-x/√2)/2, accurate in the negative tail", () => {
    const y = b.activation(t([5], [0, 1, -1, -5, -10]), { kind: 'gelu', approximate: 'none' }, [5]);
    expectValues(y.subarray(0, 3), [0, 0.8413447460685429, -0.15865525393145705]);
    expectRel(y[3]!, Math.fround(-1.4332578593959695e-6), 1e-7);
    expectRel(y[4]!, Math.fround(-7.619853024160526e-23), 1e-7);
  });

  it("gelu 'tanh': x/2 (1 + tanh(√(2/π)(x + 0.044715 x³)))", () => {
    const y = b.activation(t([3], [0, 1, -3]), { kind: 'gelu', approximate: 'tanh' }, [3]);
    expectValues(y, [0, 0.8411919906082767, -0.003637392081773019]);
  });

  it('hardSigmoid: max(0, min(1, alpha x + beta))', () => {
    const y = b.activation(t([4], [-3, 0, 1, 3]), { kind: 'hardSigmoid', alpha: 0.2, beta: 0.5 }, [4]);
    expectValues(y, [0, 0.5, 0.7, 1]);
  });

  it('clip: min(max, max(min, x)); min > max gives max everywhere', () => {
    expectValues(b.activation(t([3], [-1, 3, 7]), { kind: 'clip', min: 0, max: 6 }, [3]), [0, 3, 6]);
    expectValues(b.activation(t([2], [0, 5]), { kind: 'clip', min: 2, max: 1 }, [2]), [1, 1]);
  });
});
