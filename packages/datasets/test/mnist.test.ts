import { describe, expect, it } from 'vitest';
import { loadMnist, take } from '../src/index.js';

describe('MNIST from the mnist package', () => {
  const split = loadMnist({ seed: 0 });

  it('splits all 10,000 digits into 8,000 train and 2,000 test, every digit present', () => {
    expect(split.train.count).toBe(8000);
    expect(split.test.count).toBe(2000);
    expect(split.train.images.length).toBe(8000 * 784);
    for (const set of [split.train, split.test]) {
      const counts = new Array(10).fill(0);
      set.labels.forEach((d) => counts[d]++);
      // ~10% each; the package holds 863 to 1,127 per digit.
      for (const c of counts) expect(c).toBeGreaterThan(set.count * 0.07);
    }
  });

  it('pixels are in [0, 1] and images are not blank', () => {
    let max = 0;
    let min = 1;
    for (const v of split.test.images) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
  });

  it('the same seed gives the same split; another seed a different one', () => {
    const again = loadMnist({ seed: 0 });
    expect(Array.from(again.test.labels.slice(0, 50))).toEqual(Array.from(split.test.labels.slice(0, 50)));
    const other = loadMnist({ seed: 1 });
    expect(Array.from(other.test.labels.slice(0, 50))).not.toEqual(
      Array.from(split.test.labels.slice(0, 50)),
    );
    expect(take(split.train, 100).count).toBe(100);
  });
});
