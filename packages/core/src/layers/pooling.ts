import { reshape } from '../ops/layout.js';
import type { Padding } from '../ops/padding.js';
import { avgPool2d, globalAvgPool, globalMaxPool, maxPool2d } from '../ops/pool.js';
import type { Tensor } from '../tensor.js';
import { Layer } from './layer.js';

/** Options of the MaxPool2D and AvgPool2D layers. */
export interface Pool2DConfig {
  name?: string;
  poolSize: number | [number, number];
  /** Default: poolSize. */
  strides?: number | [number, number];
  padding?: Padding;
  dilations?: number | [number, number];
  ceilMode?: boolean;
}

/** Max pooling: keeps the strongest response in each window, per channel. */
export class MaxPool2D extends Layer {
  readonly className = 'MaxPool2D';
  constructor(readonly config: Pool2DConfig) {
    super(config.name);
  }
  call([x]: Tensor[]): Tensor {
    const { poolSize, strides, padding, dilations, ceilMode } = this.config;
    return maxPool2d(x!, { kernel: poolSize, strides, padding, dilations, ceilMode });
  }
  getConfig() {
    return { ...this.config, name: this.name };
  }
}

/** Options of the AvgPool2D layer. */
export interface AvgPool2DConfig extends Pool2DConfig {
  countIncludePad?: boolean;
}

/** Average pooling, per channel. */
export class AvgPool2D extends Layer {
  readonly className = 'AvgPool2D';
  constructor(readonly config: AvgPool2DConfig) {
    super(config.name);
  }
  call([x]: Tensor[]): Tensor {
    const { poolSize, strides, padding, dilations, ceilMode, countIncludePad } = this.config;
    return avgPool2d(x!, { kernel: poolSize, strides, padding, dilations, ceilMode, countIncludePad });
  }
  getConfig() {
    return { ...this.config, name: this.name };
  }
}

/** Mean over height and width: `[N, H, W, C]` to `[N, C]` (or `[N, 1, 1, C]` with keepDims). */
export class GlobalAveragePool extends Layer {
  readonly className = 'GlobalAveragePool';
  /** Keep the pooled height and width as size-1 dims: `[N, 1, 1, C]` (default `[N, C]`). */
  readonly keepDims: boolean;
  constructor(config: { name?: string; keepDims?: boolean } = {}) {
    super(config.name);
    this.keepDims = config.keepDims ?? false;
  }
  call([x]: Tensor[]): Tensor {
    const y = globalAvgPool(x!);
    return this.keepDims ? y : reshape(y, [x!.shape[0]!, x!.shape[3]!]);
  }
  getConfig() {
    return this.keepDims ? { name: this.name, keepDims: true } : { name: this.name };
  }
}

/** Max over height and width: `[N, H, W, C]` to `[N, C]` (or `[N, 1, 1, C]` with keepDims; the seed's "is the pattern anywhere?"). */
export class GlobalMaxPool extends Layer {
  readonly className = 'GlobalMaxPool';
  /** Keep the pooled height and width as size-1 dims: `[N, 1, 1, C]` (default `[N, C]`). */
  readonly keepDims: boolean;
  constructor(config: { name?: string; keepDims?: boolean } = {}) {
    super(config.name);
    this.keepDims = config.keepDims ?? false;
  }
  call([x]: Tensor[]): Tensor {
    const y = globalMaxPool(x!);
    return this.keepDims ? y : reshape(y, [x!.shape[0]!, x!.shape[3]!]);
  }
  getConfig() {
    return this.keepDims ? { name: this.name, keepDims: true } : { name: this.name };
  }
}
