import { describe, expect, it } from 'vitest';
import { type ImageSet, loadMnist, splitValidation, subset } from '../src/index.js';

/** `count` 2x2x1 images whose pixels all equal the sample's index: an image names its sample. */
function indexedSet(count: number): ImageSet {
  const images = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) images.fill(i, i * 4, (i + 1) * 4);
  return { images, labels: Float32Array.from({ length: count }, (_, i) => i % 10), count, shape: [2, 2, 1] };
}
const ids = (set: ImageSet) => Array.from({ length: set.count }, (_, i) => set.images[i * 4]!);

describe('splitValidation', () => {
  const set = indexedSet(100);

  it('carves a seeded validation set: disjoint from train, together every sample once, labels kept', () => {
    const { train, validation } = splitValidation(set, { validationSize: 20, seed: 3 });
    expect([train.count, validation.count]).toEqual([80, 20]);
    const all = [...ids(train), ...ids(validation)];
    expect(new Set(all).size).toBe(100);
    expect([...all].sort((a, b) => a - b)).toEqual(ids(set));
    for (const part of [train, validation]) {
      ids(part).forEach((id, i) => expect(part.labels[i]).toBe(id % 10));
    }
    // Not simply the last 20: the split is random.
    expect(ids(validation)).not.toEqual(ids(set).slice(80));
  });

  it('the same seed gives the same split, another seed another', () => {
    const a = splitValidation(set, { validationSize: 20, seed: 3 });
    const b = splitValidation(set, { validationSize: 20, seed: 3 });
    const c = splitValidation(set, { validationSize: 20, seed: 4 });
    expect(ids(b.validation)).toEqual(ids(a.validation));
    expect(ids(c.validation)).not.toEqual(ids(a.validation));
  });

  it('a validation size that leaves no training data, or is not an integer, is refused', () => {
    expect(() => splitValidation(set, { validationSize: 100 })).toThrow(
      'splitValidation: validationSize must be an integer in [0, 99] (the set holds 100 samples and training needs at least one), got 100',
    );
    expect(() => splitValidation(set, { validationSize: 1.5 })).toThrow('got 1.5');
    expect(splitValidation(set, { validationSize: 0 }).validation.count).toBe(0);
  });

  it('subset copies the samples at the indices, and refuses an index out of range', () => {
    expect(ids(subset(set, [5, 2, 99]))).toEqual([5, 2, 99]);
    expect(() => subset(set, [100])).toThrow('subset: index 100 is not in [0, 99]');
  });
});

describe('loadMnist: three disjoint splits', () => {
  it('train, validation (from the training digits) and test: 7,000 / 1,000 / 2,000, no image in two', () => {
    const split = loadMnist({ seed: 1, trainSize: 8000, validationSize: 1000 });
    expect([split.train.count, split.validation.count, split.test.count]).toEqual([7000, 1000, 2000]);
    // The test set is the same as without a validation set: carving validation never touches it.
    const plain = loadMnist({ seed: 1, trainSize: 8000 });
    expect(plain.validation.count).toBe(0);
    expect(Array.from(split.test.images)).toEqual(Array.from(plain.test.images));
    // Disjoint: no image of one split appears in another (the package's digits are distinct images).
    const key = (set: ImageSet, i: number) => set.images.subarray(i * 784, (i + 1) * 784).join(',');
    const seen = new Map<string, string>();
    let duplicates = 0;
    for (const [name, set] of Object.entries(split)) {
      for (let i = 0; i < set.count; i++) {
        const k = key(set, i);
        if (seen.has(k) && seen.get(k) !== name) duplicates++;
        seen.set(k, name);
      }
    }
    expect(duplicates).toBe(0);
    expect(() => loadMnist({ trainSize: 8000, validationSize: 8000 })).toThrow(
      'mnist: validationSize must be an integer in [0, 7999] (it is carved from the 8000 training digits), got 8000',
    );
  });
});
