import type { AvgPool2DAttrs, Pool2DAttrs } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, mulberry32, randInt, randomTensor, sizeOf } from './helpers.js';

interface PoolCase {
  x: [number, number, number, number];
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  dilations: [number, number];
  ceil: boolean;
}

/** PyTorch's output size, including its ceil_mode rule (the last window must start inside input or left pad). */
function outSize(
  size: number,
  k: number,
  s: number,
  before: number,
  after: number,
  d: number,
  ceil: boolean,
) {
  const span = size + before + after - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + before) out--;
  return out;
}

function attrsOf(c: PoolCase): Pool2DAttrs & { out: number[] } {
  const [n, h, w, ch] = c.x;
  const oh = outSize(h, c.kernel[0], c.strides[0], c.pads[0], c.pads[2], c.dilations[0], c.ceil);
  const ow = outSize(w, c.kernel[1], c.strides[1], c.pads[1], c.pads[3], c.dilations[1], c.ceil);
  return { kernel: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations, out: [n, oh, ow, ch] };
}

/**
 * Calls `visit(outIndex, positions, paddedCount)` per output value: `positions` are the flat input indices of
 * the window's real input elements in scan order, `paddedCount` how many window taps fall inside
 * [-top, H+bottom) x [-left, W+right).
 */
function forEachWindow(c: PoolCase, visit: (o: number, positions: number[], paddedCount: number) => void) {
  const a = attrsOf(c);
  const [n, h, w, ch] = c.x;
  const [, oh, ow] = a.out;
  const [top, left, bottom, right] = c.pads;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < ch; k++) {
          const positions: number[] = [];
          let padded = 0;
          for (let p = 0; p < c.kernel[0]; p++)
            for (let q = 0; q < c.kernel[1]; q++) {
              const y = i * c.strides[0] - top + p * c.dilations[0];
              const x = j * c.strides[1] - left + q * c.dilations[1];
              if (y >= -top && y < h + bottom && x >= -left && x < w + right) padded++;
              if (y >= 0 && y < h && x >= 0 && x < w) positions.push(((b * h + y) * w + x) * ch + k);
            }
          visit(((b * oh + i) * ow + j) * ch + k, positions, padded);
        }
}

const cases: PoolCase[] = [
  { x: [1, 4, 4, 1], kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceil: false },
  { x: [2, 7, 6, 3], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceil: false },
  { x: [2, 7, 6, 3], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceil: true },
  { x: [1, 8, 9, 2], kernel: [3, 2], strides: [3, 2], pads: [0, 1, 1, 0], dilations: [1, 1], ceil: true },
  { x: [2, 10, 9, 4], kernel: [3, 3], strides: [2, 1], pads: [1, 0, 2, 1], dilations: [2, 2], ceil: false },
  { x: [1, 9, 11, 2], kernel: [2, 3], strides: [2, 3], pads: [1, 1, 0, 1], dilations: [3, 2], ceil: true },
  { x: [3, 5, 5, 5], kernel: [5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], ceil: false },
  { x: [1, 6, 6, 3], kernel: [4, 4], strides: [3, 3], pads: [2, 2, 2, 2], dilations: [1, 1], ceil: true },
];

function randomCases(): PoolCase[] {
  const rng = mulberry32(31337);
  const out: PoolCase[] = [];
  for (let t = 0; t < 30; t++) {
    const kernel: [number, number] = [randInt(rng, 1, 4), randInt(rng, 1, 4)];
    const pads: [number, number, number, number] = [
      randInt(rng, 0, Math.floor(kernel[0] / 2)),
      randInt(rng, 0, Math.floor(kernel[1] / 2)),
      randInt(rng, 0, Math.floor(kernel[0] / 2)),
      randInt(rng, 0, Math.floor(kernel[1] / 2)),
    ];
    const dilations: [number, number] = [randInt(rng, 1, 2), randInt(rng, 1, 2)];
    out.push({
      x: [
        randInt(rng, 1, 2),
        dilations[0] * (kernel[0] - 1) + randInt(rng, 1, 6),
        dilations[1] * (kernel[1] - 1) + randInt(rng, 1, 6),
        randInt(rng, 1, 4),
      ],
      kernel,
      strides: [randInt(rng, 1, 3), randInt(rng, 1, 3)],
      pads,
      dilations,
      ceil: rng() < 0.5,
    });
  }
  return out;
}

function check(c: PoolCase, seed: number) {
  const rng = mulberry32(seed);
  const x = randomTensor(rng, c.x);
  // Quantized values make ties common, to exercise "first max wins".
  for (let i = 0; i < x.data.length; i += 3) x.data[i] = Math.round(x.data[i] * 2) / 2;
  const attrs = attrsOf(c);
  const dy = randomTensor(rng, attrs.out);
  const be = cpu();
  const label = JSON.stringify(c);

  const maxRef = new Float64Array(sizeOf(attrs.out));
  const maxGradRef = new Float64Array(x.data.length);
  forEachWindow(c, (o, positions) => {
    let best = -Infinity;
    let arg = -1;
    for (const p of positions) {
      if (arg < 0 || x.data[p] > best) {
        best = x.data[p];
        arg = p;
      }
    }
    maxRef[o] = best;
    maxGradRef[arg] += dy.data[o];
  });
  expectClose(be.maxPool(x, attrs, attrs.out), maxRef, `${label} maxPool`);
  expectClose(be.maxPoolBackprop(dy, x, attrs, x.shape), maxGradRef, `${label} maxPoolBackprop`);

  for (const countIncludePad of [false, true]) {
    const avgAttrs: AvgPool2DAttrs = { ...attrs, countIncludePad };
    const avgRef = new Float64Array(sizeOf(attrs.out));
    const avgGradRef = new Float64Array(x.data.length);
    forEachWindow(c, (o, positions, padded) => {
      const divisor = countIncludePad ? padded : positions.length;
      let s = 0;
      for (const p of positions) s += x.data[p];
      avgRef[o] = s / divisor;
      for (const p of positions) avgGradRef[p] += dy.data[o] / divisor;
    });
    expectClose(be.avgPool(x, avgAttrs, attrs.out), avgRef, `${label} avgPool include=${countIncludePad}`);
    expectClose(be.avgPoolBackprop(dy, avgAttrs, x.shape), avgGradRef, `${label} avgPoolBackprop`);
  }
}

describe('pooling vs direct windows', () => {
  cases.forEach((c, i) => {
    it(`case ${i}: x ${c.x} k ${c.kernel} s ${c.strides} p ${c.pads} d ${c.dilations} ceil ${c.ceil}`, () =>
      check(c, 10 + i));
  });
  it('random shapes', () => {
    randomCases().forEach((c, i) => {
      check(c, 900 + i);
    });
  });

  it('count_include_pad ignores the ceil_mode overhang (PyTorch rule)', () => {
    // 1 x 3 x 3 x 1, k 2, s 2, pad 0, ceil: out 2x2; the last windows hang past the input with no explicit pad.
    const x = { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), shape: [1, 3, 3, 1] };
    const attrs: AvgPool2DAttrs = {
      kernel: [2, 2],
      strides: [2, 2],
      pads: [0, 0, 0, 0],
      dilations: [1, 1],
      countIncludePad: true,
    };
    expect(Array.from(cpu().avgPool(x, attrs, [1, 2, 2, 1]))).toEqual([3, 4.5, 7.5, 9]);
    // With an explicit pad of 1 on the leading side, the padded position counts.
    const padded: AvgPool2DAttrs = { ...attrs, pads: [1, 1, 0, 0] };
    // windows: rows {-1,0} / {1,2}, cols alike; divisors 4, 4, 4, 4.
    expect(Array.from(cpu().avgPool(x, padded, [1, 2, 2, 1]))).toEqual([
      1 / 4,
      (2 + 3) / 4,
      (4 + 7) / 4,
      (5 + 6 + 8 + 9) / 4,
    ]);
  });

  it('max ignores padding even when every real value is negative', () => {
    const x = { data: Float32Array.from([-5, -3, -4, -6]), shape: [1, 2, 2, 1] };
    const attrs: Pool2DAttrs = {
      kernel: [3, 3],
      strides: [1, 1],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
    };
    expect(Array.from(cpu().maxPool(x, attrs, [1, 2, 2, 1]))).toEqual([-3, -3, -3, -3]);
  });
});
