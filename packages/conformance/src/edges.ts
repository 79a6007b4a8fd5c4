import type { Backend, Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';

/**
 * The contract's edge semantics (packages/core/src/backend.ts), checked exactly on every backend: zero-size
 * operands, NaN and infinities, overflow. Each check returns null when the backend agrees, or what differed.
 */
export interface EdgeCheck {
  name: string;
  /** Runs the check; resolves to `null` when it passes, else to what went wrong. */
  run(backend: Backend): Promise<string | null>;
}

type Expected = readonly number[];

/** Same values bit for bit, NaN equal to NaN (-0 and +0 are taken as equal). */
function sameValues(got: Float32Array, want: Expected): boolean {
  return got.length === want.length && want.every((w, i) => Object.is(got[i], w) || got[i] === w);
}

/** Runs `make` in a tidy scope and compares its result's shape and values. */
function expectTensor(
  name: string,
  shape: readonly number[],
  values: Expected,
  make: () => Tensor,
): EdgeCheck {
  return {
    name,
    async run() {
      const t = cnn.tidy(make);
      try {
        const got = await t.data();
        const shapeOk = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
        if (shapeOk && sameValues(got, values)) return null;
        return `${name}: got shape [${t.shape}] values [${Array.from(got)}], expected [${shape}] values [${values}]`;
      } finally {
        t.dispose();
      }
    },
  };
}

const t = (values: readonly number[], shape: readonly number[]) =>
  cnn.tensor(Float32Array.from(values), shape);
const empty = (shape: readonly number[]) => cnn.zeros(shape);
const { NaN: nan, POSITIVE_INFINITY: inf, NEGATIVE_INFINITY: ninf } = Number;

/** The contract's edge semantics (zero sizes, NaN propagation, overflow), checked on any backend. */
export const edgeChecks: readonly EdgeCheck[] = [
  // zero-size operands: reductions of nothing give the op's identity
  expectTensor('sum of [0, 3]', [], [0], () => cnn.sum(empty([0, 3]))),
  expectTensor('sum of [0, 3] over axis 0', [3], [0, 0, 0], () => cnn.sum(empty([0, 3]), 0)),
  expectTensor('mean of [0, 3]', [], [nan], () => cnn.mean(empty([0, 3]))),
  expectTensor('max of [0, 3]', [], [ninf], () => cnn.max(empty([0, 3]))),
  expectTensor('min of [0, 3] over axis 0', [3], [inf, inf, inf], () => cnn.min(empty([0, 3]), 0)),
  expectTensor('sum of [3, 0] over axis 0 is empty', [0], [], () => cnn.sum(empty([3, 0]), 0)),
  expectTensor('matMul with K = 0', [2, 3], [0, 0, 0, 0, 0, 0], () =>
    cnn.matMul(empty([2, 0]), empty([0, 3])),
  ),
  expectTensor('conv2d with batch 0', [0, 3, 3, 2], [], () =>
    cnn.conv2d(empty([0, 5, 5, 1]), cnn.ones([3, 3, 1, 2])),
  ),
  expectTensor('conv2d over 0 channels', [1, 1, 1, 2], [0, 0], () =>
    cnn.conv2d(empty([1, 3, 3, 0]), empty([3, 3, 0, 2])),
  ),
  expectTensor('maxPool2d with batch 0', [0, 2, 2, 3], [], () =>
    cnn.maxPool2d(empty([0, 4, 4, 3]), { kernel: 2 }),
  ),
  expectTensor('avgPool2d with batch 0', [0, 2, 2, 3], [], () =>
    cnn.avgPool2d(empty([0, 4, 4, 3]), { kernel: 2 }),
  ),
  expectTensor('conv2d gradient with batch 0 is zero', [3, 3, 1, 2], new Array(18).fill(0), () => {
    const x = empty([0, 5, 5, 1]);
    const w = cnn.ones([3, 3, 1, 2]);
    return cnn.valueAndGrads((w) => cnn.sum(cnn.conv2d(x, w!)), [w]).grads[0]!;
  }),
  expectTensor('concat skips an empty part', [1, 3], [1, 2, 3], () =>
    cnn.concat([t([1, 2, 3], [1, 3]), empty([0, 3])], 0),
  ),
  expectTensor('pad of an empty tensor is all pad value', [2, 1], [7, 7], () =>
    cnn.pad(empty([0, 1]), [1, 0], [1, 0], 7),
  ),

  // NaN propagates through max/min and pooling; max pooling routes the gradient to the first NaN
  expectTensor('maxPool2d over [NaN, 1, 2, 3]', [1, 1, 1, 1], [nan], () =>
    cnn.maxPool2d(t([nan, 1, 2, 3], [1, 2, 2, 1]), { kernel: 2 }),
  ),
  expectTensor('maxPool2d gradient goes to the NaN', [1, 2, 2, 1], [0, 1, 0, 0], () => {
    const x = t([1, nan, 2, 3], [1, 2, 2, 1]);
    return cnn.valueAndGrads((x) => cnn.sum(cnn.maxPool2d(x!, { kernel: 2 })), [x]).grads[0]!;
  }),
  expectTensor('maxPool2d ties: the first maximum', [1, 2, 2, 1], [0, 1, 0, 0], () => {
    const x = t([1, 3, 3, 3], [1, 2, 2, 1]);
    return cnn.valueAndGrads((x) => cnn.sum(cnn.maxPool2d(x!, { kernel: 2 })), [x]).grads[0]!;
  }),
  expectTensor('max of [1, NaN, 3]', [], [nan], () => cnn.max(t([1, nan, 3], [3]))),
  expectTensor('maximum/minimum with NaN', [2], [nan, nan], () =>
    cnn.concat([cnn.maximum(t([nan], [1]), 1), cnn.minimum(1, t([nan], [1]))], 0),
  ),
  expectTensor('relu(NaN)', [1], [nan], () => cnn.relu(t([nan], [1]))),

  // no intermediate overflow where the result is finite
  expectTensor('avgPool2d of four 3e38', [1, 1, 1, 1], [Math.fround(3e38)], () =>
    cnn.avgPool2d(cnn.fill([1, 2, 2, 1], 3e38), { kernel: 2 }),
  ),
  expectTensor('mean of two 3e38', [], [Math.fround(3e38)], () => cnn.mean(cnn.fill([2], 3e38))),
  expectTensor('softmax of [3e38, -3e38]', [2], [1, 0], () => cnn.softmax(t([3e38, -3e38], [2]))),
  expectTensor('softmax of [-Infinity, 0]', [2], [0, 1], () => cnn.softmax(t([ninf, 0], [2]))),
  expectTensor('logSoftmax of [-Infinity, 0]', [2], [ninf, 0], () => cnn.logSoftmax(t([ninf, 0], [2]))),

  // IEEE and ECMAScript values
  expectTensor('sign', [4], [-1, 0, 1, nan], () => cnn.sign(t([-2, 0, 3, nan], [4]))),
  expectTensor(
    'pow: IEEE (x ** 0, x ** 1, a negative base, 1 ** NaN, (-1) ** Infinity)',
    [5],
    [1, inf, nan, 1, 1],
    () => cnn.pow(t([nan, inf, -8, 1, -1], [5]), t([0, 1, 1 / 3, nan, inf], [5])),
  ),
  expectTensor('log(0), 1/0, 0/0', [3], [ninf, inf, nan], () =>
    cnn.concat([cnn.log(t([0], [1])), cnn.div(t([1, 0], [2]), 0)], 0),
  ),
  expectTensor('equal and greater with NaN', [2], [0, 0], () =>
    cnn.concat([cnn.equal(t([nan], [1]), t([nan], [1])), cnn.greater(t([nan], [1]), 0)], 0),
  ),
  expectTensor('where passes Infinity and NaN through, a NaN cond selects a', [3], [inf, nan, 1], () =>
    cnn.where(t([1, 0, nan], [3]), t([inf, ninf, 1], [3]), t([nan, nan, inf], [3])),
  ),

  {
    name: 'a tensor over the size limit is refused before allocation',
    async run() {
      try {
        cnn.zeros([2 ** 31]);
        return 'zeros([2**31]) was accepted';
      } catch (error) {
        const message = (error as Error).message;
        return /zeros: .*\[2147483648\].*limit/.test(message) ? null : `unexpected error: ${message}`;
      }
    },
  },
];
