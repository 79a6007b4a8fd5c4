import type { Shape } from '../backend.js';
import { leakyRelu } from '../ops/activation.js';
import { add } from '../ops/elementwise.js';
import { flatten } from '../ops/layout.js';
import { matMul } from '../ops/matmul.js';
import { softmax } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { type ActivationName, activationByName } from './activations.js';
import type { InitializerName } from './initializers.js';
import { Layer, type ParamSpec } from './layer.js';

/** Options of the Dense layer. */
export interface DenseConfig {
  name?: string;
  units: number;
  useBias?: boolean;
  activation?: ActivationName;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/** Fully connected: every output sees every input, `x · kernel[in, units] + bias` on the last axis. */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly config: Required<Omit<DenseConfig, 'name'>>;
  constructor(config: DenseConfig) {
    super(config.name);
    this.config = {
      useBias: true,
      activation: 'linear',
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      ...config,
    };
    activationByName(this.config.activation, `layer '${this.name}'`);
    if (!Number.isInteger(config.units) || config.units <= 0) {
      throw new Error(`layer '${this.name}' (Dense): units must be a positive integer, got ${config.units}`);
    }
  }
  override paramSpecs([shape]: Shape[]): ParamSpec[] {
    const inFeatures = shape![shape!.length - 1] ?? 0;
    const specs: ParamSpec[] = [
      {
        name: 'kernel',
        shape: [inFeatures, this.config.units],
        initializer: this.config.kernelInitializer,
        trainable: true,
      },
    ];
    if (this.config.useBias) {
      specs.push({
        name: 'bias',
        shape: [this.config.units],
        initializer: this.config.biasInitializer,
        trainable: true,
      });
    }
    return specs;
  }
  call([x]: Tensor[], [kernel, bias]: Tensor[]): Tensor {
    if (x!.rank < 2) throw new Error(`Dense expects [batch, ..., features], got rank ${x!.rank}`);
    let y = matMul(x!, kernel!);
    if (bias) y = add(y, bias);
    return activationByName(this.config.activation, this.name)(y);
  }
  getConfig() {
    return { name: this.name, ...this.config };
  }
}

/** `[N, ...]` to `[N, features]`, in NHWC order (height, width, then depth). */
export class Flatten extends Layer {
  readonly className = 'Flatten';
  constructor(config: { name?: string } = {}) {
    super(config.name);
  }
  call([x]: Tensor[]): Tensor {
    return flatten(x!, 1);
  }
  getConfig() {
    return { name: this.name };
  }
}

/** Any named activation as its own layer. */
export class ActivationLayer extends Layer {
  readonly className: string = 'Activation';
  constructor(readonly config: { name?: string; activation: ActivationName }) {
    super(config.name);
    activationByName(config.activation, `layer '${this.name}'`);
  }
  call([x]: Tensor[]): Tensor {
    return activationByName(this.config.activation, this.name)(x!);
  }
  getConfig(): Record<string, unknown> {
    return { name: this.name, activation: this.config.activation };
  }
}

export class ReLU extends ActivationLayer {
  override readonly className = 'ReLU';
  constructor(config: { name?: string } = {}) {
    super({ name: config.name, activation: 'relu' });
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

export class Sigmoid extends ActivationLayer {
  override readonly className = 'Sigmoid';
  constructor(config: { name?: string } = {}) {
    super({ name: config.name, activation: 'sigmoid' });
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

export class Tanh extends ActivationLayer {
  override readonly className = 'Tanh';
  constructor(config: { name?: string } = {}) {
    super({ name: config.name, activation: 'tanh' });
  }
  override getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

export class LeakyReLU extends Layer {
  readonly className = 'LeakyReLU';
  constructor(readonly config: { name?: string; alpha?: number } = {}) {
    super(config.name);
  }
  call([x]: Tensor[]): Tensor {
    return leakyRelu(x!, this.config.alpha ?? 0.01);
  }
  getConfig() {
    return { name: this.name, alpha: this.config.alpha ?? 0.01 };
  }
}

export class Softmax extends Layer {
  readonly className = 'Softmax';
  constructor(readonly config: { name?: string; axis?: number } = {}) {
    super(config.name);
  }
  call([x]: Tensor[]): Tensor {
    return softmax(x!, this.config.axis ?? -1);
  }
  getConfig() {
    return { name: this.name, axis: this.config.axis ?? -1 };
  }
}
