/**
 * The main job, for now: build a small CNN from core ops on the default backend (backend-cpu) and train it
 * on a toy task, so the whole path (conv, ReLU, pooling, dense, softmax, autograd, memory) runs end to end.
 * Task: 8x8 images holding a short vertical or horizontal bar at a random place; say which.
 */
import { cpu } from '@cnn/backend-cpu';
import type { Tensor } from '@cnn/core';
import * as cnn from '@cnn/core';

cnn.setBackend(cpu());
const rng = new cnn.Random(2024);
const size = 8;

function makeBatch(count: number): { x: Tensor; y: Tensor } {
  const pixels = new Float32Array(count * size * size);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const vertical = rng.next() < 0.5;
    labels[i] = vertical ? 1 : 0;
    const r = rng.int(size - 2);
    const c = rng.int(size - 2);
    for (let t = 0; t < 3; t++) {
      const [row, col] = vertical ? [r + t, c] : [r, c + t];
      pixels[i * size * size + row * size + col] = 1;
    }
    for (let p = 0; p < size * size; p++) pixels[i * size * size + p]! += rng.normal(0, 0.1);
  }
  return { x: cnn.tensor(pixels, [count, size, size, 1]), y: cnn.tensor(labels, [count]) };
}

// Parameters: conv 3x3x1 -> 8, conv 3x3x8 -> 16, dense 16 -> 2 (He-style scaling).
const params = {
  conv1: cnn.randomNormal([3, 3, 1, 8], 0, Math.sqrt(2 / 9), { random: rng }),
  conv2: cnn.randomNormal([3, 3, 8, 16], 0, Math.sqrt(2 / 72), { random: rng }),
  dense: cnn.randomNormal([16, 2], 0, Math.sqrt(2 / 16), { random: rng }),
  bias: cnn.zeros([2]),
};

function model(x: Tensor, conv1: Tensor, conv2: Tensor, dense: Tensor, bias: Tensor, log = false): Tensor {
  const show = (name: string, t: Tensor) => {
    if (log) console.log(`  ${name.padEnd(34)} -> [${t.shape.join(', ')}]`);
    return t;
  };
  let h = show('conv 3x3, 8 filters, pad 1 + ReLU', cnn.relu(cnn.conv2d(x, conv1, { padding: 'same' })));
  h = show('max pool 2x2 / 2', cnn.maxPool2d(h, { kernel: 2 }));
  h = show('conv 3x3, 16 filters, pad 1 + ReLU', cnn.relu(cnn.conv2d(h, conv2, { padding: 'same' })));
  h = show('global max pool', cnn.reshape(cnn.globalMaxPool(h), [h.shape[0]!, 16]));
  return show('dense 16 -> 2 (logits)', cnn.dense(h, dense, bias));
}

const names = Object.keys(params) as (keyof typeof params)[];
const current = () => names.map((n) => params[n]) as [Tensor, Tensor, Tensor, Tensor];
console.log(`backend: ${cnn.getBackend().name}`);
console.log('layers (output size per conv/pool: (in + 2*pad - filter) / stride + 1):');
cnn.tidy(() => void model(makeBatch(1).x, ...current(), true));

const start = performance.now();
const steps = 150;
const learningRate = 0.1;
for (let step = 1; step <= steps; step++) {
  const loss = cnn.tidy(() => {
    const { x, y } = makeBatch(32);
    const { value, grads } = cnn.valueAndGrads(
      (c1, c2, d, b) => cnn.softmaxCrossEntropy(model(x, c1!, c2!, d!, b!), y),
      names.map((n) => params[n]),
    );
    names.forEach((n, i) => {
      const updated = cnn.sub(params[n], cnn.mul(grads[i]!, learningRate));
      params[n].dispose();
      params[n] = cnn.keep(updated);
    });
    return value;
  });
  if (step % 25 === 0)
    console.log(
      `step ${String(step).padStart(3)}  loss ${loss.dataSync()[0]!.toFixed(4)}  live tensors ${cnn.memory().numTensors}`,
    );
  loss.dispose();
}

const accuracy = cnn.tidy(() => {
  const { x, y } = makeBatch(500);
  const logits = model(x, ...current());
  // Class 1 (vertical) wins where its logit is larger.
  const predicted = cnn.greater(cnn.slice(logits, [0, 1], [-1, 1]), cnn.slice(logits, [0, 0], [-1, 1]));
  return cnn.mean(cnn.equal(cnn.reshape(predicted, [500]), y)).dataSync()[0]!;
});
console.log(
  `held-out accuracy on 500 new images: ${(accuracy * 100).toFixed(1)}%  (${((performance.now() - start) / 1000).toFixed(1)} s)`,
);
