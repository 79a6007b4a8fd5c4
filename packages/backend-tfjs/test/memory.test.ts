import * as cnn from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tfjs } from '../src/index.js';

// 200 SGD steps of a small conv net, written with core ops only. Every kernel runs inside tf.tidy and
// core disposes what each step made, so both counts (ours and tfjs's) must stay flat.
describe.each(['cpu', 'wasm'] as const)('tfjs-%s: memory', (engine) => {
  it('200 training steps keep cnn.memory() and tf.memory() flat', async () => {
    const backend = await tfjs(engine);
    cnn.setBackend(backend);
    const tfBefore = tf.memory().numTensors;
    const x = cnn.randomNormal([4, 8, 8, 2], 0, 1, { seed: 1 });
    const labels = cnn.tensor([0, 1, 2, 1]);
    let params = [
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
    const counts: string[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      cnn.tidy(() => {
        const { value, grads } = cnn.valueAndGrads(loss, params);
        losses.push(value.dataSync()[0]!);
        const next = params.map((p, i) => cnn.keep(cnn.sub(p, cnn.mul(grads[i]!, 0.1))));
        params.forEach((p) => p.dispose());
        params = next;
      });
      counts.push(`${cnn.memory().numTensors}/${cnn.memory().numBuffers}/${tf.memory().numTensors}`);
    }
    expect(new Set(counts)).toEqual(new Set([counts[0]]));
    // core tensors are exactly our buffers here (no reshape views survive a step), and tfjs holds no more.
    expect(cnn.memory().numBuffers).toBe(backend.numBuffers());
    expect(losses[199]).toBeLessThan(losses[0]! * 0.5);
    [x, labels, ...params].forEach((t) => t.dispose());
    expect(backend.numBuffers()).toBe(0);
    expect(tf.memory().numTensors).toBe(tfBefore);
  });
});
