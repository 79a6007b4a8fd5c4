import { engine } from '../engine.js';
import type { Variable } from '../layers/layer.js';
import { tidy } from '../memory.js';
import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';

/** Updates weights from their gradients. The rules match PyTorch's `torch.optim`. */
export interface Optimizer {
  readonly name: string;
  /** The step size; may be changed between steps (a schedule, e.g. from an `onEpochBegin` callback). */
  learningRate: number;
  /** One step: `grads[i]` is the gradient of `variables[i]`. */
  step(variables: Variable[], grads: Tensor[]): void;
  /** Frees the optimizer's state (momentum buffers, moments). */
  dispose(): void;
  getConfig(): Record<string, unknown>;
}

/** Optimizer state tensors, kept out of every `tidy`. */
class SlotStore {
  private readonly slots = new Map<Variable, Tensor>();
  get(v: Variable): Tensor | undefined {
    return this.slots.get(v);
  }
  set(v: Variable, t: Tensor): void {
    engine.keep(t);
    const old = this.slots.get(v);
    if (old !== t) old?.dispose();
    this.slots.set(v, t);
  }
  dispose(): void {
    this.slots.forEach((t) => t.dispose());
    this.slots.clear();
  }
}

export interface SGDConfig {
  learningRate: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient (PyTorch `weight_decay`). */
  weightDecay?: number;
}

/**
 * SGD as torch.optim.SGD: g += wd·w; v = μ·v + (1 - dampening)·g (v = g on the first step);
 * g = nesterov ? g + μ·v : v; w -= lr·g.
 */
export class SGD implements Optimizer {
  readonly name = 'SGD';
  private readonly velocity = new SlotStore();
  readonly config: Required<SGDConfig>;
  get learningRate(): number {
    return this.config.learningRate;
  }
  set learningRate(value: number) {
    if (!(value > 0 && Number.isFinite(value)))
      throw new Error(`${this.name}: learningRate must be > 0, got ${value}`);
    this.config.learningRate = value;
  }
  constructor(config: SGDConfig) {
    this.config = { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...config };
    checkConfig('SGD', this.config);
    if (this.config.nesterov && (this.config.momentum <= 0 || this.config.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
  }
  step(variables: Variable[], grads: Tensor[]): void {
    const { learningRate, momentum, dampening, nesterov, weightDecay } = this.config;
    variables.forEach((v, i) => {
      tidy(() => {
        let g = grads[i]!;
        if (weightDecay !== 0) g = add(g, mul(v.read(), weightDecay));
        if (momentum !== 0) {
          const previous = this.velocity.get(v);
          const buffer = previous ? add(mul(previous, momentum), mul(g, 1 - dampening)) : add(g, 0);
          this.velocity.set(v, buffer);
          g = nesterov ? add(g, mul(buffer, momentum)) : buffer;
        }
        v.assign(sub(v.read(), mul(g, learningRate)));
      });
    });
  }
  dispose(): void {
    this.velocity.dispose();
  }
  getConfig() {
    return { ...this.config };
  }
}

export interface AdamConfig {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly (w -= lr·wd·w) instead of adding wd·w to the gradient. */
  decoupledWeightDecay?: boolean;
}

/**
 * Adam as torch.optim.Adam (AdamW with `decoupledWeightDecay`): m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
 * w -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε).
 */
export class Adam implements Optimizer {
  readonly name = 'Adam';
  private readonly m = new SlotStore();
  private readonly v = new SlotStore();
  private t = 0;
  readonly config: Required<AdamConfig>;
  get learningRate(): number {
    return this.config.learningRate;
  }
  set learningRate(value: number) {
    if (!(value > 0 && Number.isFinite(value)))
      throw new Error(`${this.name}: learningRate must be > 0, got ${value}`);
    this.config.learningRate = value;
  }
  constructor(config: AdamConfig = {}) {
    this.config = {
      learningRate: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0,
      decoupledWeightDecay: false,
      ...config,
    };
    checkConfig('Adam', this.config);
  }
  step(variables: Variable[], grads: Tensor[]): void {
    const { learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay } = this.config;
    this.t++;
    const stepSize = learningRate / (1 - beta1 ** this.t);
    const bias2 = Math.sqrt(1 - beta2 ** this.t);
    variables.forEach((variable, i) => {
      tidy(() => {
        let g = grads[i]!;
        let w = variable.read();
        if (weightDecay !== 0) {
          if (decoupledWeightDecay) w = mul(w, 1 - learningRate * weightDecay);
          else g = add(g, mul(w, weightDecay));
        }
        const m0 = this.m.get(variable);
        const v0 = this.v.get(variable);
        const m = m0 ? add(mul(m0, beta1), mul(g, 1 - beta1)) : mul(g, 1 - beta1);
        const v = v0 ? add(mul(v0, beta2), mul(square(g), 1 - beta2)) : mul(square(g), 1 - beta2);
        this.m.set(variable, m);
        this.v.set(variable, v);
        variable.assign(sub(w, mul(div(m, add(div(sqrt(v), bias2), epsilon)), stepSize)));
      });
    });
  }
  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
  getConfig() {
    return { ...this.config };
  }
}

function checkConfig(name: string, config: object): void {
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) {
      throw new Error(`${name}: ${key} must be a finite number >= 0, got ${value}`);
    }
  }
  const lr = (config as { learningRate: number }).learningRate;
  if (!(lr > 0)) throw new Error(`${name}: learningRate must be > 0, got ${lr}`);
}
