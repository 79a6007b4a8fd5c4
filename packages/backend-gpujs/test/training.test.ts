import * as cnn from '@cnn/core';
import { afterAll, describe, expect, it } from 'vitest';
import { gpujs } from '../src/index.js';

// A small conv net trained with core ops only (conv 'same', max pool, grouped strided conv, average pool,
// dense, softmax cross-entropy; SGD written as tensor ops), the same net as backend-tfjs's memory test.
// Seeded: every run is the same.

const backend = gpujs();
cnn.setBackend(backend);
afterAll(() => backend.destroy());

function setup() {
  const x = cnn.randomNormal([4, 8, 8, 2], 0, 1, { seed: 1 });
  const labels = cnn.tensor([0, 1, 2, 1]);
  const params = [
    cnn.randomNormal([3, 3, 2, 4], 0, 0.3, { seed: 2 }), // conv, 'same'
    cnn.randomNormal([3, 3, 2, 4], 0, 0.3, { seed: 3 }), // grouped conv (2 groups), stride 2
    cnn.randomNormal([16, 3], 0, 0.3, { seed: 4 }), // dense
    cnn.zeros([3]), // bias
  ];
  const loss = (conv1: cnn.Tensor, conv2: cnn.Tensor, w: cnn.Tensor, b: cnn.Tensor) => {
    let h = cnn.relu(cnn.conv2d(x, conv1, { padding: 'same' }));
    h = cnn.maxPool2d(h, { kernel: 2 });
    h = cnn.relu(cnn.conv2d(h, conv2, { strides: 2, padding: 1, groups: 2 }));
    h = cnn.avgPool2d(h, { kernel: 2, strides: 1, padding: 'same' });
    return cnn.softmaxCrossEntropy(cnn.dense(cnn.reshape(h, [4, 16]), w, b), labels);
  };
  /** One SGD step; returns the loss tensor (kept) and replaces the parameters. */
  const step = () =>
    cnn.tidy(() => {
      const { value, grads } = cnn.valueAndGrads(loss, params);
      const next = params.map((p, i) => cnn.keep(cnn.sub(p, cnn.mul(grads[i]!, 0.1))));
      params.forEach((p) => p.dispose());
      params.splice(0, params.length, ...next);
      return cnn.keep(value);
    });
  const dispose = () => [x, labels, ...params].forEach((t) => t.dispose());
  return { step, dispose };
}

describe('gpujs: data stays on the GPU', () => {
  it('a training step reads nothing back until the loss is read', async () => {
    const { step, dispose } = setup();
    const before = backend.stats().readbacks;
    const loss = step(); // forward, backward (valueAndGrads) and the SGD update
    expect(backend.stats().readbacks).toBe(before);
    const second = step();
    expect(backend.stats().readbacks).toBe(before);
    const value = (await loss.data())[0]!;
    expect(backend.stats().readbacks).toBe(before + 1);
    expect(Number.isFinite(value)).toBe(true);
    second.dataSync();
    expect(backend.stats().readbacks).toBe(before + 2);
    loss.dispose();
    second.dispose();
    dispose();
  });

  it('kernels compile once: the compile count stops growing after the first training step', () => {
    const { step, dispose } = setup();
    step().dispose();
    const after1 = backend.stats();
    for (let i = 0; i < 4; i++) step().dispose();
    const after5 = backend.stats();
    expect(after5.compiles).toBe(after1.compiles);
    // The context linked no new program either (gpu.js recompiling behind the cache would show here).
    expect(after5.programs).toBe(after1.programs);
    expect(after5.kernelCalls).toBeGreaterThan(after1.kernelCalls);
    dispose();
  });

  it('200 training steps keep core tensors and live textures flat, and the loss falls', () => {
    const { step, dispose } = setup();
    const counts: string[] = [];
    const losses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const loss = step();
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
      const s = backend.stats();
      counts.push(
        `${cnn.memory().numTensors}/${cnn.memory().numBuffers}/${backend.numBuffers()}/${s.liveTextures}`,
      );
    }
    expect(new Set(counts)).toEqual(new Set([counts[0]]));
    expect(cnn.memory().numBuffers).toBe(backend.numBuffers());
    expect(losses[199]).toBeLessThan(losses[0]! * 0.5);
    dispose();
    expect(backend.numBuffers()).toBe(0);
    expect(backend.stats().liveTextures).toBe(0);
  });
});
