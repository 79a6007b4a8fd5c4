import { describe, expect, it } from 'vitest';
import { type ImageSet, take } from '../src/index.js';

/** A small stand-in for an MNIST split: `count` images of 28x28x1, pixel value = sample index. */
function fakeSet(count: number): ImageSet {
  const images = new Float32Array(count * 784);
  for (let i = 0; i < count; i++) images.fill(i, i * 784, (i + 1) * 784);
  return {
    images,
    labels: Float32Array.from({ length: count }, (_, i) => i % 10),
    count,
    shape: [28, 28, 1],
  };
}

describe('take', () => {
  const set = fakeSet(12);

  it('takes the first count samples, images and labels together', () => {
    const five = take(set, 5);
    expect(five.count).toBe(5);
    expect(five.images.length).toBe(5 * 784);
    expect(five.images[4 * 784]).toBe(4);
    expect(Array.from(five.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(five.shape).toEqual([28, 28, 1]);
  });

  it('0 and the whole set are fine; the result is a copy', () => {
    expect(take(set, 0)).toMatchObject({ count: 0 });
    expect(take(set, 0).images.length).toBe(0);
    const all = take(set, 12);
    expect(all.count).toBe(12);
    all.images[0] = 99;
    expect(set.images[0]).toBe(0);
  });

  it('a negative, fractional or non-numeric count is refused', () => {
    expect(() => take(set, -5)).toThrow(
      'take: count must be an integer in [0, 12] (the set holds 12 samples), got -5',
    );
    expect(() => take(set, 2.5)).toThrow(
      'take: count must be an integer in [0, 12] (the set holds 12 samples), got 2.5',
    );
    expect(() => take(set, Number.NaN)).toThrow('take: count must be an integer in [0, 12]');
    expect(() => take(set, Number.POSITIVE_INFINITY)).toThrow('take: count must be an integer in [0, 12]');
    expect(() => take(set, '3' as unknown as number)).toThrow(
      'take: count must be an integer in [0, 12] (the set holds 12 samples), got "3"',
    );
    expect(() => take(set, undefined as unknown as number)).toThrow('got undefined');
  });

  it('more samples than the set holds is refused, not silently fewer', () => {
    expect(() => take(set, 13)).toThrow(
      'take: count must be an integer in [0, 12] (the set holds 12 samples), got 13',
    );
  });

  it('a set that is not an ImageSet is refused', () => {
    expect(() => take(undefined as unknown as ImageSet, 1)).toThrow('take: set must be an ImageSet');
    expect(() => take({} as ImageSet, 1)).toThrow('take: set must be an ImageSet');
  });

  it('errors are Errors, never TypeErrors', () => {
    const thrown = [-5, 2.5, 13, Number.NaN].map((bad) => {
      try {
        take(set, bad);
        return null;
      } catch (error) {
        return (error as Error).constructor;
      }
    });
    expect(thrown).toEqual([Error, Error, Error, Error]);
  });
});
