import { cpu } from '@cnn/backend-cpu';
const b = cpu({});
await b.whenThreadsReady();
const cases = {
  '1x1': { x: [1, 28, 28, 256], f: [1, 1, 256, 64], y: [1, 28, 28, 64], pad: 0 },
  lenet1: { x: [64, 28, 28, 1], f: [5, 5, 1, 6], y: [64, 24, 24, 6], pad: 0 },
};
const rnd = (n) => new Float32Array(n).map(() => Math.random() - 0.5);
const size = (s) => s.reduce((a, b) => a * b, 1);
for (const [name, c] of Object.entries(cases)) {
  const dy = { data: b.upload(rnd(size(c.y)), c.y), shape: c.y };
  const f = { data: b.upload(rnd(size(c.f)), c.f), shape: c.f };
  const x = { data: b.upload(rnd(size(c.x)), c.x), shape: c.x };
  const attrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 };
  const flops = 2 * size(c.y) * c.f[0] * c.f[1] * c.f[2];
  for (const [label, fn] of [
    ['fwd', () => b.conv2d(x, f, attrs, c.y)],
    ['dx', () => b.conv2dBackpropInput(dy, f, attrs, c.x)],
    ['dW', () => b.conv2dBackpropFilter(x, dy, attrs, c.f)],
  ]) {
    for (const withRead of [false, true]) {
      let best = Infinity;
      for (let r = 0; r < 200; r++) {
        const t = performance.now();
        const out = fn();
        if (withRead) b.readSync(out);
        best = Math.min(best, performance.now() - t);
        b.dispose(out);
      }
      console.log(`${name} ${label} read=${withRead}: ${(best * 1000).toFixed(0)} µs, ${(flops / best / 1e6).toFixed(1)} GFLOP/s`);
    }
  }
}
process.exit(0);
