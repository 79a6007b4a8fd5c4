import { cpu } from '@cnn/backend-cpu';
import type { Backend, Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { tfjs } from '../src/index.js';

// The corners where tfjs's own ops differ from our interface and a composition does the work, each checked
// (value and gradients for a random dy) against backend-cpu within the 'cpu' tolerance.

interface Input {
  shape: number[];
  /** normal: N(0,1); ties: integers 0..2, so windows hold equal maxima; infinite: mostly -Infinity, else ties. */
  draw?: 'normal' | 'ties' | 'infinite';
}

interface Case {
  name: string;
  inputs: Input[];
  fn: (...xs: Tensor[]) => Tensor;
}

const cases: Case[] = [
  {
    name: 'conv2d stride 2 with dilation 2 and asymmetric pads',
    inputs: [{ shape: [2, 9, 8, 3] }, { shape: [3, 2, 3, 4] }],
    fn: (x, w) => cnn.conv2d(x!, w!, { strides: 2, dilations: 2, padding: [1, 0, 2, 1] }),
  },
  {
    name: 'conv2d stride (1, 2) with dilation (2, 1)',
    inputs: [{ shape: [1, 7, 9, 2] }, { shape: [2, 3, 2, 3] }],
    fn: (x, w) => cnn.conv2d(x!, w!, { strides: [1, 2], dilations: [2, 1], padding: 1 }),
  },
  {
    name: 'grouped conv2d: 3 groups of 2 channels, stride 2',
    inputs: [{ shape: [2, 7, 7, 6] }, { shape: [3, 3, 2, 9] }],
    fn: (x, w) => cnn.conv2d(x!, w!, { groups: 3, strides: 2, padding: [0, 1, 1, 0] }),
  },
  {
    name: 'depthwise conv2d, multiplier 2, stride 2, dilation 2',
    inputs: [{ shape: [2, 9, 9, 3] }, { shape: [3, 3, 1, 6] }],
    fn: (x, w) => cnn.conv2d(x!, w!, { groups: 3, strides: 2, dilations: 2, padding: [2, 1, 0, 2] }),
  },
  {
    name: 'depthwise conv2d, stride 3, floor drops rows',
    inputs: [{ shape: [1, 8, 8, 4] }, { shape: [2, 2, 1, 4] }],
    fn: (x, w) => cnn.conv2d(x!, w!, { groups: 4, strides: 3 }),
  },
  {
    name: 'maxPool with ties routes to the first max',
    inputs: [{ shape: [2, 6, 6, 3], draw: 'ties' }],
    fn: (x) => cnn.maxPool2d(x!, { kernel: 3, strides: 2, padding: 1 }),
  },
  {
    name: 'maxPool ceil mode, dilation 2, ties',
    inputs: [{ shape: [1, 8, 7, 2], draw: 'ties' }],
    fn: (x) =>
      cnn.maxPool2d(x!, { kernel: 2, strides: 2, dilations: 2, padding: [1, 0, 1, 1], ceilMode: true }),
  },
  {
    name: 'maxPool: a window of -Infinity routes to its first real position, never to a pad',
    inputs: [{ shape: [2, 5, 5, 3], draw: 'infinite' }],
    fn: (x) => cnn.maxPool2d(x!, { kernel: 3, strides: 2, padding: 1, ceilMode: true }),
  },
  {
    name: 'avgPool ceil mode, count_include_pad',
    inputs: [{ shape: [2, 7, 6, 2] }],
    fn: (x) =>
      cnn.avgPool2d(x!, { kernel: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true }),
  },
  {
    name: 'avgPool dilation 2, pads excluded',
    inputs: [{ shape: [1, 9, 8, 3] }],
    fn: (x) => cnn.avgPool2d(x!, { kernel: [2, 3], strides: [2, 1], dilations: 2, padding: [1, 2, 0, 1] }),
  },
  {
    name: 'LRN with an even size (asymmetric window)',
    inputs: [{ shape: [2, 3, 3, 7] }],
    fn: (x) => cnn.lrn(x!, { size: 4, alpha: 0.5, beta: 0.75, bias: 2 }),
  },
  {
    name: 'LRN with an odd size',
    inputs: [{ shape: [1, 2, 2, 6] }],
    fn: (x) => cnn.lrn(x!, { size: 3, alpha: 0.3, beta: 0.6, bias: 1 }),
  },
  {
    name: 'matMul broadcasting [2,1] x [1,3] batches',
    inputs: [{ shape: [2, 1, 3, 4] }, { shape: [1, 3, 4, 5] }],
    fn: (a, b) => cnn.matMul(a!, b!),
  },
  {
    name: 'matMul with both transposes and a shared b',
    inputs: [{ shape: [3, 4, 2] }, { shape: [5, 4] }],
    fn: (a, b) => cnn.matMul(a!, b!, true, true),
  },
  {
    name: 'softmax and logSoftmax on a middle axis',
    inputs: [{ shape: [2, 5, 3] }],
    fn: (x) => cnn.add(cnn.softmax(x!, 1), cnn.logSoftmax(x!, 0)),
  },
  {
    name: 'gelu exact and softplus far in the tails',
    inputs: [{ shape: [4, 6] }],
    fn: (x) => cnn.add(cnn.gelu(cnn.mul(x!, 4)), cnn.softplus(cnn.mul(x!, 20))),
  },
];

function draw(input: Input, seed: number): Float32Array {
  const rng = new cnn.Random(seed);
  const n = input.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (input.draw === 'normal' || !input.draw) values[i] = rng.normal();
    else if (input.draw === 'infinite' && rng.next() < 0.7) values[i] = -Infinity;
    else values[i] = rng.int(3);
  }
  return values;
}

/** The case's value and its gradients for the cotangent `dy` (drawn once from the value's shape). */
function evaluate(backend: Backend, c: Case, inputs: Float32Array[]): Float32Array[] {
  cnn.setBackend(backend);
  return cnn.tidy(() => {
    const xs = inputs.map((v, i) => cnn.tensor(v, c.inputs[i]!.shape));
    const shape = cnn.tidy(() => c.fn(...xs).shape);
    const dy = cnn.tensor(draw({ shape: [...shape] }, 99), shape);
    const { value, grads } = cnn.valueAndGrads(c.fn, xs, dy);
    return [value, ...grads].map((t) => t.dataSync());
  });
}

describe.each(['cpu', 'wasm'] as const)('tfjs-%s: compositions match backend-cpu', (engine) => {
  for (const c of cases) {
    it(c.name, async () => {
      const subject = await tfjs(engine);
      const inputs = c.inputs.map((input, i) => draw(input, i + 1));
      const ours = evaluate(subject, c, inputs);
      const ref = evaluate(cpu(), c, inputs);
      ours.forEach((values, k) => {
        const what = k === 0 ? 'value' : `gradient ${k - 1}`;
        expect(values.length, what).toBe(ref[k]!.length);
        values.forEach((v, i) => {
          const r = ref[k]![i]!;
          if (!(v === r || Math.abs(v - r) <= 1e-5 + 1e-4 * Math.abs(r))) {
            expect.fail(`${what}[${i}]: ${v} vs backend-cpu ${r}`);
          }
        });
      });
      expect(subject.numBuffers()).toBe(0);
    });
  }
});
