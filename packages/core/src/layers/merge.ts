import { tensor } from '../ops/creation.js';
import { add, div, greater, mul } from '../ops/elementwise.js';
import { concat } from '../ops/layout.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { type CallContext, Layer } from './layer.js';

/**
 * Joins branches along an axis (default: depth). Inception joins its parallel 1x1/3x3/5x5/pool branches
 * this way; DenseNet concatenates every layer's output onto all earlier ones.
 */
export class Concat extends Layer {
  readonly className = 'Concat';
  readonly axis: number;
  constructor(config: { name?: string; axis?: number } = {}) {
    super(config.name);
    this.axis = config.axis ?? -1;
    this.maxInputs = Number.POSITIVE_INFINITY;
  }
  call(inputs: Tensor[]): Tensor {
    return concat(inputs, this.axis);
  }
  getConfig() {
    return { name: this.name, axis: this.axis };
  }
}

/** Sums branches element-wise: ResNet's skip connection, `F(x) + x`. */
export class Add extends Layer {
  readonly className = 'Add';
  constructor(config: { name?: string } = {}) {
    super(config.name);
    this.minInputs = 2;
    this.maxInputs = Number.POSITIVE_INFINITY;
  }
  call(inputs: Tensor[]): Tensor {
    const shapes = inputs.map((t) => `[${t.shape.join(',')}]`);
    if (new Set(shapes).size > 1)
      throw new Error(`add: all inputs must have the same shape, got ${shapes.join(', ')}`);
    return inputs.slice(1).reduce((acc, t) => add(acc, t), inputs[0]!);
  }
  getConfig() {
    return { name: this.name };
  }
}

/** Inverted dropout: in training, zero each value with probability `rate` and scale the rest by 1/(1-rate). */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  constructor(config: { name?: string; rate: number }) {
    super(config.name);
    this.rate = config.rate;
    if (!(this.rate >= 0 && this.rate < 1)) {
      throw new Error(`layer '${this.name}' (Dropout): rate must be in [0, 1), got ${this.rate}`);
    }
  }
  call([x]: Tensor[], _params: Tensor[], ctx: CallContext): Tensor {
    if (!ctx.training || this.rate === 0) return x!;
    // The mask comes from the model's seeded generator, so a seed reproduces a run on any backend.
    const mask = new Float32Array(sizeOf(x!.shape));
    for (let i = 0; i < mask.length; i++) mask[i] = ctx.random.next();
    const keepMask = greater(tensor(mask, x!.shape, x!.backend), this.rate);
    return div(mul(x!, keepMask), 1 - this.rate);
  }
  getConfig() {
    return { name: this.name, rate: this.rate };
  }
}
