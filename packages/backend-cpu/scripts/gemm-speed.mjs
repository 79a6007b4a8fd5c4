// Rough speed check of the CPU backend's GEMM and convolutions (not a test). Run `pnpm build` first, then
// `node scripts/gemm-speed.mjs`. Prints GFLOP/s, counting a multiply-add as 2 flops.
import { cpu } from '../dist/index.js';

const be = cpu();

function random(shape, seed) {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  return { data, shape };
}

/** Best-of time in ms of `fn`, after warm-up, over about `budgetMs`. */
function time(fn, budgetMs = 1500) {
  for (let i = 0; i < 3; i++) fn();
  let best = Infinity;
  const start = performance.now();
  let runs = 0;
  while (runs < 3 || performance.now() - start < budgetMs) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
    runs++;
  }
  return best;
}

function report(label, flops, ms) {
  console.log(
    `${label.padEnd(58)} ${(flops / ms / 1e6).toFixed(2).padStart(6)} GFLOP/s  ${ms.toFixed(2).padStart(8)} ms`,
  );
}

{
  const n = 512;
  const a = random([n, n], 1);
  const b = random([n, n], 2);
  report(
    'matMul 512x512x512',
    2 * n * n * n,
    time(() => be.matMul(a, b, false, false, [n, n])),
  );
  report(
    'matMul 512x512x512, both transposed',
    2 * n * n * n,
    time(() => be.matMul(a, b, true, true, [n, n])),
  );
}

function conv(label, xShape, wShape, pad) {
  const [batch, h, w] = xShape;
  const [kh, kw, inC, outC] = wShape;
  const outH = h + 2 * pad - kh + 1;
  const outW = w + 2 * pad - kw + 1;
  const yShape = [batch, outH, outW, outC];
  const attrs = { strides: [1, 1], pads: [pad, pad, pad, pad], dilations: [1, 1], groups: 1 };
  const flops = 2 * batch * outH * outW * outC * kh * kw * inC;
  const x = random(xShape, 3);
  const f = random(wShape, 4);
  const dy = random(yShape, 5);
  const fwd = time(() => be.conv2d(x, f, attrs, yShape));
  const bIn = time(() => be.conv2dBackpropInput(dy, f, attrs, xShape));
  const bF = time(() => be.conv2dBackpropFilter(x, dy, attrs, wShape));
  report(`conv2d ${label} forward`, flops, fwd);
  report(`conv2d ${label} backpropInput`, flops, bIn);
  report(`conv2d ${label} backpropFilter`, flops, bF);
  console.log(`${''.padEnd(58)} backpropFilter / forward time: ${(bF / fwd).toFixed(2)}x`);
}

conv('[64,12,12,6]x[5,5,6,16] valid', [64, 12, 12, 6], [5, 5, 6, 16], 0);
conv('[1,56,56,64]x[3,3,64,64] pad 1', [1, 56, 56, 64], [3, 3, 64, 64], 1);
