import * as cnn from '@cnn/core';
import { cpu } from '@cnn/backend-cpu';
import { buildModel } from './dist/models.js';
const modelName = process.argv[2] ?? 'vgg-bn';
const batch = Number(process.argv[3] ?? 32);
const steps = Number(process.argv[4] ?? 60);
const inner = cpu({});
await inner.whenThreadsReady();
const times = new Map();
let profiling = false;
const backend = new Proxy(inner, {
  get(t, k) {
    const v = Reflect.get(t, k);
    if (typeof v !== 'function' || ['upload', 'dispose', 'numBuffers', 'whenThreadsReady'].includes(k)) return typeof v === 'function' ? v.bind(t) : v;
    return (...args) => {
      if (!profiling) return v.apply(t, args);
      const s = performance.now();
      const r = v.apply(t, args);
      const dt = performance.now() - s;
      const shape = args.filter((a) => a && a.shape).map((a) => a.shape.join('x')).join(',');
      const extra = typeof args[2] === 'string' ? args[2] : typeof args[1] === 'string' ? args[1] : '';
      const key = `${String(k)} ${extra} ${shape}`;
      const e = times.get(key) ?? { ms: 0, n: 0 };
      e.ms += dt; e.n++;
      times.set(key, e);
      return r;
    };
  },
});
cnn.setBackend(backend);
const model = buildModel(modelName, { inputShape: [28, 28, 1], classes: 10, seed: 1, width: 1 });
model.compile({ optimizer: new cnn.Adam({ learningRate: 0.002 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
const n = batch * steps;
const x = cnn.randomUniform([n, 28, 28, 1], 0, 1, 1);
const y = cnn.tensor(Float32Array.from({ length: n }, (_, i) => i % 10), [n]);
await model.fit(cnn.slice(x, [0, 0, 0, 0], [batch * 5, -1, -1, -1]), cnn.slice(y, [0], [batch * 5]), { epochs: 1, batchSize: batch });
profiling = true;
const t0 = performance.now();
await model.fit(x, y, { epochs: 1, batchSize: batch });
const total = performance.now() - t0;
profiling = false;
let kernels = 0;
const rows = [...times.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [, e] of rows) kernels += e.ms;
console.log(`${modelName} batch ${batch}: ${(n / total * 1000).toFixed(0)} images/s; total ${total.toFixed(0)} ms, kernels ${kernels.toFixed(0)} ms (${(100 * kernels / total).toFixed(0)}%)`);
for (const [k, e] of rows.slice(0, 40)) console.log(`${(100 * e.ms / total).toFixed(1).padStart(5)}% ${(e.ms / steps).toFixed(2).padStart(7)} ms/step x${(e.n / steps).toFixed(1)} ${k}`);
process.exit(0);
