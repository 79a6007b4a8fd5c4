import type { Shape } from '../backend.js';
import { conv2d, conv2dTranspose, depthwiseConv2d } from '../ops/conv.js';
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

/** `[kh, kw]` from a kernelSize option, or an error naming the layer. */
function kernelPair(layer: Layer, className: string, k: unknown): [number, number] {
  const sizes = typeof k === 'number' ? [k, k] : Array.isArray(k) && k.length === 2 ? k : null;
  if (!sizes?.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(
      `layer '${layer.name}' (${className}): kernelSize must be a positive integer or [height, width], got ${JSON.stringify(k)}`,
    );
  }
  return [sizes[0] as number, sizes[1] as number];
}

function positiveInt(layer: Layer, className: string, what: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) <= 0) {
    throw new Error(
      `layer '${layer.name}' (${className}): ${what} must be a positive integer, got ${JSON.stringify(v)}`,
    );
  }
}

/** Options of the Conv2DTranspose layer. */
export interface Conv2DTransposeConfig {
  name?: string;
  /** Output depth. */
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  /** 'valid' (default: output `(in - 1)·stride + extent`), 'same' (output `in·stride`), or explicit pads. */
  padding?: Padding;
  /** Extra rows/cols at the bottom/right of the output. */
  outputPadding?: number | [number, number];
  dilations?: number | [number, number];
  useBias?: boolean;
  activation?: ActivationName;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/**
 * Transposed convolution ("deconvolution"): the gradient of a conv with respect to its input, used as an
 * upsampling layer (core's conv2dBackpropInput kernel). Kernel `[kh, kw, filters, inDepth]` (Keras's layout).
 */
export class Conv2DTranspose extends Layer {
  readonly className = 'Conv2DTranspose';
  readonly config: Required<Omit<Conv2DTransposeConfig, 'name'>>;
  constructor(config: Conv2DTransposeConfig) {
    super(config.name);
    this.config = {
      strides: 1,
      padding: 'valid',
      outputPadding: 0,
      dilations: 1,
      useBias: true,
      activation: 'linear',
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      ...config,
    };
    activationByName(this.config.activation, `layer '${this.name}'`);
    positiveInt(this, this.className, 'filters', this.config.filters);
    kernelPair(this, this.className, this.config.kernelSize);
  }
  override paramSpecs([shape]: Shape[]): ParamSpec[] {
    const [kh, kw] = kernelPair(this, this.className, this.config.kernelSize);
    const depth = shape![shape!.length - 1]!;
    const { filters, kernelInitializer, biasInitializer } = this.config;
    const specs: ParamSpec[] = [
      { name: 'kernel', shape: [kh, kw, filters, depth], initializer: kernelInitializer, trainable: true },
    ];
    if (this.config.useBias) {
      specs.push({ name: 'bias', shape: [filters], initializer: biasInitializer, trainable: true });
    }
    return specs;
  }
  call([x]: Tensor[], [kernel, bias]: Tensor[]): Tensor {
    const { strides, padding, outputPadding, dilations, activation } = this.config;
    let y = conv2dTranspose(x!, kernel!, { strides, padding, outputPadding, dilations });
    if (bias) y = add(y, bias);
    return activationByName(activation, this.name)(y);
  }
  getConfig() {
    return { name: this.name, ...this.config };
  }
}

/** Options of the DepthwiseConv2D layer. */
export interface DepthwiseConv2DConfig {
  name?: string;
  kernelSize: number | [number, number];
  /** Filters per input channel (default 1): the output depth is `inDepth · depthMultiplier`. */
  depthMultiplier?: number;
  strides?: number | [number, number];
  padding?: Padding;
  dilations?: number | [number, number];
  useBias?: boolean;
  activation?: ActivationName;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/**
 * Depthwise convolution: each input channel convolved with its own `depthMultiplier` filters, no mixing
 * across channels (a grouped conv with groups = input depth). Kernel `[kh, kw, 1, inDepth · multiplier]`.
 */
export class DepthwiseConv2D extends Layer {
  readonly className = 'DepthwiseConv2D';
  readonly config: Required<Omit<DepthwiseConv2DConfig, 'name'>>;
  constructor(config: DepthwiseConv2DConfig) {
    super(config.name);
    this.config = {
      depthMultiplier: 1,
      strides: 1,
      padding: 'valid',
      dilations: 1,
      useBias: true,
      activation: 'linear',
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      ...config,
    };
    activationByName(this.config.activation, `layer '${this.name}'`);
    positiveInt(this, this.className, 'depthMultiplier', this.config.depthMultiplier);
    kernelPair(this, this.className, this.config.kernelSize);
  }
  override paramSpecs([shape]: Shape[]): ParamSpec[] {
    const [kh, kw] = kernelPair(this, this.className, this.config.kernelSize);
    const out = shape![shape!.length - 1]! * this.config.depthMultiplier;
    const specs: ParamSpec[] = [
      {
        name: 'kernel',
        shape: [kh, kw, 1, out],
        initializer: this.config.kernelInitializer,
        trainable: true,
      },
    ];
    if (this.config.useBias) {
      specs.push({ name: 'bias', shape: [out], initializer: this.config.biasInitializer, trainable: true });
    }
    return specs;
  }
  call([x]: Tensor[], [kernel, bias]: Tensor[]): Tensor {
    const { strides, padding, dilations, activation } = this.config;
    let y = depthwiseConv2d(x!, kernel!, { strides, padding, dilations });
    if (bias) y = add(y, bias);
    return activationByName(activation, this.name)(y);
  }
  getConfig() {
    return { name: this.name, ...this.config };
  }
}

/** Options of the SeparableConv2D layer. */
export interface SeparableConv2DConfig extends DepthwiseConv2DConfig {
  /** Output depth of the pointwise (1x1) conv. */
  filters: number;
  pointwiseInitializer?: InitializerName;
}

/**
 * Depthwise-separable convolution (Xception, MobileNet): a depthwise conv (spatial filtering per channel)
 * then a 1x1 conv (mixing channels), with one bias after both. Far fewer weights than a full conv:
 * `kh·kw·in·m + in·m·filters` instead of `kh·kw·in·filters`.
 */
export class SeparableConv2D extends Layer {
  readonly className = 'SeparableConv2D';
  readonly config: Required<Omit<SeparableConv2DConfig, 'name'>>;
  constructor(config: SeparableConv2DConfig) {
    super(config.name);
    this.config = {
      depthMultiplier: 1,
      strides: 1,
      padding: 'valid',
      dilations: 1,
      useBias: true,
      activation: 'linear',
      kernelInitializer: 'glorotUniform',
      pointwiseInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      ...config,
    };
    activationByName(this.config.activation, `layer '${this.name}'`);
    positiveInt(this, this.className, 'filters', this.config.filters);
    positiveInt(this, this.className, 'depthMultiplier', this.config.depthMultiplier);
    kernelPair(this, this.className, this.config.kernelSize);
  }
  override paramSpecs([shape]: Shape[]): ParamSpec[] {
    const [kh, kw] = kernelPair(this, this.className, this.config.kernelSize);
    const mid = shape![shape!.length - 1]! * this.config.depthMultiplier;
    const { filters } = this.config;
    const specs: ParamSpec[] = [
      {
        name: 'depthwiseKernel',
        shape: [kh, kw, 1, mid],
        initializer: this.config.kernelInitializer,
        trainable: true,
      },
      {
        name: 'pointwiseKernel',
        shape: [1, 1, mid, filters],
        initializer: this.config.pointwiseInitializer,
        trainable: true,
      },
    ];
    if (this.config.useBias) {
      specs.push({
        name: 'bias',
        shape: [filters],
        initializer: this.config.biasInitializer,
        trainable: true,
      });
    }
    return specs;
  }
  call([x]: Tensor[], [depthwise, pointwise, bias]: Tensor[]): Tensor {
    const { strides, padding, dilations, activation } = this.config;
    let y = conv2d(depthwiseConv2d(x!, depthwise!, { strides, padding, dilations }), pointwise!);
    if (bias) y = add(y, bias);
    return activationByName(activation, this.name)(y);
  }
  getConfig() {
    return { name: this.name, ...this.config };
  }
}
