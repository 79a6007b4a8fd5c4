import type { Conv2DAttrs } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { expectClose, mulberry32, randomTensor, sizeOf } from './helpers.js';

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  /** [kh, kw, outC]; the filter's input channels are inC / groups. */
  k: [number, number, number];
  strides?: [number, number];
  pads?: [number, number, number, number];
  dilations?: [number, number];
  groups?: number;
}

function attrsOf(c: ConvCase): Conv2DAttrs {
  return {
    strides: c.strides ?? [1, 1],
    pads: c.pads ?? [0, 0, 0, 0],
    dilations: c.dilations ?? [1, 1],
    groups: c.groups ?? 1,
  };
}

function shapesOf(c: ConvCase) {
  const a = attrsOf(c);
  const [n, h, w, inC] = c.x;
  const [kh, kw, outC] = c.k;
  const outH = Math.floor((h + a.pads[0] + a.pads[2] - a.dilations[0] * (kh - 1) - 1) / a.strides[0]) + 1;
  const outW = Math.floor((w + a.pads[1] + a.pads[3] - a.dilations[1] * (kw - 1) - 1) / a.strides[1]) + 1;
  return { attrs: a, xShape: c.x, wShape: [kh, kw, inC / a.groups, outC], yShape: [n, outH, outW, outC] };
}

/**
 * Direct convolution in float64, written as the definition: for every output value and every filter tap,
 * add x * w. `visit` receives (x index, w index, y index) of each product term, so the same loop nest also gives
 * the two reference gradients.
 */
function forEachTerm(c: ConvCase, visit: (xi: number, wi: number, yi: number) => void): void {
  const { attrs, xShape, wShape, yShape } = shapesOf(c);
  const [n, h, w, inC] = xShape;
  const [kh, kw, cg, outC] = wShape;
  const [, outH, outW] = yShape;
  const ocg = outC / attrs.groups;
  for (let b = 0; b < n; b++)
    for (let oh = 0; oh < outH; oh++)
      for (let ow = 0; ow < outW; ow++)
        for (let oc = 0; oc < outC; oc++) {
          const g = Math.floor(oc / ocg);
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++)
              for (let ci = 0; ci < cg; ci++) {
                const ih = oh * attrs.strides[0] - attrs.pads[0] + i * attrs.dilations[0];
                const iw = ow * attrs.strides[1] - attrs.pads[1] + j * attrs.dilations[1];
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                const xi = ((b * h + ih) * w + iw) * inC + g * cg + ci;
                const wi = ((i * kw + j) * cg + ci) * outC + oc;
                const yi = ((b * outH + oh) * outW + ow) * outC + oc;
                visit(xi, wi, yi);
              }
        }
}

const cases: ConvCase[] = [
  { name: 'basic 3x3 valid', x: [1, 5, 5, 2], k: [3, 3, 3] },
  { name: 'batch 2, pad 1', x: [2, 6, 7, 3], k: [3, 3, 4], pads: [1, 1, 1, 1] },
  { name: 'non-square kernel, stride 2', x: [2, 9, 8, 3], k: [3, 2, 5], strides: [2, 1] },
  { name: 'asymmetric pads', x: [1, 7, 6, 2], k: [3, 3, 3], pads: [2, 0, 1, 3] },
  { name: 'dilation 2', x: [2, 9, 9, 2], k: [3, 3, 2], dilations: [2, 2], pads: [1, 2, 2, 1] },
  { name: 'dilation + stride', x: [1, 11, 10, 3], k: [2, 3, 4], dilations: [2, 3], strides: [2, 3] },
  { name: 'groups 2', x: [2, 6, 6, 4], k: [3, 3, 6], groups: 2, pads: [1, 1, 1, 1] },
  { name: 'depthwise', x: [2, 7, 7, 5], k: [3, 3, 5], groups: 5, pads: [1, 1, 1, 1] },
  {
    name: 'depthwise multiplier 2',
    x: [1, 8, 6, 3],
    k: [3, 3, 6],
    groups: 3,
    strides: [2, 2],
    pads: [0, 1, 1, 0],
  },
  { name: '1x1 fast path', x: [2, 5, 4, 7], k: [1, 1, 9] },
  { name: '1x1 grouped', x: [2, 4, 4, 6], k: [1, 1, 4], groups: 2 },
  { name: '1x1 stride 2', x: [1, 7, 7, 3], k: [1, 1, 5], strides: [2, 2] },
  { name: '1x1 padded', x: [1, 3, 4, 2], k: [1, 1, 3], pads: [1, 0, 0, 1] },
  { name: 'kernel as large as the input', x: [3, 5, 4, 2], k: [5, 4, 3] },
  { name: 'wide channels', x: [1, 6, 6, 19], k: [3, 3, 21], pads: [1, 1, 1, 1] },
  { name: 'LeNet-like', x: [4, 12, 12, 6], k: [5, 5, 16] },
];

function runCase(c: ConvCase, seed: number) {
  const rng = mulberry32(seed);
  const { attrs, xShape, wShape, yShape } = shapesOf(c);
  const x = randomTensor(rng, xShape);
  const w = randomTensor(rng, wShape);
  const dy = randomTensor(rng, yShape);
  return { attrs, x, w, dy, yShape };
}

// Every case runs on both GEMM engines: the WebAssembly SIMD one and the TypeScript fallback.
describe.each(['wasm', 'js'] as const)('gemm engine %s', (engine) => {
  describe('conv2d vs direct convolution', () => {
    cases.forEach((c, ci) => {
      it(c.name, () => {
        const { attrs, x, w, dy, yShape } = runCase(c, 1000 + ci);
        const y = new Float64Array(sizeOf(yShape));
        const dx = new Float64Array(x.data.length);
        const dw = new Float64Array(w.data.length);
        forEachTerm(c, (xi, wi, yi) => {
          y[yi] += x.data[xi] * w.data[wi];
          dx[xi] += dy.data[yi] * w.data[wi];
          dw[wi] += dy.data[yi] * x.data[xi];
        });
        const be = cpu({ gemm: engine });
        const xIn = Float32Array.from(x.data);
        expectClose(be.conv2d(x, w, attrs, yShape), y, 'conv2d');
        expectClose(be.conv2dBackpropInput(dy, w, attrs, x.shape), dx, 'backpropInput');
        expectClose(be.conv2dBackpropFilter(x, dy, attrs, w.shape), dw, 'backpropFilter');
        expect(x.data).toEqual(xIn); // inputs untouched
      });
    });

    it('random shapes', () => {
      const rng = mulberry32(4242);
      const r = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
      for (let trial = 0; trial < 25; trial++) {
        const groups = [1, 1, 2, 3][r(0, 3)];
        const kh = r(1, 4);
        const kw = r(1, 4);
        const dil: [number, number] = [r(1, 2), r(1, 2)];
        const pads: [number, number, number, number] = [r(0, 2), r(0, 2), r(0, 2), r(0, 2)];
        const h = dil[0] * (kh - 1) + 1 + r(0, 5);
        const w = dil[1] * (kw - 1) + 1 + r(0, 5);
        const c: ConvCase = {
          name: `trial ${trial}`,
          x: [r(1, 3), h, w, groups * r(1, 3)],
          k: [kh, kw, groups * r(1, 3)],
          strides: [r(1, 3), r(1, 3)],
          pads,
          dilations: dil,
          groups,
        };
        const { attrs, x, w: wt, dy, yShape } = runCase(c, 5000 + trial);
        const y = new Float64Array(sizeOf(yShape));
        const dx = new Float64Array(x.data.length);
        const dw = new Float64Array(wt.data.length);
        forEachTerm(c, (xi, wi, yi) => {
          y[yi] += x.data[xi] * wt.data[wi];
          dx[xi] += dy.data[yi] * wt.data[wi];
          dw[wi] += dy.data[yi] * x.data[xi];
        });
        const be = cpu({ gemm: engine });
        expectClose(be.conv2d(x, wt, attrs, yShape), y, `${JSON.stringify(c)} conv2d`);
        expectClose(be.conv2dBackpropInput(dy, wt, attrs, x.shape), dx, `${JSON.stringify(c)} backpropInput`);
        expectClose(
          be.conv2dBackpropFilter(x, dy, attrs, wt.shape),
          dw,
          `${JSON.stringify(c)} backpropFilter`,
        );
      }
    });

    it('large batch: X_col is built in several chunks', () => {
      // 130*16*16 = 33280 rows of 3*3*8 = 72 columns: more than one 2^21-float X_col chunk.
      const c: ConvCase = { name: 'chunks', x: [130, 16, 16, 8], k: [3, 3, 4], pads: [1, 1, 1, 1] };
      const { attrs, x, w, dy, yShape } = runCase(c, 77);
      const y = new Float64Array(sizeOf(yShape));
      const dx = new Float64Array(x.data.length);
      const dw = new Float64Array(w.data.length);
      forEachTerm(c, (xi, wi, yi) => {
        y[yi] += x.data[xi] * w.data[wi];
        dx[xi] += dy.data[yi] * w.data[wi];
        dw[wi] += dy.data[yi] * x.data[xi];
      });
      const be = cpu({ gemm: engine });
      expectClose(be.conv2d(x, w, attrs, yShape), y, 'conv2d');
      expectClose(be.conv2dBackpropInput(dy, w, attrs, x.shape), dx, 'backpropInput');
      expectClose(be.conv2dBackpropFilter(x, dy, attrs, w.shape), dw, 'backpropFilter');
    });
  });

  describe('conv2d gradients by finite differences', () => {
    // L(x, w) = sum(conv2d(x, w) * dy) is linear in x and in w, so a central difference with a step of 1 is
    // exact up to float32 rounding of the forward pass.
    const fdCases = [cases[3], cases[4], cases[7], cases[8], cases[11]];
    fdCases.forEach((c, ci) => {
      it(c.name, () => {
        const { attrs, x, w, dy, yShape } = runCase(c, 300 + ci);
        const be = cpu({ gemm: engine });
        const loss = (xd: Float32Array, wd: Float32Array) => {
          const y = be.conv2d({ data: xd, shape: x.shape }, { data: wd, shape: w.shape }, attrs, yShape);
          let s = 0;
          for (let i = 0; i < y.length; i++) s += y[i] * dy.data[i];
          return s;
        };
        const numeric = (data: Float32Array, other: Float32Array, isX: boolean) => {
          const g = new Float64Array(data.length);
          for (let i = 0; i < data.length; i++) {
            const v = data[i];
            const probe = Float32Array.from(data);
            probe[i] = v + 1;
            const plus = isX ? loss(probe, other) : loss(other, probe);
            probe[i] = v - 1;
            const minus = isX ? loss(probe, other) : loss(other, probe);
            g[i] = (plus - minus) / 2;
          }
          return g;
        };
        expectClose(be.conv2dBackpropInput(dy, w, attrs, x.shape), numeric(x.data, w.data, true), 'dx');
        expectClose(be.conv2dBackpropFilter(x, dy, attrs, w.shape), numeric(w.data, x.data, false), 'dw');
      });
    });
  });
});
