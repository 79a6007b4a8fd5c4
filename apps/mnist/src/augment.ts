import type { Random } from '@cnn/core';

/**
 * Random translations of up to `maxShift` pixels, zero-filled: the digit moves, its label does not. With
 * 7,000 training digits this is what keeps LeNet-5 from memorizing them. The same as a random crop of
 * the image zero-padded by `maxShift` on every side.
 */
export function randomShift(maxShift: number): Augment {
  return (values: Float32Array, shape: readonly number[], random: Random): void => {
    const [n, h, w, c] = shape as [number, number, number, number];
    const size = h * w * c;
    const copy = new Float32Array(size);
    for (let s = 0; s < n; s++) {
      const dy = random.int(2 * maxShift + 1) - maxShift;
      const dx = random.int(2 * maxShift + 1) - maxShift;
      if (dy === 0 && dx === 0) continue;
      const image = values.subarray(s * size, (s + 1) * size);
      copy.set(image);
      image.fill(0);
      for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
        for (let x = Math.max(0, dx); x < Math.min(w, w + dx); x++) {
          for (let ch = 0; ch < c; ch++)
            image[(y * w + x) * c + ch] = copy[((y - dy) * w + (x - dx)) * c + ch]!;
        }
      }
    }
  };
}

/** An augmentation: changes a batch `[n, h, w, c]` in place, drawing from `random`. */
export type Augment = (values: Float32Array, shape: readonly number[], random: Random) => void;

/**
 * Mirrors each image left-right with probability `probability`. Right for clothes (a shirt mirrored is a
 * shirt), wrong for digits (a mirrored 2 is no digit): the main job uses it on Fashion-MNIST only.
 */
export function randomHorizontalFlip(probability = 0.5): Augment {
  if (!(probability >= 0 && probability <= 1)) {
    throw new Error(`randomHorizontalFlip: probability must be in [0, 1], got ${probability}`);
  }
  return (values, shape, random) => {
    const [n, h, w, c] = shape as [number, number, number, number];
    for (let s = 0; s < n; s++) {
      if (!(random.next() < probability)) continue;
      for (let y = 0; y < h; y++) {
        const row = (s * h + y) * w;
        for (let x = 0; x < w >> 1; x++) {
          for (let ch = 0; ch < c; ch++) {
            const a = (row + x) * c + ch;
            const b = (row + w - 1 - x) * c + ch;
            const t = values[a]!;
            values[a] = values[b]!;
            values[b] = t;
          }
        }
      }
    }
  };
}

/**
 * Random erasing (Zhong et al., 2017): with probability `probability`, one rectangle of each image, of
 * `minArea`..`maxArea` of the image and aspect ratio between 1/3 and 3 (log-uniform), is filled with uniform
 * noise in [0, 1], so the net cannot lean on any one region (occlusion robustness).
 */
export function randomErasing(
  options: { probability?: number; minArea?: number; maxArea?: number } = {},
): Augment {
  const { probability = 0.5, minArea = 0.02, maxArea = 0.25 } = options;
  if (!(probability >= 0 && probability <= 1)) {
    throw new Error(`randomErasing: probability must be in [0, 1], got ${probability}`);
  }
  if (!(minArea > 0 && minArea <= maxArea && maxArea <= 1)) {
    throw new Error(`randomErasing: need 0 < minArea <= maxArea <= 1, got ${minArea} and ${maxArea}`);
  }
  return (values, shape, random) => {
    const [n, h, w, c] = shape as [number, number, number, number];
    for (let s = 0; s < n; s++) {
      if (!(random.next() < probability)) continue;
      // Retry until the rectangle fits, as the paper does (a few tries; give up on that image after 10).
      for (let attempt = 0; attempt < 10; attempt++) {
        const area = random.uniform(minArea, maxArea) * h * w;
        const aspect = Math.exp(random.uniform(Math.log(1 / 3), Math.log(3)));
        const eh = Math.round(Math.sqrt(area * aspect));
        const ew = Math.round(Math.sqrt(area / aspect));
        if (eh < 1 || ew < 1 || eh > h || ew > w) continue;
        const y0 = random.int(h - eh + 1);
        const x0 = random.int(w - ew + 1);
        for (let y = y0; y < y0 + eh; y++) {
          for (let x = x0; x < x0 + ew; x++) {
            for (let ch = 0; ch < c; ch++) values[((s * h + y) * w + x) * c + ch] = random.next();
          }
        }
        break;
      }
    }
  };
}

/** Several augmentations, applied in order to every batch. */
export function composeAugments(augments: readonly Augment[]): Augment | undefined {
  if (augments.length === 0) return undefined;
  return (values, shape, random) => {
    for (const augment of augments) augment(values, shape, random);
  };
}
