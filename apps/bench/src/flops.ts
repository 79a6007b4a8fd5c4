/**
 * How much work each kernel does, so times become rates.
 *
 * Convolution: every output element `[n, ho, wo, co]` is a dot product over the `Kh·Kw·Cin/groups` inputs of
 * its window, one multiply and one add each, so
 *
 *     FLOPs = 2 · N · Ho · Wo · Cout · Kh · Kw · Cin / groups
 *
 * The two backprops do the same multiply-adds rearranged (dx: every dy element times every filter tap it
 * touched; dW: every filter tap times every (x, dy) pair it saw), so they are counted with the same formula
 * and the forward conv's shapes. Padding taps are counted too (as every library reports it).
 *
 * GEMM `[M, K] · [K, N]`: `2·M·N·K`. Pooling does no multiply-adds worth counting: it is rated by memory
 * traffic, the bytes of the input read plus the output written (float32, 4 bytes each).
 */

export type Pair = readonly [number, number];
export type ConvPadding = 'valid' | 'same';

export function gemmFlops(m: number, n: number, k: number): number {
  return 2 * m * n * k;
}

/**
 * FLOPs of a conv2d (and of each of its backprops): `x` NHWC `[N, H, W, Cin]`, `filter` HWIO
 * `[Kh, Kw, Cin/groups, Cout]`, `out` NHWC `[N, Ho, Wo, Cout]`.
 */
export function convFlops(
  x: readonly number[],
  filter: readonly number[],
  out: readonly number[],
  groups = 1,
): number {
  const [n, , , cin] = x as [number, number, number, number];
  const [kh, kw, , cout] = filter as [number, number, number, number];
  const [, ho, wo] = out as [number, number, number];
  if (cin % groups !== 0) throw new Error(`convFlops: ${cin} input channels are not divisible by ${groups}`);
  return (2 * n * ho * wo * cout * kh * kw * cin) / groups;
}

/**
 * Output size of one spatial dim: `valid` is `floor((in - k) / s) + 1`, `same` is `ceil(in / s)` (TensorFlow's
 * SAME: the odd extra padding pixel goes after).
 */
export function outputSize(input: number, kernel: number, stride: number, padding: ConvPadding): number {
  const size = padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - kernel) / stride) + 1;
  if (size <= 0) throw new Error(`outputSize: a ${kernel}-wide window does not fit in ${input}`);
  return size;
}

/** The padding `same` puts before and after one spatial dim (TensorFlow / ONNX SAME_UPPER). */
export function samePads(input: number, kernel: number, stride: number): Pair {
  const total = Math.max(0, (Math.ceil(input / stride) - 1) * stride + kernel - input);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** NHWC output shape of a conv2d of `x` `[N, H, W, C]` with an HWIO `filter`. */
export function convOutputShape(
  x: readonly number[],
  filter: readonly number[],
  strides: Pair,
  padding: ConvPadding,
): number[] {
  return [
    x[0]!,
    outputSize(x[1]!, filter[0]!, strides[0], padding),
    outputSize(x[2]!, filter[1]!, strides[1], padding),
    filter[3]!,
  ];
}

/** Bytes a pooling kernel moves: its input read once and its output written once, float32. */
export function poolBytes(x: readonly number[], out: readonly number[]): number {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return 4 * (size(x) + size(out));
}
