import { samePads } from '../flops.js';

/**
 * How a peer that only knows `'valid'` and TensorFlow's `'same'` expresses our explicit pads
 * `[top, left, bottom, right]`: no padding, exactly SAME, or neither (then it needs a zero-padding layer,
 * or cannot do it).
 */
export function padMode(
  pads: readonly number[],
  inShape: readonly number[],
  kernel: readonly [number, number],
  strides: readonly [number, number],
): 'valid' | 'same' | 'explicit' {
  if (pads.every((p) => p === 0)) return 'valid';
  const [top, bottom] = samePads(inShape[0]!, kernel[0], strides[0]);
  const [left, right] = samePads(inShape[1]!, kernel[1], strides[1]);
  const same = [top, left, bottom, right];
  return pads.every((p, i) => p === same[i]) ? 'same' : 'explicit';
}

/** Layer names peers accept (letters, digits, underscores). */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}
