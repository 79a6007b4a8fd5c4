// The examples' data: 12x12 grey images holding one bar, vertical (label 0) or horizontal (label 1), at a
// random position, plus a little noise. A small CNN learns it in a few epochs on any backend. Seeded.

export const SIZE = 12;

/** `count` images as one NHWC Float32Array ([count, 12, 12, 1]) and their labels. */
export function bars(count, seed = 1) {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const images = new Float32Array(count * SIZE * SIZE);
  const labels = new Float32Array(count);
  for (let n = 0; n < count; n++) {
    const horizontal = random() < 0.5;
    const at = 1 + Math.floor(random() * (SIZE - 2));
    for (let i = 0; i < SIZE; i++) {
      for (let j = 0; j < SIZE; j++) {
        const onBar = horizontal ? i === at : j === at;
        images[n * SIZE * SIZE + i * SIZE + j] = (onBar ? 1 : 0) + 0.1 * random();
      }
    }
    labels[n] = horizontal ? 1 : 0;
  }
  return { images, labels, count };
}
