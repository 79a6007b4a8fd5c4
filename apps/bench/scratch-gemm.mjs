import { cpu } from '@cnn/backend-cpu';
const threads = Number(process.argv[2] ?? 1);
const s = Number(process.argv[3] ?? 1024);
const b = cpu({ threads });
await b.whenThreadsReady();
const A = new Float32Array(s * s).map(() => Math.random() - 0.5);
const B = new Float32Array(s * s).map(() => Math.random() - 0.5);
const a = b.upload(A, [s, s]), bb = b.upload(B, [s, s]);
const flops = 2 * s * s * s;
for (let r = 0; r < 8; r++) {
  const t = performance.now();
  const c = b.matMul({ data: a, shape: [s, s] }, { data: bb, shape: [s, s] }, false, false, [s, s]);
  const dt = performance.now() - t;
  b.dispose(c);
  console.log(`threads ${threads} ${s}^3: ${(flops / dt / 1e6).toFixed(1)} GFLOP/s (${dt.toFixed(1)} ms)`);
}
process.exit(0);
