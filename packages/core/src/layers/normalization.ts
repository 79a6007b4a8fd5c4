import type { Shape } from '../backend.js';
import { keep } from '../memory.js';
import { add, mul } from '../ops/elementwise.js';
import { batchNorm, batchNormTraining, lrn } from '../ops/normalization.js';
import type { Tensor } from '../tensor.js';
import { type CallContext, Layer, type ParamSpec } from './layer.js';

/** Options of the BatchNorm layer. */
export interface BatchNormConfig {
  name?: string;
  /** PyTorch convention: running = (1 - momentum) * running + momentum * batch. Default 0.1. */
  momentum?: number;
  epsilon?: number;
}

/**
 * Batch normalization over the last axis (channels). Training: normalize with the batch's mean and
 * variance and update the running statistics (unbiased variance, as PyTorch); inference: use the running ones.
 */
export class BatchNorm extends Layer {
  readonly className = 'BatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  constructor(config: BatchNormConfig = {}) {
    super(config.name);
    this.momentum = config.momentum ?? 0.1;
    this.epsilon = config.epsilon ?? 1e-5;
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`layer '${this.name}' (BatchNorm): momentum must be in [0, 1], got ${this.momentum}`);
    }
  }
  override paramSpecs([shape]: Shape[]): ParamSpec[] {
    const c = [shape![shape!.length - 1]!];
    return [
      { name: 'gamma', shape: c, initializer: 'ones', trainable: true },
      { name: 'beta', shape: c, initializer: 'zeros', trainable: true },
      { name: 'movingMean', shape: c, initializer: 'zeros', trainable: false },
      { name: 'movingVariance', shape: c, initializer: 'ones', trainable: false },
    ];
  }
  call([x]: Tensor[], [gamma, beta, movingMean, movingVariance]: Tensor[], ctx: CallContext): Tensor {
    // A frozen batch norm runs in inference mode in training too (Keras): its statistics stay as they are.
    if (!ctx.training || !this.trainable)
      return batchNorm(x!, movingMean!, movingVariance!, gamma!, beta!, this.epsilon);
    const { y, mean, variance } = batchNormTraining(x!, gamma!, beta!, this.epsilon);
    const count = x!.size / x!.shape[x!.rank - 1]!;
    const unbiased = count > 1 ? mul(variance, count / (count - 1)) : variance;
    // The new statistics outlive the training step's scopes: the model assigns them after the step.
    const blend = (running: Tensor, batch: Tensor) =>
      keep(add(mul(running, 1 - this.momentum), mul(batch, this.momentum)));
    ctx.updates.push(
      [this.variables[2]!, blend(movingMean!, mean)],
      [this.variables[3]!, blend(movingVariance!, unbiased)],
    );
    return y;
  }
  getConfig() {
    return { name: this.name, momentum: this.momentum, epsilon: this.epsilon };
  }
}

/** Options of the LRN (local response normalization) layer. */
export interface LRNConfig {
  name?: string;
  size: number;
  alpha?: number;
  beta?: number;
  bias?: number;
}

/** Local response normalization across channels (AlexNet). */
export class LRN extends Layer {
  readonly className = 'LRN';
  constructor(readonly config: LRNConfig) {
    super(config.name);
  }
  call([x]: Tensor[]): Tensor {
    return lrn(x!, this.config);
  }
  getConfig() {
    return { ...this.config, name: this.name };
  }
}
