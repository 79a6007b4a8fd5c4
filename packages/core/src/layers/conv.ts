import type { Shape } from '../backend.js';
import { conv2d } from '../ops/conv.js';
import { add } from '../ops/elementwise.js';
import type { Padding } from '../ops/padding.js';
import type { Tensor } from '../tensor.js';
import { type ActivationName, activationByName } from './activations.js';
import type { InitializerName } from './initializers.js';
import { Layer, type ParamSpec } from './layer.js';

/** Options of the Conv2D layer. */
export interface Conv2DConfig {
  name?: string;
  /** Number of filters: the output depth. */
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  /** 'valid' (default), 'same', or explicit pads. */
  padding?: Padding;
  dilations?: number | [number, number];
  /** 1 = full conv; the input depth = depthwise. */
  groups?: number;
  useBias?: boolean;
  /** Applied after the linear part (fused). Default 'linear'. */
  activation?: ActivationName;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/**
 * 2-D convolution: `filters` filters, each `kernelSize` in height and width and spanning the full input depth
 * (of its group), shared across every position; stacked into the output depth. Kernel `[kh, kw, in/groups, filters]`.
 */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly config: Required<Omit<Conv2DConfig, 'name'>>;

  constructor(config: Conv2DConfig) {
    super(config.name);
    this.config = {
      strides: 1,
      padding: 'valid',
      dilations: 1,
      groups: 1,
      useBias: true,
      activation: 'linear',
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      ...config,
    };
    activationByName(this.config.activation, `layer '${this.name}'`);
    if (!Number.isInteger(this.config.filters) || this.config.filters <= 0) {
      throw new Error(
        `layer '${this.name}' (Conv2D): filters must be a positive integer, got ${this.config.filters}`,
      );
    }
    const k = this.config.kernelSize;
    const sizes = typeof k === 'number' ? [k] : Array.isArray(k) && k.length === 2 ? k : null;
    if (!sizes?.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(
        `layer '${this.name}' (Conv2D): kernelSize must be a positive integer or [height, width], got ${JSON.stringify(k)}`,
      );
    }
  }

  override paramSpecs([shape]: Shape[]): ParamSpec[] {
    const [kh, kw] =
      typeof this.config.kernelSize === 'number'
        ? [this.config.kernelSize, this.config.kernelSize]
        : this.config.kernelSize;
    const depth = shape![shape!.length - 1]!;
    const specs: ParamSpec[] = [
      {
        name: 'kernel',
        shape: [kh, kw, Math.floor(depth / this.config.groups), this.config.filters],
        initializer: this.config.kernelInitializer,
        trainable: true,
      },
    ];
    if (this.config.useBias) {
      specs.push({
        name: 'bias',
        shape: [this.config.filters],
        initializer: this.config.biasInitializer,
        trainable: true,
      });
    }
    return specs;
  }

  call([x]: Tensor[], [kernel, bias]: Tensor[]): Tensor {
    const { strides, padding, dilations, groups, activation } = this.config;
    let y = conv2d(x!, kernel!, { strides, padding, dilations, groups });
    if (bias) y = add(y, bias);
    return activationByName(activation, this.name)(y);
  }

  getConfig() {
    return { name: this.name, ...this.config };
  }
}
