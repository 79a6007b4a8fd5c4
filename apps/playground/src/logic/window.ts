/**
 * Local connectivity and weight sharing, as numbers: one output pixel of a conv layer is the dot product of
 * the input window it sees with one filter, plus the bias. Every output pixel uses the same filter; only the
 * window moves.
 */
import { inputCell, insideInput, type WindowGeometry } from './geometry.js';

/** One term of the dot product: input value × weight, at a kernel tap and input channel. */
export interface DotTerm {
  ky: number;
  kx: number;
  channel: number;
  /** The input cell read (outside the input means zero padding). */
  cell: [number, number];
  padding: boolean;
  input: number;
  weight: number;
  product: number;
}

/** The dot product behind one conv output value, before the activation. */
export interface DotProduct {
  terms: DotTerm[];
  bias: number;
  /** Σ input·weight + bias. */
  total: number;
}

/**
 * The terms of output pixel `[oy, ox]`, filter `filter`, of a conv layer (groups = 1) over `input`
 * (`[h, w, c]`, row-major) with kernel `[kh, kw, c, filters]` (HWIO) and `bias` (or null).
 */
export function convDotProduct(
  g: WindowGeometry,
  input: Float32Array,
  kernel: Float32Array,
  bias: Float32Array | null,
  oy: number,
  ox: number,
  filter: number,
): DotProduct {
  const [, w, c] = g.inShape;
  const filters = g.outShape[2];
  if (kernel.length !== g.kernel[0] * g.kernel[1] * c * filters) {
    throw new Error(
      `convDotProduct: layer '${g.layerName}' kernel has ${kernel.length} values, expected ${g.kernel[0]}·${g.kernel[1]}·${c}·${filters} (groups other than 1 are not drawn)`,
    );
  }
  if (oy < 0 || ox < 0 || oy >= g.outShape[0] || ox >= g.outShape[1] || filter < 0 || filter >= filters) {
    throw new Error(
      `convDotProduct: output pixel [${oy}, ${ox}] filter ${filter} is outside [${g.outShape.join(', ')}]`,
    );
  }
  const terms: DotTerm[] = [];
  let total = 0;
  for (let ky = 0; ky < g.kernel[0]; ky++) {
    for (let kx = 0; kx < g.kernel[1]; kx++) {
      const cell = inputCell(g, oy, ox, ky, kx);
      const padding = !insideInput(g, cell);
      for (let ch = 0; ch < c; ch++) {
        const value = padding ? 0 : input[(cell[0] * w + cell[1]) * c + ch]!;
        const weight = kernel[((ky * g.kernel[1] + kx) * c + ch) * filters + filter]!;
        const product = value * weight;
        total += product;
        terms.push({ ky, kx, channel: ch, cell, padding, input: value, weight, product });
      }
    }
  }
  const b = bias ? bias[filter]! : 0;
  return { terms, bias: b, total: total + b };
}
