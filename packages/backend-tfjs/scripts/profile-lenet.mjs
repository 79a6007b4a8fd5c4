// One LeNet-5 training step (batch 64) with core ops on a tfjs engine: time per step and tfjs kernel times.
// Usage: node scripts/profile-lenet.mjs [cpu|wasm]   (after `pnpm build`)
import * as cnn from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { tfjs } from '../dist/index.js';

const engine = process.argv[2] ?? 'wasm';
cnn.setBackend(await tfjs(engine));
const batch = 64;
const x = cnn.randomNormal([batch, 28, 28, 1], 0, 1, { seed: 1 });
const labels = cnn.tensor(Array.from({ length: batch }, (_, i) => i % 10));
let params = [
  cnn.randomNormal([5, 5, 1, 6], 0, 0.2, { seed: 2 }),
  cnn.randomNormal([5, 5, 6, 16], 0, 0.1, { seed: 3 }),
  cnn.randomNormal([256, 120], 0, 0.05, { seed: 4 }),
  cnn.randomNormal([120, 84], 0, 0.05, { seed: 5 }),
  cnn.randomNormal([84, 10], 0, 0.05, { seed: 6 }),
];
const pool = process.argv[3] === 'avg' ? cnn.avgPool2d : cnn.maxPool2d;
const loss = (c1, c2, d1, d2, d3) => {
  let h = pool(cnn.relu(cnn.conv2d(x, c1)), { kernel: 2 });
  h = pool(cnn.relu(cnn.conv2d(h, c2)), { kernel: 2 });
  h = cnn.relu(cnn.matMul(cnn.reshape(h, [batch, 256]), d1));
  h = cnn.relu(cnn.matMul(h, d2));
  return cnn.softmaxCrossEntropy(cnn.matMul(h, d3), labels);
};
const step = () =>
  cnn.tidy(() => {
    const { value, grads } = cnn.valueAndGrads(loss, params);
    value.dataSync();
    const next = params.map((p, i) => cnn.keep(cnn.sub(p, cnn.mul(grads[i], 0.05))));
    params.forEach((p) => p.dispose());
    params = next;
  });
for (let i = 0; i < 3; i++) step();
const t0 = performance.now();
for (let i = 0; i < 10; i++) step();
const ms = (performance.now() - t0) / 10;
console.log(`${engine}: ${ms.toFixed(1)} ms/step, ${((batch / ms) * 1000).toFixed(0)} samples/s`);
const info = await tf.profile(step);
const perKernel = {};
for (const k of info.kernels) perKernel[k.name] = (perKernel[k.name] ?? 0) + (await k.kernelTimeMs);
console.log(
  Object.entries(perKernel)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', '),
);
