// Conv2D filter gradient: tfjs's own Conv2DBackpropFilter kernel vs our im2col composition (dist/), per engine.
// Usage: node scripts/bench-backprop-filter.mjs [cpu|wasm ...]   (after `pnpm build`)
import * as tf from '@tensorflow/tfjs-core';
import { tfjs } from '../dist/index.js';

const shapes = [
  { name: 'lenet conv1', x: [64, 28, 28, 1], k: [5, 5, 1, 6] },
  { name: 'lenet conv2', x: [64, 12, 12, 6], k: [5, 5, 6, 16] },
  { name: '3x3 32->32 on 16x16', x: [16, 16, 16, 32], k: [3, 3, 32, 32] },
];
const engines = process.argv.slice(2).length ? process.argv.slice(2) : ['cpu', 'wasm'];
const attrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };

function median(fn, reps) {
  fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(reps / 2)];
}

for (const engine of engines) {
  const backend = await tfjs(engine);
  for (const s of shapes) {
    const [n, h, w] = s.x;
    const [kh, kw, c, o] = s.k;
    const dyShape = [n, h - kh + 1, w - kw + 1, o];
    const x = tf.randomNormal(s.x);
    const dy = tf.randomNormal(dyShape);
    const flops = 2 * dyShape[0] * dyShape[1] * dyShape[2] * kh * kw * c * o;
    const composed = median(() => {
      backend.dispose(
        backend.conv2dBackpropFilter({ shape: s.x, data: x }, { shape: dyShape, data: dy }, attrs, s.k),
      );
    }, 5);
    let native = Number.NaN;
    if (tf.getKernel('Conv2DBackpropFilter', engine)) {
      native = median(() => {
        tf.tidy(() =>
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x, dy },
              {
                strides: [1, 1],
                pad: 'valid',
                dataFormat: 'NHWC',
                filterShape: s.k,
              },
            )
            .dataSync(),
        );
      }, 3);
    }
    const gf = (ms) =>
      Number.isNaN(ms) ? 'n/a' : `${ms.toFixed(1)} ms (${(flops / ms / 1e6).toFixed(2)} GFLOP/s)`;
    console.log(
      `${engine.padEnd(5)} ${s.name.padEnd(22)} composed ${gf(composed)}   tfjs kernel ${gf(native)}`,
    );
    tf.dispose([x, dy]);
  }
}
