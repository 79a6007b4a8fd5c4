import { tensor } from '../ops/creation.js';
import { div, greater, mul } from '../ops/elementwise.js';
import { resizeBilinear, resizeNearestNeighbor } from '../ops/image.js';
import { pad, reshape, slice } from '../ops/layout.js';
import type { Tensor } from '../tensor.js';
import { type CallContext, Layer } from './layer.js';

/** `[[top, bottom], [left, right]]` from Keras's three ways of writing 2-D padding or cropping. */
function sides(
  where: string,
  what: string,
  v: number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]],
): [[number, number], [number, number]] {
  let out: [[number, number], [number, number]] | null = null;
  if (typeof v === 'number')
    out = [
      [v, v],
      [v, v],
    ];
  else if (Array.isArray(v) && v.length === 2 && v.every((p) => typeof p === 'number')) {
    const [h, w] = v as readonly [number, number];
    out = [
      [h, h],
      [w, w],
    ];
  } else if (Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2)) {
    const [[t, b], [l, r]] = v as readonly [readonly [number, number], readonly [number, number]];
    out = [
      [t, b],
      [l, r],
    ];
  }
  if (!out?.flat().every((p) => Number.isInteger(p) && p >= 0)) {
    throw new Error(
      `${where}: ${what} must be a non-negative integer, [height, width] or [[top, bottom], [left, right]], got ${JSON.stringify(v)}`,
    );
  }
  return out;
}

/** Keras-style 2-D amounts: one number, `[height, width]`, or `[[top, bottom], [left, right]]`. */
export type Sides2D = number | [number, number] | [[number, number], [number, number]];

/** `[N, ...]` to `[N, ...targetShape]` (per-sample shape; one entry may be -1). */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: number[];
  constructor(config: { name?: string; targetShape: number[] }) {
    super(config.name);
    const t = config.targetShape;
    if (!Array.isArray(t) || !t.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) {
      throw new Error(
        `layer '${this.name}' (Reshape): targetShape must be an array of positive sizes (one may be -1), got ${JSON.stringify(t)}`,
      );
    }
    this.targetShape = [...t];
  }
  call([x]: Tensor[]): Tensor {
    return reshape(x!, [x!.shape[0]!, ...this.targetShape]);
  }
  getConfig() {
    return { name: this.name, targetShape: [...this.targetShape] };
  }
}

/** Zeros around the image (NHWC): `padding` rows at the top and bottom, columns left and right. */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];
  constructor(config: { name?: string; padding?: Sides2D } = {}) {
    super(config.name);
    this.padding = sides(`layer '${this.name}' (ZeroPadding2D)`, 'padding', config.padding ?? 1);
  }
  call([x]: Tensor[]): Tensor {
    if (x!.rank !== 4) throw new Error(`expects images [batch, height, width, depth], got rank ${x!.rank}`);
    const [[t, b], [l, r]] = this.padding;
    return pad(x!, [0, t, l, 0], [0, b, r, 0]);
  }
  getConfig() {
    return { name: this.name, padding: this.padding };
  }
}

/** Cuts rows off the top and bottom and columns off the sides of the image (NHWC). */
export class Cropping2D extends Layer {
  readonly className = 'Cropping2D';
  readonly cropping: [[number, number], [number, number]];
  constructor(config: { name?: string; cropping?: Sides2D } = {}) {
    super(config.name);
    this.cropping = sides(`layer '${this.name}' (Cropping2D)`, 'cropping', config.cropping ?? 0);
  }
  call([x]: Tensor[]): Tensor {
    if (x!.rank !== 4) throw new Error(`expects images [batch, height, width, depth], got rank ${x!.rank}`);
    const [[t, b], [l, r]] = this.cropping;
    const [, h, w] = x!.shape as [number, number, number, number];
    if (t + b >= h || l + r >= w) {
      throw new Error(
        `cropping ${JSON.stringify(this.cropping)} leaves nothing of a ${h}x${w} image (height and width must stay >= 1)`,
      );
    }
    return slice(x!, [0, t, l, 0], [-1, h - t - b, w - l - r, -1]);
  }
  getConfig() {
    return { name: this.name, cropping: this.cropping };
  }
}

/**
 * Enlarges the image by integer factors: `'nearest'` repeats each pixel (Keras's default), `'bilinear'`
 * interpolates with half-pixel centres (TF2's `tf.image.resize`, as Keras).
 */
export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly size: [number, number];
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(
    config: { name?: string; size?: number | [number, number]; interpolation?: 'nearest' | 'bilinear' } = {},
  ) {
    super(config.name);
    const s = config.size ?? 2;
    this.size = typeof s === 'number' ? [s, s] : [s[0], s[1]];
    if (!Array.isArray(this.size) || !this.size.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(
        `layer '${this.name}' (UpSampling2D): size must be a positive integer or [height, width], got ${JSON.stringify(s)}`,
      );
    }
    this.interpolation = config.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') {
      throw new Error(
        `layer '${this.name}' (UpSampling2D): interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(config.interpolation)}`,
      );
    }
  }
  call([x]: Tensor[]): Tensor {
    if (x!.rank !== 4) throw new Error(`expects images [batch, height, width, depth], got rank ${x!.rank}`);
    const size: [number, number] = [x!.shape[1]! * this.size[0], x!.shape[2]! * this.size[1]];
    return this.interpolation === 'nearest'
      ? resizeNearestNeighbor(x!, size)
      : resizeBilinear(x!, size, false, true);
  }
  getConfig() {
    return { name: this.name, size: this.size, interpolation: this.interpolation };
  }
}

/**
 * Dropout of whole channels (feature maps) in training: each sample's channel is kept with probability
 * 1 - rate and scaled by 1/(1 - rate), for all positions at once (neighbouring pixels are correlated, so
 * dropping single pixels regularises little). The identity in inference.
 */
export class SpatialDropout2D extends Layer {
  readonly className = 'SpatialDropout2D';
  readonly rate: number;
  constructor(config: { name?: string; rate: number }) {
    super(config.name);
    this.rate = config.rate;
    if (!(typeof this.rate === 'number' && this.rate >= 0 && this.rate < 1)) {
      throw new Error(`layer '${this.name}' (SpatialDropout2D): rate must be in [0, 1), got ${this.rate}`);
    }
  }
  call([x]: Tensor[], _params: Tensor[], ctx: CallContext): Tensor {
    if (x!.rank !== 4) throw new Error(`expects images [batch, height, width, depth], got rank ${x!.rank}`);
    if (!ctx.training || this.rate === 0) return x!;
    const [n, , , c] = x!.shape as [number, number, number, number];
    // One draw per (sample, channel), from the model's seeded generator.
    const draws = new Float32Array(n * c);
    for (let i = 0; i < draws.length; i++) draws[i] = ctx.random.next();
    const keepMask = greater(tensor(draws, [n, 1, 1, c], x!.backend), this.rate);
    return div(mul(x!, keepMask), 1 - this.rate);
  }
  getConfig() {
    return { name: this.name, rate: this.rate };
  }
}
