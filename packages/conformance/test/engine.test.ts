import { cpu } from '@cnn/backend-cpu';
import { reference } from '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { describe, expect, it } from 'vitest';

/** Central finite difference of a scalar function of one flat input, element i (a step small enough that no max-pooling argmax flips in these draws). */
function centralDifference(f: (x: Float32Array) => number, x: Float32Array, i: number, eps = 1e-3): number {
  const plus = x.slice();
  const minus = x.slice();
  plus[i]! += eps;
  minus[i]! -= eps;
  return (f(plus) - f(minus)) / (2 * eps);
}

describe('the backend registry', () => {
  it('importing a backend package registers its names; setBackend takes a name', () => {
    expect(cnn.registeredBackends().map((b) => b.name)).toEqual(expect.arrayContaining(['cpu', 'reference']));
    const backend = cnn.setBackend('cpu');
    expect(backend.name).toBe('cpu');
    expect(cnn.setBackend('cpu')).toBe(backend); // one instance per name
    expect(cnn.getBackend()).toBe(backend);
  });

  it('an asynchronous backend is started with useBackend, and setBackend says so', async () => {
    cnn.registerBackend({ name: 'async-for-test', create: async () => reference() });
    expect(() => cnn.setBackend('async-for-test')).toThrow("use `await useBackend('async-for-test')`");
    const started = await cnn.useBackend('async-for-test');
    expect(started.name).toBe('reference');
    expect(cnn.getBackend()).toBe(started);
    expect(cnn.setBackend('async-for-test')).toBe(started); // started once, then selectable by name
    cnn.setBackend('cpu');
  });

  it('listBackends says which work here and why not', async () => {
    cnn.registerBackend({
      name: 'broken-for-test',
      create: () => {
        throw new Error('no device: install the driver');
      },
    });
    const list = await cnn.listBackends();
    const byName = new Map(list.map((b) => [b.name, b]));
    expect(byName.get('cpu')?.available).toBe(true);
    expect(byName.get('reference')?.available).toBe(true);
    expect(byName.get('broken-for-test')).toMatchObject({
      available: false,
      reason: 'no device: install the driver',
    });
  });

  it('an unknown name lists what is registered', () => {
    expect(() => cnn.setBackend('gpu-that-does-not-exist')).toThrow(
      /no backend named 'gpu-that-does-not-exist' is registered \(registered: .*cpu.*\)/,
    );
  });

  it('each instance has an id; moveTo copies a tensor across backends', async () => {
    const a = cpu();
    const b = cpu();
    expect(cnn.backendId(a)).not.toBe(cnn.backendId(b));
    const x = cnn.tensor([1, 2, 3], [3], a);
    const y = cnn.tensor([1, 1, 1], [3], b);
    expect(() => cnn.add(x, y)).toThrow(cnn.backendId(b));
    const moved = cnn.moveTo(x, b);
    expect(moved.backend).toBe(b);
    expect(Array.from(await cnn.add(moved, y).data())).toEqual([2, 3, 4]);
    // a source that reads only asynchronously (as a GPU backend may) needs moveToAsync
    const asyncOnly: cnn.Backend = { ...reference(), readSync: undefined };
    const far = cnn.tensor([4, 5], [2], asyncOnly);
    expect(() => cnn.moveTo(far, a)).toThrow('use await moveToAsync(tensor, backend)');
    const there = await cnn.moveToAsync(far, a);
    expect(Array.from(await there.data())).toEqual([4, 5]);
    const named = cnn.moveTo(x, 'reference');
    expect(named.backend.name).toBe('reference');
  });
});

describe('tensor size limit', () => {
  it('refuses a tensor over the limit before allocating, naming the op and the shape', () => {
    cnn.setBackend('cpu');
    expect(() => cnn.zeros([2 ** 31])).toThrow(
      'zeros: a tensor of shape [2147483648] would hold 2147483648 elements, over the limit of 1073741824',
    );
    const x = cnn.zeros([2 ** 15, 1]);
    const y = cnn.zeros([1, 2 ** 16]);
    expect(() => cnn.matMul(x, y)).toThrow('matMul: a tensor of shape [32768,65536]');
  });

  it('the limit can be changed', () => {
    cnn.setMaxTensorSize(10);
    try {
      expect(() => cnn.ones([11])).toThrow('over the limit of 10');
      expect(cnn.ones([10]).size).toBe(10);
    } finally {
      cnn.setMaxTensorSize(2 ** 30);
    }
    expect(() => cnn.setMaxTensorSize(0)).toThrow('setMaxTensorSize: elements must be a positive integer');
  });
});

// Nested valueAndGrads (a Hessian-vector product, a gradient penalty) against finite differences of the
// first-order gradient. The same compositions run on every backend in the suite's second-order checks.
describe.each([
  ['cpu', async () => cpu()],
  ['reference', async () => reference()],
])('gradients of gradients on %s', (_, make) => {
  const rng = new cnn.Random(3);
  const x0 = Float32Array.from({ length: 5 }, () => rng.normal());
  const w0 = Float32Array.from({ length: 5 }, () => rng.normal());

  /** d/dw of Σ_i (∂f/∂x_i), i.e. the mixed second derivative summed over x, by nesting. */
  async function mixed(
    backend: cnn.Backend,
    f: (x: cnn.Tensor, w: cnn.Tensor) => cnn.Tensor,
    xs: Float32Array,
    ws: Float32Array,
    xShape: number[],
    wShape: number[],
  ) {
    cnn.setBackend(backend);
    const before = cnn.memory().numTensors;
    const x = cnn.tensor(xs, xShape);
    const w = cnn.tensor(ws, wShape);
    const outer = cnn.valueAndGrads(
      (w) => {
        const { grads } = cnn.valueAndGrads((x) => f(x!, w!), [x]);
        return cnn.sum(grads[0]!);
      },
      [w],
    );
    const got = await outer.grads[0]!.data();
    outer.value.dispose();
    outer.grads[0]!.dispose();
    // the first-order gradient summed over x, as a plain function of w, for finite differences
    const firstOrder = (wv: Float32Array) =>
      cnn.tidy(() => {
        const wt = cnn.tensor(wv, wShape);
        const g = cnn.valueAndGrads((x) => f(x!, wt), [x]).grads[0]!;
        return cnn.sum(g).dataSync()[0]!;
      });
    const numeric = Array.from(ws, (_, i) => centralDifference(firstOrder, ws, i));
    x.dispose();
    w.dispose();
    expect(cnn.memory().numTensors).toBe(before);
    return { got: Array.from(got), numeric };
  }

  const close = ({ got, numeric }: { got: number[]; numeric: number[] }) => {
    got.forEach((g, i) =>
      expect(Math.abs(g - numeric[i]!)).toBeLessThanOrEqual(2e-3 + 2e-2 * Math.abs(numeric[i]!)),
    );
  };

  it('Σ x³·w', async () => {
    close(await mixed(await make(), (x, w) => cnn.sum(cnn.mul(cnn.pow(x, 3), w)), x0, w0, [5], [5]));
  });

  it('Σ tanh(conv2d(x, w))²', async () => {
    const r = new cnn.Random(5);
    const xs = Float32Array.from({ length: 1 * 5 * 5 * 2 }, () => r.normal());
    const ws = Float32Array.from({ length: 3 * 3 * 2 * 2 }, () => r.normal(0, 0.5));
    const f = (x: cnn.Tensor, w: cnn.Tensor) =>
      cnn.sum(cnn.square(cnn.tanh(cnn.conv2d(x, w, { padding: 1 }))));
    close(await mixed(await make(), f, xs, ws, [1, 5, 5, 2], [3, 3, 2, 2]));
  });

  it('Σ (x·w)² through matMul', async () => {
    const r = new cnn.Random(6);
    const xs = Float32Array.from({ length: 3 * 4 }, () => r.normal());
    const ws = Float32Array.from({ length: 4 * 2 }, () => r.normal());
    const f = (x: cnn.Tensor, w: cnn.Tensor) => cnn.sum(cnn.square(cnn.matMul(x, w)));
    close(await mixed(await make(), f, xs, ws, [3, 4], [4, 2]));
  });

  it('Σ maxPool(conv2d(x, w))²', async () => {
    const r = new cnn.Random(7);
    const xs = Float32Array.from({ length: 1 * 6 * 6 * 2 }, () => r.normal());
    const ws = Float32Array.from({ length: 3 * 3 * 2 * 2 }, () => r.normal(0, 0.5));
    const f = (x: cnn.Tensor, w: cnn.Tensor) =>
      cnn.sum(cnn.square(cnn.maxPool2d(cnn.conv2d(x, w, { padding: 1 }), { kernel: 2 })));
    close(await mixed(await make(), f, xs, ws, [1, 6, 6, 2], [3, 3, 2, 2]));
  });

  it('a tidy inside the differentiated function does not break the outer tape', async () => {
    const backend = await make();
    close(
      await mixed(
        backend,
        (x, w) => cnn.tidy(() => cnn.sum(cnn.mul(cnn.exp(cnn.mul(x, w)), w))),
        x0,
        w0,
        [5],
        [5],
      ),
    );
  });
});
