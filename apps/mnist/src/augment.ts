import type { Random } from '@cnn/core';

/**
 * Random translations of up to `maxShift` pixels, zero-filled: the digit moves, its label does not. With
 * 8,000 training digits this is what keeps LeNet-5 from memorizing them (it generalizes to the test set).
 */
export function randomShift(maxShift: number) {
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
