import { cpu } from '@cnn/backend-cpu';
const b = cpu({});
await b.whenThreadsReady();
const rnd = (n) => new Float32Array(n).map(() => Math.random() - 0.5);
const size = (s) => s.reduce((a, b) => a * b, 1);
for (const [label, pad, y] of [['valid', 0, [64, 24, 24, 6]], ['pad2', 2, [64, 28, 28, 6]]]) {
  const xs = [64, 28, 28, 1], fs = [5, 5, 1, 6];
  const x = { data: b.upload(rnd(size(xs)), xs), shape: xs };
  const f = { data: b.upload(rnd(size(fs)), fs), shape: fs };
  const attrs = { strides: [1, 1], pads: [pad, pad, pad, pad], dilations: [1, 1], groups: 1 };
  const flops = 2 * size(y) * 25;
  for (const t of [1, 2]) {
    const ts = [];
    for (let r = 0; r < 300; r++) {
      const s = performance.now();
      const out = b.conv2d(x, f, attrs, y);
      ts.push(performance.now() - s);
      b.dispose(out);
    }
    ts.sort((a, b) => a - b);
    console.log(`${label}: median ${(ts[150] * 1000).toFixed(0)} µs best ${(ts[0] * 1000).toFixed(0)} µs ${(flops / ts[150] / 1e6).toFixed(1)} GFLOP/s`);
  }
}
process.exit(0);
