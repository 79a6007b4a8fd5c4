/**
 * Convolution as one matrix product (the seed's im2col): every output pixel's input window becomes a row of
 * the patch matrix, every filter a column of the weight matrix, and the product holds every output value.
 */
import { inputCell, insideInput, type WindowGeometry } from './geometry.js';

/** The two matrices and their product, row-major. */
export interface Im2col {
  /** `[outH·outW, kh·kw·c]`: one row per output pixel (zero where the window is in the padding). */
  patches: Float32Array;
  /** `[kh·kw·c, filters]`: the HWIO kernel read as a matrix (no copy needed in this layout). */
  weights: Float32Array;
  /** `[outH·outW, filters]` = patches · weights (+ bias per column). */
  product: Float32Array;
  rows: number;
  inner: number;
  cols: number;
}

/** Builds the patch matrix of `input` (`[h, w, c]`) for a conv layer's geometry and multiplies. */
export function im2col(
  g: WindowGeometry,
  input: Float32Array,
  kernel: Float32Array,
  bias: Float32Array | null,
): Im2col {
  const [, w, c] = g.inShape;
  const [oh, ow, filters] = g.outShape;
  const rows = oh * ow;
  const inner = g.kernel[0] * g.kernel[1] * c;
  if (kernel.length !== inner * filters) {
    throw new Error(
      `im2col: layer '${g.layerName}' kernel has ${kernel.length} values, expected ${inner}·${filters}`,
    );
  }
  const patches = new Float32Array(rows * inner);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const row = oy * ow + ox;
      for (let ky = 0; ky < g.kernel[0]; ky++) {
        for (let kx = 0; kx < g.kernel[1]; kx++) {
          const cell = inputCell(g, oy, ox, ky, kx);
          if (!insideInput(g, cell)) continue;
          for (let ch = 0; ch < c; ch++) {
            patches[row * inner + (ky * g.kernel[1] + kx) * c + ch] =
              input[(cell[0] * w + cell[1]) * c + ch]!;
          }
        }
      }
    }
  }
  const product = new Float32Array(rows * filters);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < filters; f++) {
      let s = bias ? bias[f]! : 0;
      for (let k = 0; k < inner; k++) s += patches[r * inner + k]! * kernel[k * filters + f]!;
      product[r * filters + f] = s;
    }
  }
  return { patches, weights: kernel, product, rows, inner, cols: filters };
}
