import { describe, expect, it } from 'vitest';
import { argmaxRows, confusionMatrix } from '../src/logic/confusion.js';
import { decodeDigits } from '../src/logic/digits.js';
import { inkBounds, MNIST_SIDE, toMnistImage } from '../src/logic/drawing.js';
import { SpeedMeter } from '../src/logic/speed.js';

describe('confusion matrix', () => {
  it('counts true x predicted and the accuracy', () => {
    const { counts, accuracy } = confusionMatrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], 3);
    expect(counts).toEqual([
      [1, 0, 1],
      [0, 1, 0],
      [0, 1, 2],
    ]);
    expect(accuracy).toBeCloseTo(4 / 6, 12);
  });
  it('refuses a label outside the classes', () => {
    expect(() => confusionMatrix([0], [10], 10)).toThrow(/sample 0 has label 10/);
  });
  it('argmax takes the first maximum', () => {
    expect(argmaxRows([1, 3, 3, 0, -1, -2], 3)).toEqual([1, 0]);
  });
});

describe('a drawn digit made MNIST-like', () => {
  const size = 100;
  const canvas = (fill: (r: number, c: number) => number) =>
    Float32Array.from({ length: size * size }, (_, i) => fill(Math.floor(i / size), i % size));

  it('fits a tall bar drawn in a corner into 20 rows, centred by mass', () => {
    const bar = canvas((r, c) => (r >= 5 && r < 45 && c >= 2 && c < 12 ? 1 : 0));
    const out = toMnistImage(bar, size);
    const b = inkBounds(out, MNIST_SIDE)!;
    expect(b.bottom - b.top + 1).toBe(20);
    expect(b.right - b.left + 1).toBe(5);
    // An odd extent cannot sit exactly on the centre 13.5: half a pixel off at most.
    expect(Math.abs((b.top + b.bottom) / 2 - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs((b.left + b.right) / 2 - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...out)).toBe(1);
  });
  it('gives zeros for an empty canvas and refuses a wrong size', () => {
    expect(toMnistImage(new Float32Array(size * size), size).every((v) => v === 0)).toBe(true);
    expect(() => toMnistImage(new Float32Array(10), size)).toThrow(/10 values, expected 100·100/);
  });
});

describe('digits and speed', () => {
  it('decodes bytes to [0, 1] and checks the sizes', () => {
    const images = new Uint8Array(784 * 2);
    images[0] = 255;
    images[784] = 51;
    const set = decodeDigits(images, Uint8Array.from([3, 9]), 2);
    expect(set.images[0]).toBe(1);
    expect(set.images[784]).toBeCloseTo(0.2, 7);
    expect(Array.from(set.labels)).toEqual([3, 9]);
    expect(() => decodeDigits(images, Uint8Array.from([3]), 2)).toThrow(
      /labels file holds 1 bytes, expected 2/,
    );
    expect(() => decodeDigits(images, Uint8Array.from([3, 12]), 2)).toThrow(/label 12 of sample 1/);
  });
  it('measures samples/s per backend, leaving out the warm-up step', () => {
    const meter = new SpeedMeter(2);
    meter.record('cpu', 32, 1000); // warm-up, ignored
    meter.record('cpu', 32, 100);
    meter.record('cpu', 32, 300);
    expect(meter.speed('cpu')!.samplesPerSecond).toBeCloseTo(160, 9);
    meter.record('cpu', 64, 100); // the window keeps the last 2 steps
    expect(meter.speed('cpu')!.samplesPerSecond).toBeCloseTo(240, 9);
    expect(meter.speed('gpujs')).toBeNull();
  });
});
