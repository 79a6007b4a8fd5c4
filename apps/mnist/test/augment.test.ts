import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { randomShift } from '../src/augment.js';

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
