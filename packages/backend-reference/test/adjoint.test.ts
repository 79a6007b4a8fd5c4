/**
 * The backprop kernels are the adjoints of their forward kernels: for a linear map F (conv2d in x, conv2d
 * in w, avgPool, and maxPool with its argmaxes fixed), <dy, F(x)> = <F^T(dy), x>, compared in float64 on
 * seeded random inputs. For maxPool, also a central finite difference on exactly representable inputs.
 */

import type { AvgPool2DAttrs, Conv2DAttrs, Pool2DAttrs } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { reference } from '../src/index.js';
import { dot, expectRelClose, random, rng, t } from './helpers.js';

const b = reference();

/** The conv output size per spatial dim (floor). */
function convOut(input: number, before: number, after: number, k: number, stride: number, dilation: number) {
  return Math.floor((input + before + after - (dilation * (k - 1) + 1)) / stride) + 1;
}

/** The pool output size per spatial dim; ceil mode drops a last window that would start in the end padding. */
function poolOut(
  input: number,
  before: number,
  after: number,
  k: number,
  s: number,
  d: number,
  ceil: boolean,
) {
  const span = input + before + after - (d * (k - 1) + 1);
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= input + before) out--;
  return out;
}

interface ConvCase {
  name: string;
  n: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  k: [number, number];
  attrs: Conv2DAttrs;
}

const convCases: ConvCase[] = [
  {
    name: '3x3, pads 1',
    n: 2,
    h: 5,
    w: 6,
    inC: 3,
    outC: 4,
    k: [3, 3],
    attrs: { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 },
  },
  {
    name: 'stride 2, asymmetric pads, rows the conv never reads',
    n: 1,
    h: 8,
    w: 7,
    inC: 2,
    outC: 3,
    k: [3, 2],
    attrs: { strides: [2, 3], pads: [0, 1, 2, 0], dilations: [1, 1], groups: 1 },
  },
  {
    name: 'dilation 2, stride 2, groups 2',
    n: 2,
    h: 9,
    w: 8,
    inC: 4,
    outC: 6,
    k: [3, 3],
    attrs: { strides: [2, 1], pads: [2, 1, 1, 2], dilations: [2, 2], groups: 2 },
  },
  {
    name: 'depthwise (groups = channels), 5x5, pads 2',
    n: 1,
    h: 6,
    w: 6,
    inC: 3,
    outC: 3,
    k: [5, 5],
    attrs: { strides: [1, 1], pads: [2, 2, 2, 2], dilations: [1, 1], groups: 3 },
  },
];

describe('conv2d adjoints', () => {
  convCases.forEach((c, index) => {
    it(c.name, () => {
      const next = rng(1234 + index);
      const { pads, strides, dilations, groups } = c.attrs;
      const oh = convOut(c.h, pads[0], pads[2], c.k[0], strides[0], dilations[0]);
      const ow = convOut(c.w, pads[1], pads[3], c.k[1], strides[1], dilations[1]);
      const xShape = [c.n, c.h, c.w, c.inC];
      const wShape = [c.k[0], c.k[1], c.inC / groups, c.outC];
      const yShape = [c.n, oh, ow, c.outC];
      const x = random(xShape, next);
      const w = random(wShape, next);
      const dy = random(yShape, next);

      const y = b.conv2d(x, w, c.attrs, yShape);
      const dx = b.conv2dBackpropInput(dy, w, c.attrs, xShape);
      const dw = b.conv2dBackpropFilter(x, dy, c.attrs, wShape);

      const forward = dot(dy.data, y);
      expectRelClose(forward, dot(dx, x.data), 1e-5);
      expectRelClose(forward, dot(dw, w.data), 1e-5);
    });
  });
});

interface PoolCase {
  name: string;
  h: number;
  w: number;
  attrs: Pool2DAttrs;
  ceil: boolean;
}

const poolCases: PoolCase[] = [
  {
    name: '3x3 stride 2 pads 1, ceil mode',
    h: 7,
    w: 8,
    attrs: { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1] },
    ceil: true,
  },
  {
    name: '2x3 stride [1,2], asymmetric pads, dilation 2',
    h: 6,
    w: 9,
    attrs: { kernel: [2, 3], strides: [1, 2], pads: [1, 0, 0, 2], dilations: [2, 2] },
    ceil: false,
  },
  {
    name: 'kernel 3 stride 3 on 8x8, ceil mode without padding (partial last windows)',
    h: 8,
    w: 8,
    attrs: { kernel: [3, 3], strides: [3, 3], pads: [0, 0, 0, 0], dilations: [1, 1] },
    ceil: true,
  },
];

function poolShapes(c: PoolCase) {
  const { kernel, strides, pads, dilations } = c.attrs;
  const oh = poolOut(c.h, pads[0], pads[2], kernel[0], strides[0], dilations[0], c.ceil);
  const ow = poolOut(c.w, pads[1], pads[3], kernel[1], strides[1], dilations[1], c.ceil);
  return { xShape: [2, c.h, c.w, 3], yShape: [2, oh, ow, 3] };
}

describe('avgPool adjoint', () => {
  poolCases.forEach((c, index) => {
    for (const countIncludePad of [false, true]) {
      it(`${c.name}, countIncludePad ${countIncludePad}`, () => {
        const next = rng(99 + index);
        const { xShape, yShape } = poolShapes(c);
        const attrs: AvgPool2DAttrs = { ...c.attrs, countIncludePad };
        const x = random(xShape, next);
        const dy = random(yShape, next);
        const y = b.avgPool(x, attrs, yShape);
        const dx = b.avgPoolBackprop(dy, attrs, xShape);
        expectRelClose(dot(dy.data, y), dot(dx, x.data), 1e-5);
      });
    }
  });
});

describe('maxPool adjoint', () => {
  poolCases.forEach((c, index) => {
    it(`${c.name}: <dy, maxPool(x)> = <maxPoolBackprop(dy, x), x>`, () => {
      const next = rng(7 + index);
      const { xShape, yShape } = poolShapes(c);
      const x = random(xShape, next);
      const dy = random(yShape, next);
      const y = b.maxPool(x, c.attrs, yShape);
      const dx = b.maxPoolBackprop(dy, x, c.attrs, xShape);
      expectRelClose(dot(dy.data, y), dot(dx, x.data), 1e-5);
    });

    it(`${c.name}: central finite difference of <dy, maxPool(x)>`, () => {
      const next = rng(70 + index);
      const { xShape, yShape } = poolShapes(c);
      const size = xShape.reduce((p, q) => p * q, 1);
      // Distinct values k/64 (a shuffled range), directions v in {-4..4}, eps = 2^-12: x ± eps·v is exact in
      // float32 and never changes a window's argmax (values are 1/64 apart, moves at most 2^-10).
      const ks = Array.from({ length: size }, (_, i) => i - size / 2);
      for (let i = size - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [ks[i], ks[j]] = [ks[j]!, ks[i]!];
      }
      const x = t(
        xShape,
        ks.map((k) => k / 64),
      );
      const v = Array.from({ length: size }, () => Math.floor(next() * 9) - 4);
      const eps = 2 ** -12;
      const dy = random(yShape, next);
      const loss = (values: number[]) => dot(dy.data, b.maxPool(t(xShape, values), c.attrs, yShape));
      const plus = loss(Array.from(x.data, (xi, i) => xi + eps * v[i]!));
      const minus = loss(Array.from(x.data, (xi, i) => xi - eps * v[i]!));
      const dx = b.maxPoolBackprop(dy, x, c.attrs, xShape);
      const directional = dot(dx, v);
      expect(directional).not.toBe(0);
      expectRelClose((plus - minus) / (2 * eps), directional, 1e-5);
    });
  });
});
