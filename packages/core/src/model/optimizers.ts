import { engine } from '../engine.js';
import type { Variable } from '../layers/layer.js';
import { tidy } from '../memory.js';
import { add, div, mul, sqrt, square, sub } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';

/**
 * Updates weights from their gradients. The rules match PyTorch's `torch.optim`. A step is a transaction:
 * `prepare` computes the new weights and state without touching anything, then `commit` applies them or
 * `abort` drops them, so a step that would make a weight non-finite can be refused with nothing changed.
 */
export interface Optimizer {
  readonly name: string;
  /** The step size; may be changed between steps (a schedule, e.g. from an `onEpochBegin` callback). */
  learningRate: number;
  /** One step, applied at once: `grads[i]` is the gradient of `variables[i]`. */
  step(variables: Variable[], grads: Tensor[]): void;
  /** The new value of each variable for one step (kept out of every `tidy`); nothing is changed yet. */
  prepare(variables: Variable[], grads: Tensor[]): Tensor[];
  /** Applies the prepared step: the weights take `values`, the optimizer its new state. */
  commit(variables: Variable[], values: Tensor[]): void;
  /** Drops the prepared step: weights and state stay as they were. */
  abort(values: Tensor[]): void;
  /** Frees the optimizer's state (momentum buffers, moments). */
  dispose(): void;
  /** The hyperparameters, for saving and messages. */
  getConfig(): Record<string, unknown>;
}

/** Optimizer state tensors, kept out of every `tidy`; new values wait (staged) until the step commits. */
class SlotStore {
  private readonly slots = new Map<Variable, Tensor>();
  private readonly staged = new Map<Variable, Tensor>();
  get(v: Variable): Tensor | undefined {
    return this.slots.get(v);
  }
  stage(v: Variable, t: Tensor): void {
    engine.keep(t);
    this.staged.get(v)?.dispose();
    this.staged.set(v, t);
  }
  commit(): void {
    for (const [v, t] of this.staged) {
      const old = this.slots.get(v);
      if (old !== t) old?.dispose();
      this.slots.set(v, t);
    }
    this.staged.clear();
  }
  abort(): void {
    this.staged.forEach((t) => t.dispose());
    this.staged.clear();
  }
  dispose(): void {
    this.abort();
    this.slots.forEach((t) => t.dispose());
    this.slots.clear();
  }
}

/** What every optimizer shares: the learning rate's checks and the transaction around `prepare`. */
abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: string;
  abstract readonly config: { learningRate: number };
  protected abstract readonly slots: readonly SlotStore[];
  /** The step count after the prepared step commits (Adam's bias correction needs it). */
  protected steps = 0;

  get learningRate(): number {
    return this.config.learningRate;
  }
  set learningRate(value: number) {
    if (!(value > 0 && Number.isFinite(value)))
      throw new Error(`${this.name}: learningRate must be a finite number > 0, got ${value}`);
    this.config.learningRate = value;
  }

  /** The new value of variable `v` at step `t` (1-based), staging its state in the slot stores. */
  protected abstract update(v: Variable, g: Tensor, t: number): Tensor;

  prepare(variables: Variable[], grads: Tensor[]): Tensor[] {
    if (variables.length !== grads.length) {
      throw new Error(`${this.name}: ${variables.length} variables but ${grads.length} gradients`);
    }
    return variables.map((v, i) => {
      const value = tidy(() => this.update(v, grads[i]!, this.steps + 1));
      engine.keep(value);
      return value;
    });
  }

  commit(variables: Variable[], values: Tensor[]): void {
    variables.forEach((v, i) => v.assign(values[i]!));
    for (const store of this.slots) store.commit();
    this.steps++;
  }

  abort(values: Tensor[]): void {
    values.forEach((t) => t.dispose());
    for (const store of this.slots) store.abort();
  }

  step(variables: Variable[], grads: Tensor[]): void {
    this.commit(variables, this.prepare(variables, grads));
  }

  dispose(): void {
    for (const store of this.slots) store.dispose();
  }

  getConfig() {
    return { ...this.config };
  }
}

/** Options of `SGD`. */
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
export class SGD extends BaseOptimizer {
  readonly name = 'SGD';
  private readonly velocity = new SlotStore();
  protected readonly slots = [this.velocity];
  readonly config: Required<SGDConfig>;
  constructor(config: SGDConfig) {
    super();
    this.config = { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...config };
    checkConfig('SGD', this.config);
    checkFraction('SGD', 'momentum', this.config.momentum);
    if (this.config.dampening > 1)
      throw new Error(`SGD: dampening must be in [0, 1], got ${this.config.dampening}`);
    if (this.config.nesterov && (this.config.momentum <= 0 || this.config.dampening !== 0)) {
      throw new Error('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
    }
  }
  protected update(v: Variable, grad: Tensor): Tensor {
    const { learningRate, momentum, dampening, nesterov, weightDecay } = this.config;
    let g = grad;
    if (weightDecay !== 0) g = add(g, mul(v.read(), weightDecay));
    if (momentum !== 0) {
      const previous = this.velocity.get(v);
      const buffer = previous ? add(mul(previous, momentum), mul(g, 1 - dampening)) : add(g, 0);
      this.velocity.stage(v, buffer);
      g = nesterov ? add(g, mul(buffer, momentum)) : buffer;
    }
    return sub(v.read(), mul(g, learningRate));
  }
}

/** Options of `Adam` (AdamW with `weightDecay` and `decoupledWeightDecay`). */
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
export class Adam extends BaseOptimizer {
  readonly name = 'Adam';
  private readonly m = new SlotStore();
  private readonly v = new SlotStore();
  protected readonly slots = [this.m, this.v];
  readonly config: Required<AdamConfig>;
  constructor(config: AdamConfig = {}) {
    super();
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
    checkFraction('Adam', 'beta1', this.config.beta1);
    checkFraction('Adam', 'beta2', this.config.beta2);
  }
  protected update(variable: Variable, grad: Tensor, t: number): Tensor {
    const { learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay } = this.config;
    const stepSize = learningRate / (1 - beta1 ** t);
    const bias2 = Math.sqrt(1 - beta2 ** t);
    let g = grad;
    let w = variable.read();
    if (weightDecay !== 0) {
      if (decoupledWeightDecay) w = mul(w, 1 - learningRate * weightDecay);
      else g = add(g, mul(w, weightDecay));
    }
    const m0 = this.m.get(variable);
    const v0 = this.v.get(variable);
    const m = m0 ? add(mul(m0, beta1), mul(g, 1 - beta1)) : mul(g, 1 - beta1);
    const v = v0 ? add(mul(v0, beta2), mul(square(g), 1 - beta2)) : mul(square(g), 1 - beta2);
    this.m.stage(variable, m);
    this.v.stage(variable, v);
    return sub(w, mul(div(m, add(div(sqrt(v), bias2), epsilon)), stepSize));
  }
}

/** Momentum-like coefficients: 1 or more never forgets (or divides by zero in Adam's bias correction). */
function checkFraction(name: string, key: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new Error(`${name}: ${key} must be in [0, 1), got ${value}`);
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
