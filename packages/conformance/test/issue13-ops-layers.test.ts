import { cpu } from '@cnn/backend-cpu';
import { reference } from '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';

/** Max |a - b| over two equal-length arrays. */
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe('tensor conveniences', () => {
  beforeAll(() => cnn.setBackend(cpu()));

  it('array / arraySync nest by rows; print shows the values', async () => {
    const t = cnn.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(t.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(await t.array()).toEqual(t.arraySync());
    expect(cnn.scalar(2.5).arraySync()).toBe(2.5);
    const lines: string[] = [];
    const text = t.print((s) => lines.push(s));
    expect(lines).toEqual([text]);
    expect(text).toMatch(/^Tensor shape=\[2,3\] backend=cpu#\d+\n\[\[1, 2, 3\],\n \[4, 5, 6\]\]$/);
    // Axes longer than 20 show their first and last 3 entries.
    const long = cnn.tensor(
      Float32Array.from({ length: 30 }, (_, i) => i),
      [30],
    );
    expect(long.print(() => {})).toContain('[0, 1, 2, ..., 27, 28, 29]');
    cnn.dispose([t, long]);
  });

  it('dispose(container) frees every tensor in nested arrays and objects, once', () => {
    const before = cnn.memory().numTensors;
    const a = cnn.zeros([2]);
    const b = cnn.ones([3]);
    const c = cnn.fill([1], 7);
    cnn.dispose({ list: [a, { deep: b }], c, n: 3, s: 'x', nothing: null });
    expect([a, b, c].every((t) => t.isDisposed)).toBe(true);
    expect(cnn.memory().numTensors).toBe(before);
    cnn.dispose([a, b]); // twice is harmless
    expect(cnn.memory().numTensors).toBe(before);
  });

  it('memory() counts bytes: 4 per element, a reshape shares its buffer', () => {
    const before = cnn.memory();
    const a = cnn.zeros([10, 10]);
    expect(cnn.memory().numBytes - before.numBytes).toBe(400);
    const b = cnn.reshape(a, [100]);
    expect(cnn.memory().numBytes - before.numBytes).toBe(400);
    a.dispose();
    expect(cnn.memory().numBytes - before.numBytes).toBe(400);
    b.dispose();
    expect(cnn.memory()).toEqual(before);
  });
});

describe('indices are exact integer-valued float32, validated', () => {
  beforeAll(() => cnn.setBackend(cpu()));

  it('argMax over 100,000 entries returns the exact index; ties go to the first', () => {
    const values = new Float32Array(100_000).fill(-1);
    values[99_999] = 5;
    values[12_345] = 5;
    const idx = cnn.argMax(cnn.tensor(values, [1, 100_000]));
    expect(Array.from(idx.dataSync())).toEqual([12_345]);
    expect(Array.from(cnn.argMin(cnn.tensor([3, 1, 1, 2])).dataSync())).toEqual([1]);
  });

  it('oneHot and gather refuse an index that is not an integer in range, naming it', () => {
    const labels = cnn.tensor([0, 3, 1]);
    expect(() => cnn.oneHot(labels, 3)).toThrow(
      'oneHot: indices[1] is 3, expected an integer in [0, 3) (indices are integer-valued float32)',
    );
    expect(() => cnn.oneHot(cnn.tensor([0.5]), 3)).toThrow(
      /oneHot: indices\[0\] is 0.5, expected an integer/,
    );
    expect(() => cnn.oneHot(labels, 0)).toThrow(/oneHot: depth must be a positive integer, got 0/);
    const table = cnn.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(() => cnn.gather(table, cnn.tensor([-1]))).toThrow(
      /gather: indices\[0\] is -1, expected an integer in \[0, 3\)/,
    );
    expect(() => cnn.gather(table, cnn.tensor([0]), 2)).toThrow(/gather: axis 2 is out of range/);
    expect(() => cnn.topK(table, 3)).toThrow(/topK: k must be an integer in \[0, 2\]/);
    expect(() => cnn.argMax(cnn.zeros([2, 0]))).toThrow(/argMax: axis 1 of shape \[2,0\] is empty/);
  });

  it('gather copies exactly: a NaN or Infinity in another row stays there, and repeated rows add gradients', async () => {
    const table = cnn.tensor([1, Number.POSITIVE_INFINITY, Number.NaN, 4, 0.1, -0.3], [3, 2]);
    expect(Array.from(await cnn.gather(table, cnn.tensor([2, 2, 0])).data())).toEqual(
      Array.from(Float32Array.of(0.1, -0.3, 0.1, -0.3, 1, Number.POSITIVE_INFINITY)),
    );
    const g = cnn.grad((t) => cnn.sum(cnn.gather(t, cnn.tensor([2, 2, 0]))))(
      cnn.tensor([0, 0, 0, 0, 0, 0], [3, 2]),
    );
    expect(Array.from(await g.data())).toEqual([1, 1, 0, 0, 2, 2]);
  });

  it('resize and mirrorPad errors name the op and the argument', () => {
    const img = cnn.zeros([1, 4, 4, 1]);
    expect(() => cnn.resizeBilinear(img, [0, 2])).toThrow(
      /resizeBilinear: size height must be a positive integer, got 0/,
    );
    expect(() => cnn.resizeNearestNeighbor(cnn.zeros([4, 4]), [2, 2])).toThrow(
      /resizeNearestNeighbor: images must be/,
    );
    expect(() => cnn.resizeBilinear(img, [2, 2], true, true)).toThrow(
      /alignCorners and halfPixelCenters cannot both be true/,
    );
    expect(() => cnn.mirrorPad(img, [0, 4, 0, 0], [0, 0, 0, 0], 'reflect')).toThrow(
      /mirrorPad: pad before = 4 on axis 1 is too large for mode 'reflect' on an axis of size 4 \(at most 3\)/,
    );
    expect(() => cnn.mirrorPad(img, [0, 0, 0, 0], [0, 0, 0, 0], 'wrap' as 'edge')).toThrow(
      /mirrorPad: mode must be/,
    );
  });
});

describe('layers against independent formulas, on the reference backend', () => {
  beforeAll(() => cnn.setBackend(reference()));
  const ctx = (training: boolean): cnn.CallContext => ({ training, random: new cnn.Random(5), updates: [] });
  /** Runs a layer's computation directly (as a model does), with given weights. */
  const call = (layer: cnn.Layer, inputs: cnn.Tensor[], params: cnn.Tensor[], context: cnn.CallContext) =>
    layer.call(inputs, params, context);

  it('DepthwiseConv2D equals a full conv with a block-diagonal kernel', () => {
    const x = cnn.randomNormal([2, 6, 5, 3], 0, 1, { seed: 1 });
    const layer = new cnn.DepthwiseConv2D({
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same',
      useBias: false,
    });
    const dw = cnn.randomNormal([3, 3, 1, 6], 0, 1, { seed: 2 });
    const y = call(layer, [x], [dw], ctx(false));
    // Output channel o reads only input channel floor(o / 2).
    const d = dw.dataSync();
    const full = new Float32Array(3 * 3 * 3 * 6);
    for (let t = 0; t < 9; t++)
      for (let o = 0; o < 6; o++) full[(t * 3 + Math.floor(o / 2)) * 6 + o] = d[t * 6 + o]!;
    const z = cnn.conv2d(x, cnn.tensor(full, [3, 3, 3, 6]), { padding: 'same' });
    expect(maxDiff(y.dataSync(), z.dataSync())).toBeLessThan(1e-5);
  });

  it('SeparableConv2D equals a full conv whose kernel is depthwise ⊗ pointwise', () => {
    const x = cnn.randomNormal([1, 7, 7, 2], 0, 1, { seed: 3 });
    const layer = new cnn.SeparableConv2D({ filters: 3, kernelSize: 3, strides: 2 });
    const [dw, pw, b] = [
      cnn.randomNormal([3, 3, 1, 2], 0, 1, { seed: 4 }),
      cnn.randomNormal([1, 1, 2, 3], 0, 1, { seed: 5 }),
      cnn.tensor([0.1, -0.2, 0.3]),
    ];
    const y = call(layer, [x], [dw, pw, b], ctx(false));
    const [dv, pv] = [dw.dataSync(), pw.dataSync()];
    const full = new Float32Array(3 * 3 * 2 * 3);
    for (let t = 0; t < 9; t++)
      for (let c = 0; c < 2; c++)
        for (let o = 0; o < 3; o++) full[(t * 2 + c) * 3 + o] = dv[t * 2 + c]! * pv[c * 3 + o]!;
    const z = cnn.add(cnn.conv2d(x, cnn.tensor(full, [3, 3, 2, 3]), { strides: 2 }), b);
    expect(y.shape).toEqual([1, 3, 3, 3]);
    expect(maxDiff(y.dataSync(), z.dataSync())).toBeLessThan(1e-5);
  });

  it('Conv2DTranspose is the adjoint of conv2d: <convT(u), v> = <u, conv(v)>', () => {
    const layer = new cnn.Conv2DTranspose({
      filters: 2,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
    });
    const k = cnn.randomNormal([3, 3, 2, 4], 0, 1, { seed: 6 });
    const u = cnn.randomNormal([1, 4, 5, 4], 0, 1, { seed: 7 });
    const v = cnn.randomNormal([1, 8, 10, 2], 0, 1, { seed: 8 });
    const y = call(layer, [u], [k], ctx(false));
    expect(y.shape).toEqual([1, 8, 10, 2]);
    const lhs = cnn.sum(cnn.mul(y, v)).dataSync()[0]!;
    const rhs = cnn.sum(cnn.mul(u, cnn.conv2d(v, k, { strides: 2, padding: 'same' }))).dataSync()[0]!;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.abs(rhs) + 1e-4);
  });

  it('ZeroPadding2D, Cropping2D and nearest UpSampling2D move pixels as a host loop does', () => {
    const [h, w] = [3, 4];
    const values = Float32Array.from({ length: h * w }, (_, i) => i + 1);
    const x = cnn.tensor(values, [1, h, w, 1]);
    const padded = call(
      new cnn.ZeroPadding2D({
        padding: [
          [1, 0],
          [2, 1],
        ],
      }),
      [x],
      [],
      ctx(false),
    );
    expect(padded.shape).toEqual([1, 4, 7, 1]);
    const want = new Float32Array(4 * 7);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) want[(i + 1) * 7 + j + 2] = values[i * w + j]!;
    expect(Array.from(padded.dataSync())).toEqual(Array.from(want));
    const cropped = call(
      new cnn.Cropping2D({
        cropping: [
          [1, 1],
          [0, 2],
        ],
      }),
      [x],
      [],
      ctx(false),
    );
    expect(Array.from(cropped.dataSync())).toEqual([5, 6]);
    const up = call(new cnn.UpSampling2D({ size: [2, 3] }), [x], [], ctx(false));
    const upWant = Array.from(
      { length: 6 * 12 },
      (_, t) => values[Math.floor(Math.floor(t / 12) / 2) * w + Math.floor((t % 12) / 3)]!,
    );
    expect(Array.from(up.dataSync())).toEqual(upWant);
  });

  it('SpatialDropout2D drops whole channels in training, scaled by 1/(1 - rate); identity in inference', () => {
    const x = cnn.randomUniform([3, 4, 4, 8], 0.5, 1.5, { seed: 9 });
    const layer = new cnn.SpatialDropout2D({ rate: 0.5 });
    expect(call(layer, [x], [], ctx(false))).toBe(x);
    const y = call(layer, [x], [], ctx(true)).dataSync();
    const xs = x.dataSync();
    let dropped = 0;
    for (let n = 0; n < 3; n++) {
      for (let c = 0; c < 8; c++) {
        const ratios = new Set<number>();
        for (let p = 0; p < 16; p++) {
          const i = (n * 16 + p) * 8 + c;
          ratios.add(Math.round((y[i]! / xs[i]!) * 1e5) / 1e5);
        }
        expect(ratios.size).toBe(1);
        const [r] = [...ratios];
        expect([0, 2]).toContain(r);
        if (r === 0) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(24);
  });

  it('GlobalAveragePool and GlobalMaxPool with keepDims', () => {
    const x = cnn.tensor([1, 5, 3, -2, 0, 8, 2, 2], [1, 2, 2, 2]);
    const avg = call(new cnn.GlobalAveragePool({ keepDims: true }), [x], [], ctx(false));
    expect(avg.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(avg.dataSync())).toEqual([(1 + 3 + 0 + 2) / 4, (5 - 2 + 8 + 2) / 4]);
    const mx = call(new cnn.GlobalMaxPool(), [x], [], ctx(false));
    expect(mx.shape).toEqual([1, 2]);
    expect(Array.from(mx.dataSync())).toEqual([3, 8]);
  });
});

describe('trainable = false freezes a layer in fit', () => {
  beforeAll(() => cnn.setBackend(cpu()));

  it('frozen conv and batch norm keep their weights and statistics; the head trains', async () => {
    const model = cnn.sequential(
      [6, 6, 2],
      [
        new cnn.Conv2D({ name: 'backbone', filters: 4, kernelSize: 3 }),
        new cnn.BatchNorm({ name: 'bn' }),
        new cnn.ActivationLayer({ name: 'relu6', activation: 'relu6' }),
        new cnn.GlobalAveragePool({ name: 'gap' }),
        new cnn.Dense({ name: 'head', units: 3 }),
      ],
      { seed: 1 },
    );
    for (const name of ['backbone', 'bn']) model.layers.find((l) => l.name === name)!.trainable = false;
    model.compile({ optimizer: new cnn.SGD({ learningRate: 0.1 }), loss: 'softmaxCrossEntropy' });
    const x = cnn.randomNormal([8, 6, 6, 2], 0, 1, { seed: 2 });
    const y = cnn.tensor([0, 1, 2, 0, 1, 2, 0, 1]);
    model.predict(x).dispose(); // creates the weights
    const before = new Map(model.variables.map((v) => [v.name, v.read().dataSync().slice()]));
    await model.fit(x, y, { epochs: 2, batchSize: 4 });
    for (const v of model.variables) {
      const same = maxDiff(v.read().dataSync(), before.get(v.name)!) === 0;
      expect([v.name, same]).toEqual([v.name, !v.name.startsWith('head/')]);
    }
  });
});
