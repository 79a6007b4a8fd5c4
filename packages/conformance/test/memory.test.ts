import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';

describe('memory: tidy, reshape sharing, the live-tensor count', () => {
  beforeAll(() => cnn.setBackend(cpu()));

  it('a training loop keeps the live tensor and buffer counts flat', () => {
    let w = cnn.randomNormal([3, 3, 2, 4], 0, 0.3, { seed: 3 });
    const x = cnn.randomNormal([2, 6, 6, 2], 0, 1, { seed: 4 });
    const labels = cnn.tensor([1, 3]);
    const counts: number[] = [];
    for (let step = 0; step < 5; step++) {
      cnn.tidy(() => {
        const { grads } = cnn.valueAndGrads(
          (w) =>
            cnn.softmaxCrossEntropy(
              cnn.reshape(cnn.globalAvgPool(cnn.relu(cnn.conv2d(x, w!))), [2, 4]),
              labels,
            ),
          [w],
        );
        const next = cnn.sub(w, cnn.mul(grads[0]!, 0.1));
        w.dispose();
        w = cnn.keep(next);
      });
      counts.push(cnn.memory().numTensors, cnn.memory().numBuffers);
    }
    expect(new Set(counts.filter((_, i) => i % 2 === 0)).size).toBe(1);
    expect(new Set(counts.filter((_, i) => i % 2 === 1)).size).toBe(1);
  });

  it('predict in batches holds one batch of activations at a time, not the whole set', async () => {
    const backend = cnn.getBackend() as ReturnType<typeof cpu>;
    const model = cnn.sequential(
      [8, 8, 1],
      [
        new cnn.Conv2D({ filters: 4, kernelSize: 3, padding: 1, activation: 'relu' }),
        new cnn.MaxPool2D({ poolSize: 2 }),
        new cnn.Flatten(),
        new cnn.Dense({ units: 3 }),
      ],
      { seed: 1 },
    );
    const x = cnn.randomUniform([40, 8, 8, 1], 0, 1, { seed: 2 });
    // the most buffers alive at once while predict runs, seen at every kernel's output
    let peak = 0;
    const original = backend.activation;
    backend.activation = (...args) => {
      const y = original(...args);
      peak = Math.max(peak, backend.numBuffers());
      return y;
    };
    const peakOf = async (batchSize: number) => {
      peak = 0;
      const y = model.predict(x, { batchSize });
      await y.data();
      y.dispose();
      return peak;
    };
    const oneBatch = await peakOf(40);
    // 8 batches of 5: their outputs wait for the final concat (8 small tensors), their activations do not
    expect(await peakOf(5)).toBeLessThanOrEqual(oneBatch + 8);
    backend.activation = original;
    model.dispose();
    x.dispose();
  });

  it('reshape shares storage until the last view is disposed', async () => {
    const before = cnn.memory().numBuffers;
    const a = cnn.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = cnn.reshape(a, [3, 2]);
    expect(cnn.memory().numBuffers).toBe(before + 1);
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3, 4, 5, 6]);
    b.dispose();
    expect(cnn.memory().numBuffers).toBe(before);
  });

  it('ops with number operands and composite ops leave nothing behind outside tidy', () => {
    const x = cnn.tensor([1, -2, 3, -4], [2, 2]);
    const before = cnn.memory().numTensors;
    const results = [
      cnn.mul(x, 2),
      cnn.sum(x, 1),
      cnn.matMul(cnn.tensor([1, 2]), x),
      cnn.softmaxCrossEntropy(x, cnn.tensor([0, 1])),
      cnn.meanSquaredError(x, x),
    ];
    // The results plus the two input tensors made inline above.
    expect(cnn.memory().numTensors).toBe(before + results.length + 2);
    results.forEach((t) => t.dispose());
  });

  it('the same seed gives the same random values', () => {
    const a = cnn.randomNormal([50], 0, 1, { seed: 9 }).dataSync();
    const b = cnn.randomNormal([50], 0, 1, { seed: 9 }).dataSync();
    const c = cnn.randomNormal([50], 0, 1, { seed: 10 }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.5);
  });
});
