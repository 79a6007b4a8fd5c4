import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { composeAugments, randomErasing, randomHorizontalFlip, randomShift } from '../src/augment.js';

/** The image moved by (dy, dx), zero where it moved in from outside: what randomShift must produce. */
function shifted(image: Float32Array, h: number, w: number, dy: number, dx: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sy, sx] = [y - dy, x - dx];
      if (sy >= 0 && sy < h && sx >= 0 && sx < w) out[y * w + x] = image[sy * w + sx]!;
    }
  }
  return out;
}

describe('random-shift augmentation', () => {
  it('moves each digit by one of the (2s+1)^2 shifts, zero-filled, and draws every shift', () => {
    const [n, h, w] = [200, 5, 6];
    const image = Float32Array.from({ length: h * w }, (_, i) => i + 1);
    const batch = new Float32Array(n * h * w);
    for (let s = 0; s < n; s++) batch.set(image, s * h * w);
    randomShift(1)(batch, [n, h, w, 1], new cnn.Random(3));

    const seen = new Set<string>();
    for (let s = 0; s < n; s++) {
      const sample = batch.subarray(s * h * w, (s + 1) * h * w);
      const match = [-1, 0, 1]
        .flatMap((dy) => [-1, 0, 1].map((dx) => [dy, dx] as const))
        .find(([dy, dx]) => shifted(image, h, w, dy, dx).every((v, i) => v === sample[i]));
      expect(match, `sample ${s} is not a shift of the image`).toBeDefined();
      seen.add(String(match));
    }
    expect(seen.size).toBe(9);
  });

  it('fit trains on the augmented batch, not the stored one', async () => {
    cnn.setBackend(cpu());
    // An augment that blanks every batch must train exactly like blank data without one.
    const train = async (x: cnn.Tensor, augment?: (values: Float32Array) => void) => {
      const model = cnn
        .sequential(
          [4, 4, 1],
          [new cnn.Conv2D({ filters: 2, kernelSize: 3 }), new cnn.Flatten(), new cnn.Dense({ units: 3 })],
          {
            seed: 5,
          },
        )
        .compile({ optimizer: new cnn.SGD({ learningRate: 0.1 }), loss: 'softmaxCrossEntropy' });
      const shapes: number[][] = [];
      await model.fit(x, cnn.tensor([0, 1, 2, 0, 1]), {
        epochs: 2,
        batchSize: 2,
        augment:
          augment &&
          ((values, shape) => {
            shapes.push([...shape]);
            augment(values);
          }),
      });
      const weights = await Promise.all(model.variables.map((v) => v.read().data()));
      model.dispose();
      return { weights, shapes };
    };
    const data = cnn.randomNormal([5, 4, 4, 1], 0, 1, { seed: 9 });
    const blanked = await train(data, (values) => values.fill(0));
    const blank = await train(cnn.zeros([5, 4, 4, 1]));
    const plain = await train(data);
    data.dispose();
    // Called once per batch of each epoch, with the batch's own shape (5 samples: 2 + 2 + 1).
    const epoch = [
      [2, 4, 4, 1],
      [2, 4, 4, 1],
      [1, 4, 4, 1],
    ];
    expect(blanked.shapes).toEqual([...epoch, ...epoch]);
    expect(blanked.weights).toEqual(blank.weights);
    expect(plain.weights).not.toEqual(blank.weights);
  });
});

describe('random horizontal flip', () => {
  it('leaves each image as it is or mirrors it left-right (every channel), about half of each', () => {
    const [n, h, w, c] = [400, 3, 5, 2];
    const image = Float32Array.from({ length: h * w * c }, (_, i) => i + 1);
    // The mirror, written from the definition: pixel (y, x) comes from (y, w - 1 - x).
    const mirror = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) mirror[(y * w + x) * c + ch] = image[(y * w + (w - 1 - x)) * c + ch]!;
    const batch = new Float32Array(n * image.length);
    for (let s = 0; s < n; s++) batch.set(image, s * image.length);
    randomHorizontalFlip(0.5)(batch, [n, h, w, c], new cnn.Random(7));
    let flipped = 0;
    for (let s = 0; s < n; s++) {
      const sample = Array.from(batch.subarray(s * image.length, (s + 1) * image.length));
      const isMirror = sample.every((v, i) => v === mirror[i]);
      const isSame = sample.every((v, i) => v === image[i]);
      expect(isMirror || isSame, `sample ${s}`).toBe(true);
      if (isMirror) flipped++;
    }
    // Binomial(400, 0.5): 200 ± 10 (one standard deviation); 5 sigma either side.
    expect(flipped).toBeGreaterThan(150);
    expect(flipped).toBeLessThan(250);
  });

  it('is seeded: the same seed flips the same images; probability 0 and 1 are never and always', () => {
    const shape = [50, 2, 4, 1];
    const make = () => Float32Array.from({ length: 50 * 8 }, (_, i) => i % 8);
    const [a, b] = [make(), make()];
    randomHorizontalFlip()(a, shape, new cnn.Random(1));
    randomHorizontalFlip()(b, shape, new cnn.Random(1));
    expect(Array.from(a)).toEqual(Array.from(b));
    const never = make();
    randomHorizontalFlip(0)(never, shape, new cnn.Random(1));
    expect(Array.from(never)).toEqual(Array.from(make()));
    const always = make();
    randomHorizontalFlip(1)(always, shape, new cnn.Random(1));
    expect(Array.from(always.subarray(0, 8))).toEqual([3, 2, 1, 0, 7, 6, 5, 4]);
    expect(() => randomHorizontalFlip(2)).toThrow(
      'randomHorizontalFlip: probability must be in [0, 1], got 2',
    );
  });
});

describe('random erasing', () => {
  it('replaces one axis-aligned rectangle of 2-25% of the image with values in [0, 1], else nothing', () => {
    const [n, h, w] = [300, 28, 28];
    const batch = new Float32Array(n * h * w).fill(-1); // -1 never comes out of the eraser's [0, 1) noise
    randomErasing({ probability: 0.5 })(batch, [n, h, w, 1], new cnn.Random(11));
    let erased = 0;
    for (let s = 0; s < n; s++) {
      const img = batch.subarray(s * h * w, (s + 1) * h * w);
      const changed: [number, number][] = [];
      img.forEach((v, i) => {
        if (v !== -1) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(1);
          changed.push([Math.floor(i / w), i % w]);
        }
      });
      if (changed.length === 0) continue;
      erased++;
      // The changed pixels are exactly the bounding box: one full rectangle.
      const ys = changed.map((p) => p[0]);
      const xs = changed.map((p) => p[1]);
      const boxH = Math.max(...ys) - Math.min(...ys) + 1;
      const boxW = Math.max(...xs) - Math.min(...xs) + 1;
      expect(changed.length).toBe(boxH * boxW);
      // Area within the bounds, up to the rounding of height and width to whole pixels.
      expect(changed.length).toBeGreaterThanOrEqual(0.02 * h * w * 0.5);
      expect(changed.length).toBeLessThanOrEqual(0.25 * h * w * 1.5);
    }
    expect(erased).toBeGreaterThan(110); // Binomial(300, 0.5) = 150 ± 8.7
    expect(erased).toBeLessThan(190);
    expect(() => randomErasing({ minArea: 0.5, maxArea: 0.1 })).toThrow(
      'randomErasing: need 0 < minArea <= maxArea <= 1, got 0.5 and 0.1',
    );
  });

  it('composeAugments applies each in order (a flip then an erase = the flip of the image, then erased)', () => {
    const shape = [1, 2, 3, 1];
    const image = () => Float32Array.from([1, 2, 3, 4, 5, 6]);
    const both = image();
    composeAugments([randomHorizontalFlip(1), randomShift(0)])!(both, shape, new cnn.Random(1));
    expect(Array.from(both)).toEqual([3, 2, 1, 6, 5, 4]);
    expect(composeAugments([])).toBeUndefined();
  });
});
