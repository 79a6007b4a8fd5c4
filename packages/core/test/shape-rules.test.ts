import { describe, expect, it } from 'vitest';
import { broadcastShapes, outputSize, Random, resolvePads } from '../src/index.js';

describe('the output-size formula and padding rules', () => {
  it('(in + 2*pad - filter) / stride + 1, as in the seed', () => {
    // 7x7 input, 3x3 filter, stride 1 and 2, pad 0 and 1 (the classic worked examples).
    expect(outputSize('t', 'height', 7, 0, 0, 3, 1)).toBe(5);
    expect(outputSize('t', 'height', 7, 0, 0, 3, 2)).toBe(3);
    expect(outputSize('t', 'height', 7, 1, 1, 3, 1)).toBe(7);
    expect(outputSize('t', 'height', 32, 2, 2, 5, 1)).toBe(32);
  });
  it('ceil mode keeps a last partial window, unless it would start in the end padding', () => {
    expect(outputSize('t', 'h', 7, 0, 0, 2, 2, false)).toBe(3);
    expect(outputSize('t', 'h', 7, 0, 0, 2, 2, true)).toBe(4);
    // 2x2 input, 1x1 window, stride 2: ceil gives 2 windows, but the 2nd would start past the input.
    expect(outputSize('t', 'h', 2, 0, 0, 1, 2, true)).toBe(1);
  });
  it('SAME_UPPER puts the odd pad at the end, SAME_LOWER at the start', () => {
    expect(resolvePads('t', 'SAME_UPPER', [5, 5], [2, 2], [1, 1], [1, 1])).toEqual([0, 0, 1, 1]);
    expect(resolvePads('t', 'SAME_LOWER', [5, 5], [2, 2], [1, 1], [1, 1])).toEqual([1, 1, 0, 0]);
    // width 6, stride 2: 3 outputs need 1 pad in all, which goes to the end.
    expect(resolvePads('t', 'same', [5, 6], [3, 3], [2, 2], [1, 1])).toEqual([1, 0, 1, 1]);
    expect(resolvePads('t', 'valid', [5, 5], [3, 3], [1, 1], [1, 1])).toEqual([0, 0, 0, 0]);
    expect(resolvePads('t', [1, 2], [5, 5], [3, 3], [1, 1], [1, 1])).toEqual([1, 2, 1, 2]);
  });
  it('numpy broadcasting', () => {
    expect(broadcastShapes('t', [2, 1, 4, 1], [1, 3, 1, 5])).toEqual([2, 3, 4, 5]);
    expect(broadcastShapes('t', [4, 3], [])).toEqual([4, 3]);
    expect(() => broadcastShapes('t', [2, 3], [3, 2])).toThrow(
      't: shapes [2,3] and [3,2] cannot be broadcast',
    );
  });
});

describe('seeded random numbers', () => {
  it('same seed, same stream; normal draws have mean 0 and std 1', () => {
    const a = new Random(5);
    const b = new Random(5);
    const xs = Array.from({ length: 20000 }, () => a.normal());
    expect(Array.from({ length: 20000 }, () => b.normal())).toEqual(xs);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
  it('shuffle is a permutation', () => {
    const items = new Random(1).shuffle([...Array(100).keys()]);
    expect([...items].sort((x, y) => x - y)).toEqual([...Array(100).keys()]);
    expect(items).not.toEqual([...Array(100).keys()]);
  });
});
