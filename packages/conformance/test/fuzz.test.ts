import { cpu } from '@cnn/backend-cpu';
import { reference } from '@cnn/backend-reference';
import type { Backend, Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawInput, type InputSpec, type OpCase, termsOf } from '../src/cases.js';
import { elementBound, scaleOf, type Tolerance, tolerances } from '../src/tolerance.js';

// Seeded fuzzing of core and backend-cpu.
//
// (a) Thousands of random VALID configurations of the ops whose attributes interact (conv2d and
//     conv2dTranspose with strides, pads, dilations and groups; pooling with ceil mode, pads and
//     countIncludePad; matMul with transposes and broadcast batches; elementwise broadcasting; reductions over
//     random axes; concat, slice, transpose, pad), each run on backend-cpu and on backend-cpu with its
//     optional kernels hidden, and compared with the reference backend (float64 accumulation): the output
//     and the gradient of every input (`compareBackends`, the differential tests' comparison), with the
//     conformance bound `elementBound` (tolerance.ts, IEEE float32, K = the input element count).
// (b) Thousands of random INVALID configurations: every one must throw an Error whose message starts with
//     the op's name and ':' (the convention of every message in core), never a TypeError or RangeError,
//     never return a tensor, never take long, and leave no tensor behind.
//
// Every failure is reported with its seed and its configuration, which is a complete reproducer.

const VALID_CASES = 3000;
const INVALID_CASES = 10000;

/** A seeded generator with the draws the fuzzers need. */
class Draw {
  readonly rng: cnn.Random;
  constructor(seed: number) {
    this.rng = new cnn.Random(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + this.rng.int(hi - lo + 1);
  }
  bool(p = 0.5): boolean {
    return this.rng.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.rng.int(items.length)]!;
  }
  shape(rank: number, lo = 1, hi = 4): number[] {
    return Array.from({ length: rank }, () => this.int(lo, hi));
  }
}

const fmt = (shape: readonly number[]) => `[${shape.join(',')}]`;
const json = (v: unknown) =>
  JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));

// ---------------------------------------------------------------------------------------------------------
// (a) valid configurations
// ---------------------------------------------------------------------------------------------------------

/**
 * The differential comparison (differential.ts's `compareBackends`, restated here so that an element the
 * bound allows exactly, such as 0 against 0 where the bound is 0, passes): the op's output and the gradient
 * of Σ y·r with respect to every input, on `subject` and on the reference, element by element within
 * `elementBound` (K = the input element count). Returns the failure (or null) and the worst |error| / bound.
 */
async function compare(
  opCase: OpCase,
  subject: Backend,
  ref: Backend,
  tol: Tolerance,
  seed: number,
): Promise<{ failure: string | null; worst: number }> {
  const run = async (backend: Backend): Promise<Float32Array[]> => {
    const rng = new cnn.Random(seed);
    const values = opCase.inputs.map((spec) => drawInput(spec, rng));
    const outs = cnn.tidy(() => {
      const xs = values.map((v, i) => cnn.tensor(v, opCase.inputs[i]!.shape, backend));
      const shape = opCase.fn(...xs).shape;
      const rr = new cnn.Random(seed + 1);
      const r = cnn.tensor(
        Float32Array.from({ length: shape.reduce((p, n) => p * n, 1) }, () => rr.normal()),
        shape,
        backend,
      );
      const { value, grads } = cnn.valueAndGrads((...ds) => opCase.fn(...ds), xs, r);
      return [value, ...grads];
    });
    const data = await Promise.all(outs.map((t) => t.data()));
    outs.forEach((t) => t.dispose());
    return data;
  };
  const [ours, theirs] = [await run(subject), await run(ref)];
  const terms = termsOf(opCase);
  let worst = 0;
  for (let t = 0; t < ours.length; t++) {
    const [a, b] = [ours[t]!, theirs[t]!];
    const what = t === 0 ? 'output' : `gradient ${t - 1}`;
    if (a.length !== b.length)
      return { failure: `${what} has ${a.length} elements, reference ${b.length}`, worst };
    const scale = scaleOf(b);
    for (let i = 0; i < a.length; i++) {
      const bound = elementBound(tol, b[i]!, scale, terms);
      const error = Math.abs(a[i]! - b[i]!);
      const same = Object.is(a[i], b[i]) || (Number.isNaN(a[i]!) && Number.isNaN(b[i]!));
      if (!same && !(error <= bound)) {
        return {
          failure: `${what}[${i}] is ${a[i]} on ${subject.name} but ${b[i]} on ${ref.name} (bound ${bound.toExponential(3)})`,
          worst,
        };
      }
      if (bound > 0) worst = Math.max(worst, error / bound);
    }
  }
  return { failure: null, worst };
}

type Gen = (d: Draw) => OpCase;

/** A pair `[a, b]` or, half the time when both are equal, the single number. */
function pairOrNumber(d: Draw, a: number, b: number): number | [number, number] {
  return a === b && d.bool() ? a : [a, b];
}

const conv2dCase: Gen = (d) => {
  const groups = d.pick([1, 1, 1, 2, 3]);
  const inPer = d.int(1, 3);
  const outPer = d.int(1, 3);
  const [kh, kw] = [d.int(1, 4), d.int(1, 4)];
  const strides: [number, number] = [d.int(1, 3), d.int(1, 3)];
  const dilations: [number, number] = [d.pick([1, 1, 2, 3]), d.pick([1, 1, 2])];
  const ext = [dilations[0] * (kh - 1) + 1, dilations[1] * (kw - 1) + 1];
  let padding: cnn.Padding;
  let padSum: [number, number];
  const mode = d.int(0, 5);
  if (mode === 0) {
    padding = 'valid';
    padSum = [0, 0];
  } else if (mode === 1) {
    padding = d.pick(['same', 'SAME_LOWER'] as const);
    padSum = [ext[0]! - 1, ext[1]! - 1]; // at least enough: any size works
  } else {
    const pads = [d.int(0, ext[0]! - 1), d.int(0, ext[1]! - 1), d.int(0, ext[0]! - 1), d.int(0, ext[1]! - 1)];
    padding = pads as [number, number, number, number];
    padSum = [pads[0]! + pads[2]!, pads[1]! + pads[3]!];
  }
  const h = mode === 1 ? d.int(1, 7) : d.int(Math.max(1, ext[0]! - padSum[0]), ext[0]! - padSum[0] + 5);
  const w = mode === 1 ? d.int(1, 7) : d.int(Math.max(1, ext[1]! - padSum[1]), ext[1]! - padSum[1] + 5);
  const x = [d.int(1, 2), h, w, inPer * groups];
  const f = [kh, kw, inPer, outPer * groups];
  const options: cnn.Conv2DOptions = {
    strides: pairOrNumber(d, ...strides),
    padding,
    dilations: pairOrNumber(d, ...dilations),
    groups,
  };
  return {
    name: `conv2d x${fmt(x)} filter${fmt(f)} ${json(options)}`,
    inputs: [{ shape: x }, { shape: f }],
    fn: (a, b) => cnn.conv2d(a!, b!, options),
  };
};

const conv2dTransposeCase: Gen = (d) => {
  const groups = d.pick([1, 1, 2]);
  const inC = groups * d.int(1, 2);
  const outPer = d.int(1, 3);
  const [kh, kw] = [d.int(1, 4), d.int(1, 4)];
  const strides: [number, number] = [d.int(1, 3), d.int(1, 3)];
  const dilations: [number, number] = [d.pick([1, 1, 2]), d.pick([1, 1, 2])];
  const ext = [dilations[0] * (kh - 1) + 1, dilations[1] * (kw - 1) + 1];
  const [h, w] = [d.int(1, 4), d.int(1, 4)];
  // Pads of the forward conv crop the full output `s·(in-1) + op + extent`: keep at least one row/col.
  const outputPadding: [number, number] = [d.int(0, strides[0] - 1), d.int(0, strides[1] - 1)];
  const full = [
    strides[0] * (h - 1) + outputPadding[0] + ext[0]!,
    strides[1] * (w - 1) + outputPadding[1] + ext[1]!,
  ];
  const side = (axis: 0 | 1) => {
    const before = d.int(0, Math.min(ext[axis]! - 1, full[axis]! - 1));
    const after = d.int(0, Math.min(ext[axis]! - 1, full[axis]! - 1 - before));
    return [before, after] as const;
  };
  const [t, b] = side(0);
  const [l, r] = side(1);
  const options: cnn.Conv2DTransposeOptions = {
    strides,
    dilations,
    groups,
    outputPadding,
    padding: d.bool(0.2) ? 'same' : [t, l, b, r],
  };
  const x = [d.int(1, 2), h, w, inC];
  const f = [kh, kw, outPer, inC];
  return {
    name: `conv2dTranspose x${fmt(x)} filter${fmt(f)} ${json(options)}`,
    inputs: [{ shape: x }, { shape: f }],
    fn: (a, c) => cnn.conv2dTranspose(a!, c!, options),
  };
};

/** Core's output size of one pooling axis (floor, or ceil without a last window that starts in the end padding). */
function poolOutput(
  input: number,
  before: number,
  after: number,
  extent: number,
  stride: number,
  ceil: boolean,
) {
  const span = input + before + after - extent;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (out - 1) * stride >= input + before) out--;
  return out;
}

/** Whether some window of one pooling axis has no tap inside the input (only possible with dilation). */
function hasPaddingOnlyWindow(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
  before: number,
  out: number,
): boolean {
  for (let i = 0; i < out; i++) {
    let real = false;
    for (let a = 0; a < kernel && !real; a++) {
      const at = i * stride + a * dilation - before;
      real = at >= 0 && at < input;
    }
    if (!real) return true;
  }
  return false;
}

/** Pooling configurations with a window that sees only padding (core refuses them: see the test above). */
const paddingOnlyPools: string[] = [];

const poolCase: Gen = (d) => {
  const kind = d.pick(['max', 'avg'] as const);
  const kernel: [number, number] = [d.int(1, 4), d.int(1, 4)];
  const strides: [number, number] = [d.int(1, 3), d.int(1, 3)];
  const dilations: [number, number] = [d.pick([1, 1, 2]), d.pick([1, 1, 2])];
  const ext = [dilations[0] * (kernel[0] - 1) + 1, dilations[1] * (kernel[1] - 1) + 1];
  const pads: [number, number, number, number] = [
    d.int(0, ext[0]! - 1),
    d.int(0, ext[1]! - 1),
    d.int(0, ext[0]! - 1),
    d.int(0, ext[1]! - 1),
  ];
  const h = d.int(Math.max(1, ext[0]! - pads[0] - pads[2]), ext[0]! - pads[0] - pads[2] + 5);
  const w = d.int(Math.max(1, ext[1]! - pads[1] - pads[3]), ext[1]! - pads[1] - pads[3] + 5);
  const x = [d.int(1, 2), h, w, d.int(1, 3)];
  const options: cnn.AvgPool2DOptions = {
    kernel: pairOrNumber(d, ...kernel),
    strides: pairOrNumber(d, ...strides),
    dilations: pairOrNumber(d, ...dilations),
    padding: pads,
    ceilMode: d.bool(),
  };
  if (kind === 'avg') options.countIncludePad = d.bool();
  const axes = [0, 1].map((i) => {
    const out = poolOutput(x[i + 1]!, pads[i]!, pads[i + 2]!, ext[i]!, strides[i]!, options.ceilMode!);
    return hasPaddingOnlyWindow(x[i + 1]!, kernel[i]!, strides[i]!, dilations[i]!, pads[i]!, out);
  });
  const name = `${kind}Pool2d x${fmt(x)} ${json(options)}`;
  if (axes.some(Boolean)) {
    // An invalid configuration (core refuses it: checked in fuzz (a)); a valid one is drawn instead.
    paddingOnlyPools.push(JSON.stringify({ kind, x, ...options }));
    return poolCase(d);
  }
  return {
    name,
    // Well-separated values: no near-tie decides a max, so the argmax (and the gradient) is the same everywhere.
    inputs: [{ shape: x, draw: kind === 'max' ? 'distinct' : 'normal' }],
    fn: kind === 'max' ? (a) => cnn.maxPool2d(a!, options) : (a) => cnn.avgPool2d(a!, options),
  };
};

/** A batch shape and a second one that broadcasts with it (dims of 1 and missing leading dims). */
function broadcastPair(d: Draw, maxRank: number, hi = 3): [number[], number[]] {
  const full = d.shape(d.int(0, maxRank), 1, hi);
  const other = full.slice(d.int(0, full.length)).map((n) => (d.bool(0.35) ? 1 : n));
  const a = full.map((n) => (d.bool(0.2) ? 1 : n));
  // Make sure `a` still reaches the full size where `other` has a 1.
  const offset = full.length - other.length;
  full.forEach((n, i) => {
    if (i >= offset && other[i - offset] === 1) a[i] = n;
  });
  return d.bool() ? [a, other] : [other, a];
}

const matMulCase: Gen = (d) => {
  const [m, k, n] = [d.int(1, 5), d.int(1, 5), d.int(1, 5)];
  const [transposeA, transposeB] = [d.bool(), d.bool()];
  const vector = d.int(0, 9);
  let a: number[];
  let b: number[];
  if (vector === 0) {
    a = [k];
    b = [...broadcastPair(d, 2)[0], ...(transposeB ? [n, k] : [k, n])];
  } else if (vector === 1) {
    a = [...broadcastPair(d, 2)[0], ...(transposeA ? [k, m] : [m, k])];
    b = [k];
  } else {
    const [ba, bb] = broadcastPair(d, 2);
    a = [...ba, ...(transposeA ? [k, m] : [m, k])];
    b = [...bb, ...(transposeB ? [n, k] : [k, n])];
  }
  return {
    name: `matMul a${fmt(a)} b${fmt(b)} transposeA=${transposeA} transposeB=${transposeB}`,
    inputs: [{ shape: a }, { shape: b }],
    fn: (x, y) => cnn.matMul(x!, y!, transposeA, transposeB),
  };
};

const binaryOps = {
  add: [cnn.add, 'normal'],
  sub: [cnn.sub, 'normal'],
  mul: [cnn.mul, 'normal'],
  div: [cnn.div, 'positive'],
  maximum: [cnn.maximum, 'normal'],
  minimum: [cnn.minimum, 'normal'],
  pow: [cnn.pow, 'normal'],
} as const;

const elementwiseCase: Gen = (d) => {
  const op = d.pick(Object.keys(binaryOps) as (keyof typeof binaryOps)[]);
  const [fn, drawB] = binaryOps[op];
  const [a, b] = broadcastPair(d, 4);
  const inputs: InputSpec[] = [
    { shape: a, draw: op === 'pow' ? 'positive' : 'normal' },
    { shape: b, draw: drawB },
  ];
  return { name: `${op} a${fmt(a)} b${fmt(b)}`, inputs, fn: (x, y) => fn(x!, y!) };
};

const reducers = { sum: cnn.sum, mean: cnn.mean, max: cnn.max, min: cnn.min };

const reductionCase: Gen = (d) => {
  const op = d.pick(['sum', 'mean', 'max', 'min', 'softmax', 'logSoftmax'] as const);
  const shape = d.shape(d.int(1, 4), 1, 4);
  const rank = shape.length;
  const axis = () => {
    const a = d.int(0, rank - 1);
    return d.bool(0.3) ? a - rank : a;
  };
  const draw = op === 'max' || op === 'min' ? 'distinct' : 'normal';
  if (op === 'softmax' || op === 'logSoftmax') {
    const a = axis();
    return {
      name: `${op} x${fmt(shape)} axis ${a}`,
      inputs: [{ shape }],
      fn: (x) => (op === 'softmax' ? cnn.softmax : cnn.logSoftmax)(x!, a),
    };
  }
  const keepDims = d.bool();
  const choice = d.int(0, 3);
  const axes =
    choice === 0 ? undefined : choice === 1 ? axis() : Array.from({ length: d.int(1, rank) }, axis);
  return {
    name: `${op} x${fmt(shape)} axes ${json(axes)} keepDims=${keepDims}`,
    inputs: [{ shape, draw }],
    fn: (x) => reducers[op](x!, axes, keepDims),
  };
};

const concatCase: Gen = (d) => {
  const base = d.shape(d.int(1, 4), 1, 3);
  const axis = d.int(0, base.length - 1);
  const parts = Array.from({ length: d.int(2, 4) }, () =>
    base.map((n, i) => (i === axis ? d.int(d.bool(0.1) ? 0 : 1, 3) : n)),
  );
  if (parts.every((p) => p[axis] === 0)) parts[0]![axis] = 1;
  const signed = d.bool(0.3) ? axis - base.length : axis;
  return {
    name: `concat ${parts.map(fmt).join(' ')} axis ${signed}`,
    inputs: parts.map((shape) => ({ shape })),
    fn: (...xs) => cnn.concat(xs, signed),
  };
};

const sliceCase: Gen = (d) => {
  const shape = d.shape(d.int(1, 4), 1, 5);
  const begin = shape.map((n) => d.int(0, n - 1));
  const size = shape.map((n, i) => (d.bool(0.25) ? -1 : d.int(1, n - begin[i]!)));
  return {
    name: `slice x${fmt(shape)} begin ${fmt(begin)} size ${fmt(size)}`,
    inputs: [{ shape }],
    fn: (x) => cnn.slice(x!, begin, size),
  };
};

const transposeCase: Gen = (d) => {
  const shape = d.shape(d.int(1, 5), 1, 4);
  const perm = d.rng.shuffle([...shape.keys()]).map((a) => (d.bool(0.2) ? a - shape.length : a));
  return {
    name: `transpose x${fmt(shape)} perm ${fmt(perm)}`,
    inputs: [{ shape }],
    fn: (x) => cnn.transpose(x!, perm),
  };
};

const padCase: Gen = (d) => {
  const shape = d.shape(d.int(1, 4), 1, 4);
  // Negative amounts crop (ONNX Pad); keep at least one element per axis.
  const before = shape.map((n) => d.int(-Math.min(1, n - 1), 2));
  const after = shape.map((n, i) => d.int(-Math.min(1, n - 1 + Math.min(0, before[i]!)), 2));
  const value = d.pick([0, 0.5, -2]);
  return {
    name: `pad x${fmt(shape)} before ${fmt(before)} after ${fmt(after)} value ${value}`,
    inputs: [{ shape }],
    fn: (x) => cnn.pad(x!, before, after, value),
  };
};

const generators: [string, Gen, number][] = [
  ['conv2d', conv2dCase, 5],
  ['conv2dTranspose', conv2dTransposeCase, 2],
  ['pool', poolCase, 4],
  ['matMul', matMulCase, 3],
  ['elementwise', elementwiseCase, 3],
  ['reduce', reductionCase, 3],
  ['concat', concatCase, 1],
  ['slice', sliceCase, 1],
  ['transpose', transposeCase, 1],
  ['pad', padCase, 1],
];

function validCase(seed: number): { family: string; opCase: OpCase } {
  const d = new Draw(seed);
  const total = generators.reduce((n, [, , weight]) => n + weight, 0);
  let r = d.int(0, total - 1);
  for (const [family, gen, weight] of generators) {
    if (r < weight) return { family, opCase: gen(d) };
    r -= weight;
  }
  throw new Error('unreachable');
}

/**
 * Explicit, reported skips (tolerance.ts: "a failing case is a bug or an explicit, reported skip"). In each,
 * backend-cpu computes the correctly rounded float32 result, and the bound is too tight because the output
 * is a small difference of much larger terms: the bound's scale S = max|ref| of the output tensor assumes
 * partial sums no larger than the largest output element, which fails when a tensor of one or two elements
 * cancels. Example (seed 2840): a = [-0.354849, 1.154933], b = [1.690745, 0.512690]; the products are
 * -0.59996 and 0.59212, the exact sum -0.0078371530, float32 gives -0.0078371763 (error 2.3e-8, one
 * rounding of a 0.6 product), and the bound is u·(16·0.0078 + 4·√4·0.0078) = 1.1e-8.
 */
const BOUND_SKIPS: Record<number, string> = {
  1882: 'softmax of 2 elements: the gradient y·(dy - Σ dy·y) cancels to 0.026 from terms of size 1',
  2840: 'matMul of a 2-term dot product that cancels to 0.0078 from products of size 0.6',
};

describe('fuzz (a): random valid configurations agree with the reference backend', () => {
  const ref = reference();
  const subjects: [string, Backend][] = [
    ['cpu', cpu()],
    ['cpu, TypeScript kernels', cpu({ gemm: 'js' })],
    ['cpu, required kernels only', cnn.withoutOptionalKernels(cpu())],
  ];

  it(`${VALID_CASES} configurations x ${subjects.length} backends: outputs and gradients within the bound`, async () => {
    const failures: string[] = [];
    const perFamily = new Map<string, number>();
    let compared = 0;
    let worst = 0;
    const skipped: string[] = [];
    const before = { ref: ref.numBuffers(), subjects: subjects.map(([, b]) => b.numBuffers()) };
    for (let seed = 1; seed <= VALID_CASES; seed++) {
      const { family, opCase } = validCase(seed);
      perFamily.set(family, (perFamily.get(family) ?? 0) + 1);
      for (const [name, backend] of subjects) {
        let problem: string | null;
        try {
          const result = await compare(opCase, backend, ref, tolerances.cpu, seed);
          problem = result.failure;
          worst = Math.max(worst, result.worst);
        } catch (error) {
          problem = `threw ${(error as Error).name}: ${(error as Error).message}`;
        }
        compared++;
        if (problem && BOUND_SKIPS[seed])
          skipped.push(`seed ${seed}, ${name}: ${opCase.name}: ${problem} [${BOUND_SKIPS[seed]}]`);
        else if (problem) failures.push(`seed ${seed}, ${name}: ${opCase.name}: ${problem}`);
      }
    }
    console.log(
      `fuzz (a): ${VALID_CASES} valid configurations (${[...perFamily].map(([f, n]) => `${f} ${n}`).join(', ')}), ${compared} comparisons with the reference, ${failures.length} failures, ${skipped.length} reported skips; worst error / bound of the rest ${worst.toFixed(3)}`,
    );
    if (skipped.length)
      console.log(`fuzz (a): skipped (bound too tight under cancellation):\n${skipped.join('\n')}`);
    expect(failures).toEqual([]);
    // Every comparison disposed what it made.
    expect(ref.numBuffers()).toBe(before.ref);
    expect(subjects.map(([, b]) => b.numBuffers())).toEqual(before.subjects);
  });
});

describe('fuzz (a): configurations core accepts but the contract excludes', () => {
  // backend.ts: "Padding never takes part (no window is all padding: core checks that)". A pad smaller than
  // the kernel extent is not enough with dilation (a dilated window can step over the whole input), so core
  // checks every window; the generator's padding-only draws below are such windows.
  it('a dilated pooling window that sees only padding is refused', () => {
    const x = cnn.ones([1, 1, 1, 1], cpu());
    expect(() => cnn.maxPool2d(x, { kernel: [1, 3], dilations: [1, 2], padding: [0, 3, 0, 3] })).toThrow(
      /^maxPool2d: the window at output column 0 covers only padding/,
    );
    expect(() => cnn.avgPool2d(x, { kernel: [1, 3], dilations: [1, 2], padding: [0, 3, 0, 3] })).toThrow(
      /^avgPool2d: /,
    );
  });

  it('core refuses every padding-only pooling configuration the generator drew (and set aside)', () => {
    // Filled while the cases above were drawn (the same seeds every run).
    console.log(
      `fuzz (a): ${paddingOnlyPools.length} drawn pooling configurations had a padding-only window`,
    );
    expect(paddingOnlyPools.length).toBeGreaterThan(0);
    for (const config of paddingOnlyPools) {
      const { kind, x, ...options } = JSON.parse(config) as {
        kind: 'max' | 'avg';
        x: number[];
      } & cnn.Pool2DOptions;
      const pool = kind === 'max' ? cnn.maxPool2d : cnn.avgPool2d;
      expect(() => pool(cnn.ones(x, cpu()), options), config).toThrow(/covers only padding/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// (b) invalid configurations
// ---------------------------------------------------------------------------------------------------------

/** A tensor argument, made when the case runs: live on the test backend, disposed, or on another backend. */
class T {
  constructor(
    readonly shape: number[],
    readonly kind: 'live' | 'disposed' | 'other' = 'live',
  ) {}
  toString(): string {
    const s = `[${this.shape.join(',')}]`;
    return this.kind === 'live'
      ? `zeros(${s})`
      : this.kind === 'disposed'
        ? `disposed(${s})`
        : `zeros(${s}, otherBackend)`;
  }
}
const t = (...shape: number[]) => new T(shape);

/** JavaScript-like rendering of an argument, for the reproducer. */
function render(v: unknown): string {
  if (v instanceof T) return String(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'function') return 'f';
  if (v instanceof Float32Array) return `Float32Array(${v.length})`;
  if (Array.isArray(v)) return `[${v.map(render).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${render(x)}`)
      .join(', ')} }`;
  return String(v);
}

interface Invalid {
  /** The class of bad input. */
  kind: string;
  /** The function called; its errors must start with `${op}: `. */
  op: string;
  args: unknown[];
  /** Run under this element limit (setMaxTensorSize), for the over-the-limit class. */
  limit?: number;
  /**
   * A null given for an optional argument (an option, a bias): taking it for "not given" and returning a
   * result is as acceptable as refusing it with the op's error (never a TypeError).
   */
  nullMeansDefault?: boolean;
  /** The message prefix when it is not `${op}: ` (layers: `layer 'name' (Class): `). */
  prefix?: string;
  /** How to call it, when it is not `cnn[op](...args)`; the reproducer is then `text`. */
  run?: (...args: unknown[]) => unknown;
  text?: string;
}

type InvalidGen = (d: Draw) => Invalid;

/** A rank other than `not` (0 to 5). */
const otherRank = (d: Draw, ...not: number[]) => d.pick([0, 1, 2, 3, 4, 5].filter((r) => !not.includes(r)));

const BAD_INTS = [0, -1, -3, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const BAD_VALUES = [...BAD_INTS, '2', null, true] as unknown[];
const NOT_TENSORS: unknown[] = [undefined, null, 'x', 3, {}, [1, 2], new Float32Array(4), () => 0];

const image = (d: Draw, c = d.int(1, 4)) => t(d.int(1, 2), d.int(4, 7), d.int(4, 7), c);

const wrongRank: InvalidGen = (d) => {
  const bad = (not = 4) => t(...d.shape(otherRank(d, not), 1, 3));
  switch (d.int(0, 10)) {
    case 0:
      return d.bool()
        ? { kind: 'wrong rank', op: 'conv2d', args: [bad(), t(3, 3, 2, 2)] }
        : { kind: 'wrong rank', op: 'conv2d', args: [image(d, 2), bad()] };
    case 1:
      return { kind: 'wrong rank', op: 'depthwiseConv2d', args: [bad(), t(3, 3, 1, 2)] };
    case 2:
      return { kind: 'wrong rank', op: 'conv2dTranspose', args: [bad(), t(3, 3, 2, 2)] };
    case 3:
      return { kind: 'wrong rank', op: d.pick(['maxPool2d', 'avgPool2d']), args: [bad(), { kernel: 2 }] };
    case 4:
      return { kind: 'wrong rank', op: d.pick(['globalAvgPool', 'globalMaxPool']), args: [bad()] };
    case 5:
      return { kind: 'wrong rank', op: 'lrn', args: [bad(), { size: 3 }] };
    case 6: {
      const which = d.int(0, 2);
      return {
        kind: 'wrong rank',
        op: 'dense',
        args: [which === 0 ? bad(2) : t(2, 3), which === 1 ? bad(2) : t(3, 4), which === 2 ? bad(1) : t(4)],
      };
    }
    case 7:
      return { kind: 'wrong rank', op: 'matMul', args: d.bool() ? [t(), t(2, 2)] : [t(2, 2), t()] };
    case 8:
      return { kind: 'wrong rank', op: 'gemm', args: [bad(2), t(2, 2)] };
    case 9: {
      const v = [t(3), t(3), t(3), t(3)];
      v[d.int(0, 3)] = bad(1);
      return { kind: 'wrong rank', op: 'batchNorm', args: [t(2, 3), ...v] };
    }
    default:
      return { kind: 'wrong rank', op: 'batchNorm', args: [t(), t(1), t(1), t(1), t(1)] };
  }
};

const channels: InvalidGen = (d) => {
  const c = d.int(1, 4);
  switch (d.int(0, 7)) {
    case 0: {
      const other = d.pick([1, 2, 3, 4, 5].filter((n) => n !== c));
      return { kind: 'mismatched channels', op: 'conv2d', args: [image(d, c), t(3, 3, other, 2)] };
    }
    case 1: {
      // groups that do not divide the input channels
      const groups = d.pick([2, 3, 4, 5].filter((g) => c % g !== 0));
      return {
        kind: 'mismatched channels',
        op: 'conv2d',
        args: [image(d, c), t(3, 3, 1, groups), { groups }],
      };
    }
    case 2: {
      // output channels not divisible by groups
      const g = 2;
      return {
        kind: 'mismatched channels',
        op: 'conv2d',
        args: [image(d, 2 * c), t(3, 3, c, 2 * d.int(0, 2) + 1), { groups: g }],
      };
    }
    case 3: {
      const other = d.pick([1, 2, 3, 4, 5].filter((n) => n !== c));
      return { kind: 'mismatched channels', op: 'conv2dTranspose', args: [image(d, c), t(3, 3, 2, other)] };
    }
    case 4: {
      const v = [t(c), t(c), t(c), t(c)];
      v[d.int(0, 3)] = t(c + d.int(1, 3));
      return { kind: 'mismatched channels', op: 'batchNorm', args: [image(d, c), ...v] };
    }
    case 5:
      return d.bool()
        ? { kind: 'mismatched channels', op: 'dense', args: [t(2, c), t(c + 1, 3)] }
        : { kind: 'mismatched channels', op: 'dense', args: [t(2, c), t(c, 3), t(d.pick([1, 2, 4, 5]))] };
    case 6: {
      const [ta, tb] = [d.bool(), d.bool()];
      const [m, k, n] = [d.int(1, 4), d.int(1, 4), d.int(1, 4)];
      const k2 = k + d.int(1, 2);
      const a = ta ? t(k, m) : t(m, k);
      const b = tb ? t(n, k2) : t(k2, n);
      return { kind: 'mismatched channels', op: 'matMul', args: [a, b, ta, tb] };
    }
    default: {
      const other = d.pick([2, 3]);
      return { kind: 'mismatched channels', op: 'depthwiseConv2d', args: [image(d, c), t(3, 3, other, c)] };
    }
  }
};

const badSizes: InvalidGen = (d) => {
  const shape: unknown[] = d.shape(d.int(1, 4), 1, 3);
  shape[d.int(0, shape.length - 1)] = d.pick([
    2.5,
    -3,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '2',
    null,
    undefined,
  ]);
  const choice = d.int(0, 9);
  if (choice <= 4) {
    const op = d.pick(['zeros', 'ones', 'fill', 'randomNormal', 'randomUniform']);
    return { kind: 'bad sizes', op, args: op === 'fill' ? [shape, 1] : [shape] };
  }
  if (choice === 5) return { kind: 'bad sizes', op: 'tensor', args: [[1, 2, 3, 4], shape] };
  if (choice === 6) return { kind: 'bad sizes', op: 'reshape', args: [t(2, 3), shape] };
  if (choice === 7)
    return {
      kind: 'bad sizes',
      op: 'reshape',
      args: [t(2, 3), d.pick([[-1, -1], [4, -1], [0, -1], [7], [2, 2]])],
    };
  if (choice === 8) return { kind: 'bad sizes', op: 'tensor', args: [[1, 2, 3], d.pick([[2, 2], [4], [1]])] };
  return { kind: 'bad sizes', op: d.pick(['zeros', 'ones']), args: [d.pick([5, '3', undefined, null, {}])] };
};

const badWindow: InvalidGen = (d) => {
  const op = d.pick(['conv2d', 'conv2dTranspose', 'maxPool2d', 'avgPool2d', 'depthwiseConv2d']);
  const attrs = ['strides', 'dilations'];
  if (op === 'maxPool2d' || op === 'avgPool2d') attrs.push('kernel', 'kernel');
  if (op === 'conv2d' || op === 'conv2dTranspose') attrs.push('groups');
  const attr = d.pick(attrs);
  const value = d.pick(BAD_VALUES);
  let bad: unknown;
  if (attr === 'groups') bad = value;
  else {
    const form = d.int(0, 3);
    bad =
      form === 0 ? value : form === 1 ? [value, 1] : form === 2 ? [1, value] : d.pick([[1, 1, 1], [], [2]]);
  }
  const options: Record<string, unknown> = op.endsWith('Pool2d') ? { kernel: 2 } : {};
  options[attr] = bad;
  const x = image(d, 2);
  const args = op.endsWith('Pool2d')
    ? [x, options]
    : [x, t(2, 2, op === 'depthwiseConv2d' ? 1 : 2, 2), options];
  return {
    kind: 'bad strides, dilations, kernel, groups',
    op,
    args,
    nullMeansDefault: bad === null && attr !== 'kernel',
  };
};

const badPads: InvalidGen = (d) => {
  const op = d.pick(['conv2d', 'conv2dTranspose', 'maxPool2d', 'avgPool2d']);
  const k = d.int(1, 3);
  const dil = d.pick([1, 2]);
  const extent = dil * (k - 1) + 1;
  const x = image(d, 2);
  let padding: unknown;
  let input = x;
  switch (d.int(0, 6)) {
    case 0: {
      const pads = [0, 0, 0, 0];
      pads[d.int(0, 3)] = extent + d.int(0, 2);
      padding = pads;
      break;
    }
    case 1:
      padding = d.pick([-1, [0, -1], [0, 0, -2, 0]]);
      break;
    case 2:
      padding = d.pick([0.5, [0, 1.5], Number.NaN, [Number.NaN, 0, 0, 0], '1', null, false, true, {}]);
      break;
    case 3:
      padding = d.pick([[1, 1, 1], [], [0, 0, 0, 0, 0]]);
      break;
    case 4:
      padding = d.pick(['full', 'SAME', 'causal', '']);
      break;
    default:
      // an input smaller than the window: the output size would be 0 or negative
      input = t(1, d.int(1, Math.max(1, extent + 2 - 1)), 1, 2);
      padding = 'valid';
      return {
        kind: 'bad pads',
        op: op === 'conv2dTranspose' ? 'conv2d' : op,
        args:
          op === 'conv2dTranspose' || op === 'conv2d'
            ? [input, t(extent + 3, 1, 2, 2)]
            : [input, { kernel: [extent + 3, 1], padding }],
      };
  }
  const options = op.endsWith('Pool2d')
    ? { kernel: k, dilations: dil, padding }
    : { dilations: dil, padding };
  return {
    kind: 'bad pads',
    op,
    args: op.endsWith('Pool2d') ? [input, options] : [input, t(k, k, 2, 2), options],
    nullMeansDefault: padding === null,
  };
};

const badAttributes: InvalidGen = (d) => {
  const x = image(d, 3);
  const nan = d.pick([Number.NaN, '1', undefined, null] as unknown[]);
  switch (d.int(0, 11)) {
    case 0:
      return { kind: 'NaN attributes', op: 'leakyRelu', args: [x, d.pick([Number.NaN, '0.1'])] };
    case 1:
      return { kind: 'NaN attributes', op: d.pick(['elu', 'selu']), args: [x, Number.NaN] };
    case 2:
      return {
        kind: 'NaN attributes',
        op: 'clip',
        args: [x, d.pick([Number.NaN, 0]), d.pick([Number.NaN, '1'])],
      };
    case 3:
      return { kind: 'NaN attributes', op: 'hardSigmoid', args: [x, Number.NaN, 0.5] };
    case 4:
      return { kind: 'NaN attributes', op: 'gelu', args: [x, d.pick(['fast', 'erf', ''])] };
    case 5:
      return {
        kind: 'NaN attributes',
        op: 'batchNorm',
        args: [x, t(3), t(3), t(3), t(3), d.pick([Number.NaN, -1, '1e-3'])],
      };
    case 6:
      return {
        kind: 'NaN attributes',
        op: 'lrn',
        args: [
          x,
          d.pick([
            { size: d.pick(BAD_INTS) },
            { size: 3, alpha: nan },
            { size: 3, beta: nan },
            { size: 3, bias: nan },
          ]),
        ],
      };
    case 7:
      return {
        kind: 'NaN attributes',
        op: 'conv2dTranspose',
        args: [
          x,
          t(3, 3, 2, 3),
          d.pick([
            { strides: 2, outputPadding: 2 },
            { outputPadding: Number.NaN },
            { outputPadding: -1 },
            { outputSize: [Number.NaN, 5] },
            { outputSize: [0, 5] },
            { outputSize: [2.5, 5] },
            { outputSize: [5] },
          ]),
        ],
      };
    case 8:
      return {
        kind: 'NaN attributes',
        op: 'pad',
        args: [
          t(2, 2),
          d.pick([
            [1.5, 0],
            [Number.NaN, 0],
            ['1', 0],
          ]),
          [0, 0],
        ],
      };
    case 9:
      return {
        kind: 'NaN attributes',
        op: d.pick(['maxPool2d', 'avgPool2d']),
        args: [x, d.pick([{}, undefined, null, { kernel: undefined }])],
      };
    case 10:
      return {
        kind: 'NaN attributes',
        op: 'softmaxCrossEntropy',
        args: [t(2, 3), d.pick([t(3), t(2, 4), t(2, 3, 1)])],
      };
    default:
      return { kind: 'NaN attributes', op: 'setMaxTensorSize', args: [d.pick(BAD_INTS)] };
  }
};

const axesOutOfRange: InvalidGen = (d) => {
  const shape = d.shape(d.int(1, 4), 1, 3);
  const rank = shape.length;
  const x = new T(shape);
  const badAxis = () => d.pick([rank, rank + 1, -rank - 1, 1.5, Number.NaN, '0'] as unknown[]);
  switch (d.int(0, 7)) {
    case 0:
      return {
        kind: 'axes out of range',
        op: d.pick(['sum', 'mean', 'max', 'min']),
        args: [x, d.bool() ? badAxis() : [0, badAxis()]],
      };
    case 1:
      return { kind: 'axes out of range', op: d.pick(['softmax', 'logSoftmax']), args: [x, badAxis()] };
    case 2:
      return { kind: 'axes out of range', op: 'concat', args: [[x, x], badAxis()] };
    case 3: {
      const perm = [...shape.keys()];
      const form = d.int(0, 2);
      if (form === 0) perm[0] = perm.length > 1 ? 1 : 5;
      else if (form === 1) perm.push(rank);
      else perm[d.int(0, rank - 1)] = d.pick([rank, 1.5, -rank - 1]);
      return { kind: 'axes out of range', op: 'transpose', args: [x, perm] };
    }
    case 4:
      return { kind: 'axes out of range', op: 'expandDims', args: [x, d.pick([rank + 1, -rank - 2, 0.5])] };
    case 5:
      return { kind: 'axes out of range', op: 'flatten', args: [x, d.pick([rank + 1, -rank - 1, 0.5])] };
    case 6: {
      const begin = shape.map(() => 0);
      const size = shape.map(() => -1);
      const axis = d.int(0, rank - 1);
      const form = d.int(0, 4);
      if (form === 0) begin[axis] = shape[axis]! + d.int(0, 2);
      else if (form === 1) begin[axis] = -1;
      else if (form === 2) size[axis] = shape[axis]! + 1;
      else if (form === 3) begin[axis] = 0.5;
      else begin.push(0);
      if (form === 0) size[axis] = 1;
      return { kind: 'axes out of range', op: 'slice', args: [x, begin, size] };
    }
    default:
      return {
        kind: 'axes out of range',
        op: 'pad',
        args: [x, shape.map(() => 1).concat(d.bool() ? [1] : []), shape.map(() => 0).slice(1)],
      };
  }
};

const broadcastMismatch: InvalidGen = (d) => {
  const n = d.int(2, 4);
  const m = d.pick([2, 3, 4, 5].filter((v) => v !== n));
  const lead = d.shape(d.int(0, 2), 1, 3);
  const a = [...lead, n];
  const b = d.bool() ? [m] : [d.int(1, 2), m];
  const [x, y] = d.bool() ? [t(...a), t(...b)] : [t(...b), t(...a)];
  switch (d.int(0, 4)) {
    case 0:
    case 1:
      return {
        kind: 'broadcast mismatch',
        op: d.pick(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'equal', 'greater']),
        args: [x, y],
      };
    case 2:
      return { kind: 'broadcast mismatch', op: 'where', args: d.bool() ? [x, y, 0] : [t(n), x, y] };
    case 3:
      return { kind: 'broadcast mismatch', op: 'matMul', args: [t(n, 2, 3), t(m, 3, 2)] };
    default:
      return d.bool()
        ? { kind: 'broadcast mismatch', op: 'broadcastTo', args: [t(n), [m]] }
        : { kind: 'broadcast mismatch', op: 'concat', args: [[t(n, 2), d.bool() ? t(m, 3) : t(n, 2, 1)], 1] };
  }
};

/** Well-formed calls of many ops, for the classes that then break one argument. */
function anyCall(d: Draw): { op: string; args: unknown[]; tensors: number[] } {
  const x = image(d, 2);
  const calls: [string, unknown[]][] = [
    ['conv2d', [x, t(3, 3, 2, 2)]],
    ['depthwiseConv2d', [x, t(3, 3, 1, 2)]],
    ['conv2dTranspose', [x, t(3, 3, 2, 2)]],
    ['maxPool2d', [x, { kernel: 2 }]],
    ['avgPool2d', [x, { kernel: 2 }]],
    ['globalAvgPool', [x]],
    ['relu', [x]],
    ['sigmoid', [x]],
    ['exp', [x]],
    ['sum', [x, 1]],
    ['softmax', [x]],
    ['matMul', [t(2, 3), t(3, 2)]],
    ['dense', [t(2, 3), t(3, 2), t(2)]],
    ['add', [x, x]],
    ['mul', [t(2, 2), t(2)]],
    ['where', [t(2), t(2), t(2)]],
    ['concat', [[t(2, 2), t(2, 2)], 0]],
    ['reshape', [t(2, 3), [3, 2]]],
    ['transpose', [t(2, 3)]],
    ['slice', [t(4), [1], [2]]],
    ['pad', [t(2), [1], [1]]],
    ['batchNorm', [x, t(2), t(2), t(2), t(2)]],
    ['lrn', [x, { size: 3 }]],
    ['softmaxCrossEntropy', [t(2, 3), t(2)]],
    ['meanSquaredError', [t(2, 3), t(2, 3)]],
    ['broadcastTo', [t(2), [3, 2]]],
  ];
  const [op, args] = d.pick(calls);
  const tensors: number[] = [];
  args.forEach((a, i) => {
    if (a instanceof T) tensors.push(i);
  });
  return { op, args: [...args], tensors };
}

const disposedInput: InvalidGen = (d) => {
  const { op, args, tensors } = anyCall(d);
  if (op === 'concat') {
    const parts = [...(args[0] as T[])];
    const i = d.int(0, parts.length - 1);
    parts[i] = new T(parts[i]!.shape, 'disposed');
    args[0] = parts;
  } else {
    const i = d.pick(tensors);
    args[i] = new T((args[i] as T).shape, 'disposed');
  }
  return { kind: 'disposed inputs', op, args };
};

const notATensor: InvalidGen = (d) => {
  const { op, args, tensors } = anyCall(d);
  const bad = d.pick(NOT_TENSORS);
  if (op === 'concat') {
    args[0] = d.bool() ? [t(2, 2), bad] : bad;
  } else {
    const i = d.pick(tensors);
    // A number is a valid operand of the binary ops (a scalar): use something else there.
    args[i] = (op === 'add' || op === 'mul' || op === 'where') && typeof bad === 'number' ? 'x' : bad;
    // dense's bias is optional
    if (op === 'dense' && i === 2 && (bad === null || bad === undefined))
      return { kind: 'not a tensor', op, args, nullMeansDefault: true };
  }
  return { kind: 'not a tensor', op, args };
};

const otherBackend: InvalidGen = (d) => {
  const { op, args, tensors } = anyCall(d);
  if (op === 'concat') {
    args[0] = [t(2, 2), new T([2, 2], 'other')];
    return { kind: 'tensors of two backends', op, args };
  }
  if (tensors.length < 2) return otherBackend(d);
  const i = d.pick(tensors.slice(1));
  args[i] = new T((args[i] as T).shape, 'other');
  return { kind: 'tensors of two backends', op, args };
};

const LIMIT = 1000;
const overLimit: InvalidGen = (d) => {
  const big = d.int(LIMIT + 1, 4 * LIMIT);
  const side = Math.ceil(Math.sqrt(big));
  const kind = 'over the size limit';
  switch (d.int(0, 8)) {
    case 0:
      return {
        kind,
        op: d.pick(['zeros', 'ones', 'randomNormal', 'randomUniform']),
        args: [[big]],
        limit: LIMIT,
      };
    case 1:
      return { kind, op: 'fill', args: [[side, side], 0], limit: LIMIT };
    case 2:
      return { kind, op: 'matMul', args: [t(side, 1), t(1, side)], limit: LIMIT };
    case 3:
      return {
        kind,
        op: d.pick(['add', 'mul', 'sub', 'maximum']),
        args: [t(side, 1), t(1, side)],
        limit: LIMIT,
      };
    case 4:
      return { kind, op: 'broadcastTo', args: [t(1, side), [side, side]], limit: LIMIT };
    case 5:
      return { kind, op: 'pad', args: [t(2, 2), [side, side], [0, 0]], limit: LIMIT };
    case 6:
      return { kind, op: 'concat', args: [[t(side, 20), t(side, 20)], 0], limit: LIMIT };
    case 7:
      return {
        kind,
        op: 'conv2dTranspose',
        args: [t(1, 4, 4, 1), t(3, 3, 1, 1), { strides: d.int(11, 30) }],
        limit: LIMIT,
      };
    default:
      return { kind, op: 'tensor', args: [new Float32Array(big), [big]], limit: LIMIT };
  }
};

/** A layer with one bad config entry, built into a model and run: errors start with `layer 'bad' (Class)`. */
const badLayer: InvalidGen = (d) => {
  const bad = () => d.pick(BAD_VALUES);
  const layers: [string, Record<string, unknown>][] = [
    ['Conv2D', { filters: bad(), kernelSize: 3 }],
    ['Conv2D', { filters: 2, kernelSize: bad() }],
    ['Conv2D', { filters: 2, kernelSize: 3, strides: bad() }],
    ['Conv2D', { filters: 2, kernelSize: 3, dilations: bad() }],
    ['Conv2D', { filters: 2, kernelSize: 3, groups: d.pick([0, 3, -1, 1.5, Number.NaN]) }],
    ['Conv2D', { filters: 2, kernelSize: 3, padding: d.pick([-1, 'full', [1, 2, 3], 3]) }],
    ['Conv2D', { filters: 2, kernelSize: 3, activation: d.pick(['nope', 'Relu', '']) }],
    ['Conv2D', { filters: 2, kernelSize: 9 }],
    ['Dense', { units: bad() }],
    ['Dense', { units: 2, activation: 'nope' }],
    ['MaxPool2D', { poolSize: bad() }],
    ['MaxPool2D', { poolSize: 2, strides: bad() }],
    ['AvgPool2D', { poolSize: bad() }],
    ['AvgPool2D', { poolSize: 2, padding: d.pick([2, -1, 'full']) }],
    ['BatchNorm', { momentum: d.pick([-0.5, 2, Number.NaN]) }],
    ['BatchNorm', { epsilon: d.pick([-1, Number.NaN, '1e-3']) }],
    ['LRN', { size: bad() }],
    ['Softmax', { axis: d.pick([4, -5, 1.5, Number.NaN]) }],
    ['LeakyReLU', { alpha: d.pick([Number.NaN, '0.1']) }],
    ['Dropout', { rate: d.pick([-0.1, 1, 1.5, Number.NaN]) }],
  ];
  const [className, config] = d.pick(layers);
  const dense = className === 'Dense' || className === 'Dropout' || className === 'LeakyReLU';
  const inputShape = dense ? [6] : [6, 6, 2];
  const full = { name: 'bad', ...config };
  const text = `cnn.sequential(${render(inputShape)}, [new cnn.${className}(${render(full)})]).predict(zeros(${render([2, ...inputShape])}))`;
  return {
    kind: 'bad layer configs',
    op: className,
    // Layer errors name the layer (and, mostly, its class): `layer 'bad' (Conv2D): ...`.
    prefix: "layer 'bad'",
    args: [new T([2, ...inputShape])],
    text,
    run: (x) => {
      const Ctor = (cnn as unknown as Record<string, new (c: unknown) => cnn.Layer>)[className]!;
      const model = cnn.sequential(inputShape, [new Ctor(full)], { name: 'fuzz' });
      try {
        return model.predict(x as Tensor);
      } finally {
        model.dispose();
      }
    },
  };
};

const invalidGenerators: [InvalidGen, number][] = [
  [wrongRank, 2],
  [channels, 2],
  [badSizes, 2],
  [badWindow, 3],
  [badPads, 2],
  [badAttributes, 3],
  [axesOutOfRange, 3],
  [broadcastMismatch, 2],
  [disposedInput, 2],
  [notATensor, 2],
  [otherBackend, 1],
  [overLimit, 1],
  [badLayer, 2],
];

function invalidCase(seed: number): Invalid {
  const d = new Draw(seed);
  const total = invalidGenerators.reduce((n, [, w]) => n + w, 0);
  let r = d.int(0, total - 1);
  for (const [gen, w] of invalidGenerators) {
    if (r < w) return gen(d);
    r -= w;
  }
  throw new Error('unreachable');
}

/** The reproducer: the call as code (`zeros`, `disposed` and `otherBackend` as in the comment above `T`). */
const reproducer = (c: Invalid) =>
  c.text ?? `${c.limit ? `setMaxTensorSize(${c.limit}); ` : ''}cnn.${c.op}(${c.args.map(render).join(', ')})`;

/** Runs one invalid case: null when it was refused as it should be, else what went wrong. */
function runInvalid(c: Invalid, backend: Backend, other: Backend): string | null {
  const made: Tensor[] = [];
  const materialise = (v: unknown): unknown => {
    if (v instanceof T) {
      const x = cnn.zeros(v.shape, v.kind === 'other' ? other : backend);
      made.push(x);
      if (v.kind === 'disposed') x.dispose();
      return x;
    }
    if (Array.isArray(v)) return v.map(materialise);
    return v;
  };
  const before = cnn.memory().numTensors;
  const args = c.args.map(materialise);
  const fn = c.run ?? (cnn as unknown as Record<string, (...a: unknown[]) => unknown>)[c.op];
  if (typeof fn !== 'function') throw new Error(`fuzz: no op cnn.${c.op}`);
  const prefix = c.prefix ?? `${c.op}: `;
  const limit = cnn.getMaxTensorSize();
  let problem: string | null = null;
  const started = performance.now();
  try {
    if (c.limit) cnn.setMaxTensorSize(c.limit);
    const result = fn(...args);
    if (c.nullMeansDefault) problem = null;
    else
      problem = `returned ${result instanceof cnn.Tensor ? `a tensor of shape [${result.shape}]` : render(result)} instead of throwing`;
    if (result instanceof cnn.Tensor) result.dispose();
  } catch (error) {
    if (!(error instanceof Error)) problem = `threw a non-Error: ${String(error)}`;
    else if (error instanceof TypeError || error instanceof RangeError || error.constructor !== Error)
      problem = `threw a ${error.name}: ${error.message}`;
    else if (RAW_ENGINE_MESSAGE.test(error.message))
      problem = `threw an Error carrying a raw TypeError's message: ${error.message}`;
    else if (!error.message.startsWith(prefix))
      problem = `threw an Error not starting with "${prefix}": ${error.message}`;
  } finally {
    cnn.setMaxTensorSize(limit);
  }
  const ms = performance.now() - started;
  if (!problem && ms > 1000) problem = `took ${ms.toFixed(0)} ms to refuse`;
  made.forEach((x) => x.dispose());
  const leaked = cnn.memory().numTensors - before;
  if (!problem && leaked !== 0) problem = `left ${leaked} tensor(s) behind`;
  return problem;
}

/**
 * Violations found by this fuzzer and reported (each with the reproducer the test prints), not yet fixed in
 * core. They are tolerated, and listed on every run; any other violation fails the test, and so does an
 * entry here that no longer occurs (it was fixed: remove it). The first run's 24 groups are all fixed.
 */
const KNOWN_VIOLATIONS: Record<string, string> = {};

/** A JavaScript engine's own words, e.g. a TypeError's message caught and wrapped with the op's name. */
const RAW_ENGINE_MESSAGE =
  /Cannot read propert|is not a function|is not iterable|Cannot convert|undefined \(reading|Invalid array length|Maximum call stack/;

/** What a violation is, for grouping: returned, the error class and message start, or the wrong prefix. */
function problemClass(problem: string): string {
  const prefix = /^threw an Error not starting with "[^"]*": (\w+):/.exec(problem);
  if (prefix) return `message starts with '${prefix[1]}:'`;
  const raw = RAW_ENGINE_MESSAGE.exec(problem);
  if (raw && problem.startsWith('threw an Error carrying')) return `raw engine message '${raw[0]}'`;
  return problem
    .replace(/\d+/g, 'N')
    .replace(/\[[^\]]*\]/g, '[…]')
    .slice(0, 70);
}

describe('fuzz (b): random invalid configurations are refused with the op named', () => {
  const backend = cpu();
  const other = cpu();
  beforeAll(() => cnn.setBackend(backend));
  afterAll(() => cnn.setMaxTensorSize(2 ** 30));

  it(`${INVALID_CASES} invalid configurations: an Error starting with the op's name, nothing left behind`, () => {
    const violations = new Map<string, { count: number; seed: number; call: string; problem: string }>();
    const perKind = new Map<string, number>();
    for (let seed = 1; seed <= INVALID_CASES; seed++) {
      const c = invalidCase(seed);
      perKind.set(c.kind, (perKind.get(c.kind) ?? 0) + 1);
      const problem = runInvalid(c, backend, other);
      if (problem) {
        // One entry per op and kind of problem (the first seed is the reproducer).
        const key = `${c.op}: ${problemClass(problem)}`;
        const seen = violations.get(key);
        if (seen) seen.count++;
        else violations.set(key, { count: 1, seed, call: reproducer(c), problem });
      }
    }
    const total = [...violations.values()].reduce((n, v) => n + v.count, 0);
    console.log(
      `fuzz (b): ${INVALID_CASES} invalid configurations (${[...perKind].map(([k, n]) => `${k} ${n}`).join(', ')}), ${total} violations in ${violations.size} groups`,
    );
    const line = ([key, v]: [string, { count: number; seed: number; call: string; problem: string }]) =>
      `${key}: ${v.count}x, first at seed ${v.seed}: ${v.call} ${v.problem}`;
    const known = [...violations].filter(([key]) => key in KNOWN_VIOLATIONS);
    if (known.length) console.log(`fuzz (b): known violations (reported):\n${known.map(line).join('\n')}`);
    expect([...violations].filter(([key]) => !(key in KNOWN_VIOLATIONS)).map(line)).toEqual([]);
    const fixed = Object.keys(KNOWN_VIOLATIONS).filter((key) => !violations.has(key));
    expect(fixed, 'these known violations no longer occur: remove them from KNOWN_VIOLATIONS').toEqual([]);
  });
});
