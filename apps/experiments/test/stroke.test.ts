import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { containsStroke, leftHalf, makeStrokeSet, rightHalf, runStrokeExperiment } from '../src/stroke.js';

beforeAll(() => {
  cnn.setBackend(cpu());
});

describe('stroke data', () => {
  it.each([4, 8])('%ix%i: 3 dark pixels, ink only in the region, label = stroke present', (size) => {
    for (const region of [leftHalf(size), rightHalf(size)]) {
      const set = makeStrokeSet(size, region, 400, new cnn.Random(3));
      const pixels = size * size;
      let positives = 0;
      for (let i = 0; i < set.count; i++) {
        const image = set.images.subarray(i * pixels, (i + 1) * pixels);
        expect(image.reduce((a, b) => a + b, 0)).toBe(3);
        image.forEach((v, p) => {
          if (v > 0) expect(p % size >= region.from && p % size < region.to).toBe(true);
        });
        expect(containsStroke(image, size)).toBe(set.labels[i] === 1);
        positives += set.labels[i]!;
      }
      expect(positives / set.count).toBeGreaterThan(0.4);
      expect(positives / set.count).toBeLessThan(0.6);
    }
  });

  it('containsStroke finds only top-left, top-right, bottom-right with bottom-left empty', () => {
    const image = (dark: number[]) => Float32Array.from({ length: 16 }, (_, i) => (dark.includes(i) ? 1 : 0));
    expect(containsStroke(image([5, 6, 10]), 4)).toBe(true);
    expect(containsStroke(image([5, 6, 9]), 4)).toBe(false);
    expect(containsStroke(image([5, 9, 10]), 4)).toBe(false);
    expect(containsStroke(image([6, 9, 10]), 4)).toBe(false);
    expect(containsStroke(image([5, 6, 9, 10]), 4)).toBe(false);
  });
});

describe('stroke experiment (default seed)', () => {
  // Over seeds 1-12 the CNN's unseen-position accuracy was 92.7% to 100% and the FC net's 41.6% to 62.9%.
  it('the CNN finds the stroke at unseen positions, the fully connected net does not', async () => {
    const { rows } = await runStrokeExperiment();
    expect(rows.map((r) => `${r.size}${r.net}`)).toEqual(['4fc', '4cnn', '8fc', '8cnn']);
    for (const r of rows) {
      // Both nets learn the positions they were trained on.
      expect(r.seen).toBeGreaterThan(0.95);
      if (r.net === 'cnn') expect(r.unseen).toBeGreaterThan(0.9);
      else expect(r.unseen).toBeLessThan(0.7);
    }
  }, 60_000);
});
