import { tidy } from '../memory.js';
import { assertPositiveInt, assertTensor, fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { reshape } from './layout.js';
import { matMul } from './matmul.js';
import { describeValue } from './padding.js';

/**
 * Image resizing, NHWC (`[N, H, W, C]`, or `[H, W, C]`), with TensorFlow.js's coordinate rules:
 * - default: `src = dst · in/out` (TF's legacy "asymmetric" mapping);
 * - `alignCorners`: the corner pixels' centres line up, `src = dst · (in-1)/(out-1)` (PyTorch
 *   `align_corners=True`);
 * - `halfPixelCenters`: pixel centres line up, `src = (dst + 0.5) · in/out - 0.5` (PyTorch
 *   `align_corners=False`, OpenCV, and TF2's default).
 *
 * Each resize is separable: rows, then columns, each a product with a constant interpolation matrix
 * (built on the host in float64, rounded once), so every backend runs it with its matMul kernel, and the
 * gradient (the transposed matrix) comes from matMul's. A consequence: a non-finite input value spreads to
 * every output of its row or column (0 · Infinity is NaN).
 */
export interface ResizeOptions {
  alignCorners?: boolean;
  halfPixelCenters?: boolean;
}

type Mode = 'bilinear' | 'nearest';

/** Source coordinate of output position `dst`. */
function sourceOf(dst: number, inSize: number, outSize: number, options: ResizeOptions): number {
  if (options.alignCorners) return outSize > 1 ? (dst * (inSize - 1)) / (outSize - 1) : 0;
  const scale = inSize / outSize;
  return options.halfPixelCenters ? (dst + 0.5) * scale - 0.5 : dst * scale;
}

/** The `[out, in]` interpolation matrix of one axis. */
function interpolationMatrix(
  mode: Mode,
  inSize: number,
  outSize: number,
  options: ResizeOptions,
): Float32Array {
  const m = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      // TF.js: round with alignCorners, floor otherwise (after the half-pixel shift, without the -0.5).
      const src = options.halfPixelCenters
        ? (o + 0.5) * (inSize / outSize)
        : sourceOf(o, inSize, outSize, options);
      const i = Math.max(0, Math.min(inSize - 1, options.alignCorners ? Math.round(src) : Math.floor(src)));
      m[o * inSize + i] = 1;
      continue;
    }
    // Bilinear: below 0 clamps to the first pixel (TF and PyTorch), past the end to the last.
    const src = Math.max(0, sourceOf(o, inSize, outSize, options));
    const lo = Math.min(Math.floor(src), inSize - 1);
    const hi = Math.min(lo + 1, inSize - 1);
    const frac = src - Math.floor(src);
    m[o * inSize + lo] += 1 - frac;
    m[o * inSize + hi] += frac;
  }
  return Float32Array.from(m);
}

function resize(
  op: string,
  mode: Mode,
  images: Tensor,
  size: readonly [number, number],
  options: ResizeOptions,
): Tensor {
  assertTensor(op, 'images', images);
  if (images.rank !== 3 && images.rank !== 4) {
    throw new Error(`${op}: images must be [N, H, W, C] or [H, W, C], got shape ${fmt(images.shape)}`);
  }
  if (!Array.isArray(size) || size.length !== 2) {
    throw new Error(`${op}: size must be [height, width], got ${describeValue(size)}`);
  }
  assertPositiveInt(op, 'size height', size[0]);
  assertPositiveInt(op, 'size width', size[1]);
  if (options.alignCorners && options.halfPixelCenters) {
    throw new Error(`${op}: alignCorners and halfPixelCenters cannot both be true`);
  }
  const x4 = images.rank === 3 ? reshape(images, [1, ...images.shape]) : images;
  const [n, h, w, c] = x4.shape as [number, number, number, number];
  if (h === 0 || w === 0)
    throw new Error(`${op}: images of shape ${fmt(images.shape)} have no pixels to resize`);
  const [outH, outW] = size;
  return tidy(() => {
    const rows = tensor(interpolationMatrix(mode, h, outH, options), [outH, h], x4.backend);
    const cols = tensor(interpolationMatrix(mode, w, outW, options), [outW, w], x4.backend);
    // [outH, h] · [n, h, w·c] -> [n, outH, w·c]; then [outW, w] · [n·outH, w, c] -> [n·outH, outW, c].
    const byRows = matMul(rows, reshape(x4, [n, h, w * c]));
    const byCols = matMul(cols, reshape(byRows, [n * outH, w, c]));
    return reshape(byCols, images.rank === 3 ? [outH, outW, c] : [n, outH, outW, c]);
  });
}

/** Bilinear resize of NHWC images to `size` = `[height, width]` (see `ResizeOptions`), with gradients. */
export function resizeBilinear(
  images: Tensor,
  size: readonly [number, number],
  alignCorners = false,
  halfPixelCenters = false,
): Tensor {
  return resize('resizeBilinear', 'bilinear', images, size, { alignCorners, halfPixelCenters });
}

/**
 * Nearest-neighbour resize of NHWC images to `size` = `[height, width]`, TF.js's index rule: `floor(src)`
 * (PyTorch `mode='nearest'`), `floor((dst + 0.5) · in/out)` with `halfPixelCenters` (PyTorch
 * `'nearest-exact'`), `round(src)` with `alignCorners`. With gradients (summed into the source pixels).
 */
export function resizeNearestNeighbor(
  images: Tensor,
  size: readonly [number, number],
  alignCorners = false,
  halfPixelCenters = false,
): Tensor {
  return resize('resizeNearestNeighbor', 'nearest', images, size, { alignCorners, halfPixelCenters });
}
