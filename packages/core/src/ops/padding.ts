import type { Pads4, Pair } from '../backend.js';
import { assertNonNegativeInt, assertPositiveInt } from '../shape.js';

/**
 * How much zero padding goes around the image. `'same'` (= ONNX SAME_UPPER) keeps `ceil(in / stride)`
 * outputs and puts an odd extra pixel at the end; SAME_LOWER puts it at the start.
 */
export type Padding =
  | 'valid'
  | 'same'
  | 'VALID'
  | 'SAME_UPPER'
  | 'SAME_LOWER'
  | number
  | readonly [number, number]
  | readonly [number, number, number, number];

export function toPair(
  op: string,
  arg: string,
  v: number | readonly number[] | undefined,
  fallback: number,
): Pair {
  if (v === undefined) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  if (!Array.isArray(v) || v.length !== 2) {
    throw new Error(`${op}: ${arg} must be a number or [height, width], got ${describeValue(v)}`);
  }
  return [v[0]!, v[1]!];
}

/** A value as an error message shows it (arrays by their contents, strings quoted). */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describeValue).join(',')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

/** The extent of a dilated kernel: `dilation*(k-1)+1` pixels from first to last tap. */
export function kernelExtent(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

/** Resolves a padding spec to explicit `[top, left, bottom, right]` pads. */
export function resolvePads(
  op: string,
  padding: Padding,
  input: Pair,
  kernel: Pair,
  strides: Pair,
  dilations: Pair,
): Pads4 {
  if (typeof padding === 'string') {
    switch (padding) {
      case 'valid':
      case 'VALID':
        return [0, 0, 0, 0];
      case 'same':
      case 'SAME_UPPER':
      case 'SAME_LOWER': {
        const [before, after] = [0, 1].map((i) => {
          const out = Math.ceil(input[i]! / strides[i]!);
          const total = Math.max(
            0,
            (out - 1) * strides[i]! + kernelExtent(kernel[i]!, dilations[i]!) - input[i]!,
          );
          const small = Math.floor(total / 2);
          return padding === 'SAME_LOWER' ? [total - small, small] : [small, total - small];
        }) as [[number, number], [number, number]];
        return [before[0], after[0], before[1], after[1]];
      }
      default:
        throw new Error(
          `${op}: unknown padding '${padding}' (use 'valid', 'same', 'SAME_UPPER', 'SAME_LOWER' or numbers)`,
        );
    }
  }
  if (typeof padding !== 'number' && !Array.isArray(padding)) {
    throw new Error(
      `${op}: padding must be 'valid', 'same', 'SAME_UPPER', 'SAME_LOWER', a number or an array of 2 or 4, got ${describeValue(padding)}`,
    );
  }
  let pads: Pads4;
  if (typeof padding === 'number') pads = [padding, padding, padding, padding];
  else if (padding.length === 2) pads = [padding[0], padding[1], padding[0], padding[1]];
  else if (padding.length === 4) pads = [padding[0], padding[1], padding[2]!, padding[3]!];
  else throw new Error(`${op}: padding must have 1, 2 or 4 entries, got ${describeValue(padding)}`);
  pads.forEach((p, i) => assertNonNegativeInt(op, `pad ${SIDES[i]}`, p));
  return pads;
}

const SIDES = ['top', 'left', 'bottom', 'right'] as const;

/** Checks strides, dilations, kernel and pads of a 2-D window op before any output size is computed. */
export function checkWindow(op: string, kernel: Pair, strides: Pair, dilations: Pair, pads: Pads4): void {
  kernel.forEach((k, i) => assertPositiveInt(op, `kernel size ${i === 0 ? 'height' : 'width'}`, k));
  strides.forEach((s, i) => assertPositiveInt(op, `stride ${i === 0 ? 'height' : 'width'}`, s));
  dilations.forEach((d, i) => assertPositiveInt(op, `dilation ${i === 0 ? 'height' : 'width'}`, d));
  pads.forEach((p, i) => {
    const axis = i % 2;
    const extent = kernelExtent(kernel[axis]!, dilations[axis]!);
    if (p >= extent) {
      throw new Error(
        `${op}: pad ${SIDES[i]} = ${p} is not smaller than the kernel extent ${extent} (kernel ${kernel[axis]}, dilation ${dilations[axis]}); such a window would see only padding`,
      );
    }
  });
}

/**
 * The seed's output-size formula, generalised to dilation: `(in + padBefore + padAfter - extent) / stride + 1`,
 * rounded down (or up with ceil mode, where a last window that would start in the end padding is dropped).
 */
export function outputSize(
  op: string,
  axisName: string,
  input: number,
  padBefore: number,
  padAfter: number,
  extent: number,
  stride: number,
  ceilMode = false,
): number {
  const span = input + padBefore + padAfter - extent;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= input + padBefore) out--;
  if (span < 0 || out <= 0) {
    throw new Error(
      `${op}: output ${axisName} would be ${out}: input ${axisName} ${input} + pads ${padBefore}+${padAfter} is smaller than the kernel extent ${extent}`,
    );
  }
  return out;
}
