/**
 * A drawn digit made to look like MNIST's: MNIST digits were scaled to fit a 20x20 box (keeping the aspect
 * ratio) and placed in a 28x28 image with their centre of mass at the centre. A net trained on MNIST expects
 * that, so a digit drawn small in a corner is normalised the same way before it is classified.
 */

/** MNIST's image size and the box the digit is fitted into. */
export const MNIST_SIDE = 28;
const BOX = 20;

/** The bounding box of the cells above `threshold` in a `size` x `size` image, or null if there are none. */
export function inkBounds(
  image: ArrayLike<number>,
  size: number,
  threshold = 0.05,
): { top: number; left: number; bottom: number; right: number } | null {
  let top = size;
  let left = size;
  let bottom = -1;
  let right = -1;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (image[r * size + c]! > threshold) {
        top = Math.min(top, r);
        bottom = Math.max(bottom, r);
        left = Math.min(left, c);
        right = Math.max(right, c);
      }
    }
  }
  return bottom < 0 ? null : { top, left, bottom, right };
}

/**
 * `image`: `size` x `size` ink values in [0, 1] (e.g. a canvas's alpha). Returns 28x28 values in [0, 1]:
 * the ink fitted into 20x20 by area averaging, centred by its centre of mass. No ink gives all zeros.
 */
export function toMnistImage(image: ArrayLike<number>, size: number): Float32Array {
  if (image.length !== size * size) {
    throw new Error(`toMnistImage: image has ${image.length} values, expected ${size}·${size}`);
  }
  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  const bounds = inkBounds(image, size);
  if (!bounds) return out;
  const height = bounds.bottom - bounds.top + 1;
  const width = bounds.right - bounds.left + 1;
  const scale = BOX / Math.max(height, width);
  const boxH = Math.max(1, Math.round(height * scale));
  const boxW = Math.max(1, Math.round(width * scale));
  // Area averaging: each box cell averages the source cells it covers (4x4 samples per cell).
  const box = new Float32Array(boxH * boxW);
  const samples = 4;
  for (let r = 0; r < boxH; r++) {
    for (let c = 0; c < boxW; c++) {
      let sum = 0;
      for (let sr = 0; sr < samples; sr++) {
        for (let sc = 0; sc < samples; sc++) {
          const y = Math.min(size - 1, Math.floor(bounds.top + ((r + (sr + 0.5) / samples) * height) / boxH));
          const x = Math.min(size - 1, Math.floor(bounds.left + ((c + (sc + 0.5) / samples) * width) / boxW));
          sum += image[y * size + x]!;
        }
      }
      box[r * boxW + c] = sum / (samples * samples);
    }
  }
  let mass = 0;
  let my = 0;
  let mx = 0;
  for (let r = 0; r < boxH; r++) {
    for (let c = 0; c < boxW; c++) {
      const v = box[r * boxW + c]!;
      mass += v;
      my += v * r;
      mx += v * c;
    }
  }
  // Place the box so that its centre of mass lands on the image centre, kept inside the image.
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  const top = clamp(Math.round(MNIST_SIDE / 2 - 0.5 - my / mass), MNIST_SIDE - boxH);
  const left = clamp(Math.round(MNIST_SIDE / 2 - 0.5 - mx / mass), MNIST_SIDE - boxW);
  for (let r = 0; r < boxH; r++) {
    for (let c = 0; c < boxW; c++) {
      out[(top + r) * MNIST_SIDE + left + c] = Math.min(1, box[r * boxW + c]!);
    }
  }
  return out;
}
