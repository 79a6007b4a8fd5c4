import { engine } from '../engine.js';
import type { Variable } from '../layers/layer.js';
import { tidy } from '../memory.js';
import { clip } from '../ops/activation.js';
import { add, div, minimum, mul, sqrt, square, sub } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
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

/**
 * Gradient clipping, on every optimizer, applied to the gradients before the update rule: first each
 * element to [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_), then all gradients together scaled
 * by min(1, clipNorm / (‖g‖ + 1e-6)), where ‖g‖ is the global L2 norm over every variable's gradient
 * (torch.nn.utils.clip_grad_norm_ with norm_type 2).
 */
export interface ClipConfig {
  /** The largest global L2 norm of the gradients (> 0). */
  clipNorm?: number | undefined;
  /** The largest absolute value of each gradient element (> 0). */
  clipValue?: number | undefined;
}

/** What every optimizer shares: the learning rate's checks, gradient clipping and the transaction around `prepare`. */
abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: string;
  abstract readonly config: { learningRate: number } & ClipConfig;
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
    const clipped = this.clip(grads);
    try {
      return variables.map((v, i) => {
        const value = tidy(() => this.update(v, clipped[i]!, this.steps + 1));
        engine.keep(value);
        return value;
      });
    } finally {
      if (clipped !== grads) clipped.forEach((g) => g.dispose());
    }
  }

  /** The clipped gradients (new tensors, kept; the caller disposes them), or `grads` itself without clipping. */
  private clip(grads: Tensor[]): Tensor[] {
    const { clipNorm, clipValue } = this.config;
    if (clipNorm === undefined && clipValue === undefined) return grads;
    const clipped = tidy(() => {
      let gs = clipValue === undefined ? grads : grads.map((g) => clip(g, -clipValue, clipValue));
      if (clipNorm !== undefined && gs.length > 0) {
        const norm = sqrt(gs.map((g) => sum(square(g))).reduce((a, b) => add(a, b)));
        // As torch's clip_grad_norm_: the coefficient is clamped at 1, so small gradients stay as they are.
        const coefficient = minimum(div(clipNorm, add(norm, 1e-6)), 1);
        gs = gs.map((g) => mul(g, coefficient));
      }
      return gs;
    });
    clipped.forEach((g) => engine.keep(g));
    return clipped;
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
export interface SGDConfig extends ClipConfig {
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
  readonly config: Required<Omit<SGDConfig, keyof ClipConfig>> & ClipConfig;
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
export interface AdamConfig extends ClipConfig {
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
  readonly config: Required<Omit<AdamConfig, keyof ClipConfig>> & ClipConfig;
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

function checkConfig(name: string, config: ClipConfig): void {
  for (const key of ['clipNorm', 'clipValue'] as const) {
    const value = config[key];
    if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new Error(`${name}: ${key} must be a finite number > 0, got ${value}`);
    }
  }
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) {
      throw new Error(`${name}: ${key} must be a finite number >= 0, got ${value}`);
    }
  }
  const lr = (config as { learningRate: number }).learningRate;
  if (!(lr > 0)) throw new Error(`${name}: learningRate must be > 0, got ${lr}`);
}

/** Options of `RMSprop` (defaults as torch.optim.RMSprop). */
export interface RMSpropConfig extends ClipConfig {
  /** Default 0.01. */
  learningRate?: number;
  /** Smoothing constant of the squared-gradient average (PyTorch `alpha`), in [0, 1); default 0.99. */
  rho?: number;
  /** Added to the root mean square (outside the square root, as PyTorch); default 1e-8. */
  epsilon?: number;
  /** Default 0 (no momentum buffer). */
  momentum?: number;
  /** Normalise by the centred second moment (an estimate of the gradient's variance); default false. */
  centered?: boolean;
  /** L2 penalty added to the gradient (PyTorch `weight_decay`). */
  weightDecay?: number;
}

/**
 * RMSprop as torch.optim.RMSprop: g += wd·w; s = ρ·s + (1-ρ)·g²; centred: a = ρ·a + (1-ρ)·g and
 * d = sqrt(s - a²) + ε, else d = sqrt(s) + ε; with momentum: b = μ·b + g/d, w -= lr·b; without:
 * w -= lr·g/d. Every state starts at zero.
 */
export class RMSprop extends BaseOptimizer {
  readonly name = 'RMSprop';
  private readonly squareAverage = new SlotStore();
  private readonly gradAverage = new SlotStore();
  private readonly buffer = new SlotStore();
  protected readonly slots = [this.squareAverage, this.gradAverage, this.buffer];
  readonly config: Required<Omit<RMSpropConfig, keyof ClipConfig>> & ClipConfig;
  constructor(config: RMSpropConfig = {}) {
    super();
    this.config = {
      learningRate: 0.01,
      rho: 0.99,
      epsilon: 1e-8,
      momentum: 0,
      centered: false,
      weightDecay: 0,
      ...config,
    };
    checkConfig('RMSprop', this.config);
    checkFraction('RMSprop', 'rho', this.config.rho);
    checkFraction('RMSprop', 'momentum', this.config.momentum);
  }
  protected update(variable: Variable, grad: Tensor): Tensor {
    const { learningRate, rho, epsilon, momentum, centered, weightDecay } = this.config;
    const w = variable.read();
    const g = weightDecay !== 0 ? add(grad, mul(w, weightDecay)) : grad;
    const s0 = this.squareAverage.get(variable);
    const s = s0 ? add(mul(s0, rho), mul(square(g), 1 - rho)) : mul(square(g), 1 - rho);
    this.squareAverage.stage(variable, s);
    let variance = s;
    if (centered) {
      const a0 = this.gradAverage.get(variable);
      const a = a0 ? add(mul(a0, rho), mul(g, 1 - rho)) : mul(g, 1 - rho);
      this.gradAverage.stage(variable, a);
      variance = sub(s, square(a));
    }
    const step = div(g, add(sqrt(variance), epsilon));
    if (momentum === 0) return sub(w, mul(step, learningRate));
    const b0 = this.buffer.get(variable);
    const b = b0 ? add(mul(b0, momentum), step) : add(step, 0);
    this.buffer.stage(variable, b);
    return sub(w, mul(b, learningRate));
  }
}

/** Options of `Adagrad` (defaults as torch.optim.Adagrad). */
export interface AdagradConfig extends ClipConfig {
  /** Default 0.01. */
  learningRate?: number;
  /** The learning rate at step t is lr / (1 + (t - 1)·lrDecay); default 0. */
  lrDecay?: number;
  /** Where the sum of squared gradients starts; default 0. */
  initialAccumulatorValue?: number;
  /** Added to the square root of the sum (outside it, as PyTorch); default 1e-10. */
  epsilon?: number;
  /** L2 penalty added to the gradient (PyTorch `weight_decay`). */
  weightDecay?: number;
}

/**
 * Adagrad as torch.optim.Adagrad: g += wd·w; lr_t = lr / (1 + (t-1)·lrDecay); s += g²;
 * w -= lr_t · g / (sqrt(s) + ε), with s starting at `initialAccumulatorValue`.
 */
export class Adagrad extends BaseOptimizer {
  readonly name = 'Adagrad';
  private readonly accumulator = new SlotStore();
  protected readonly slots = [this.accumulator];
  readonly config: Required<Omit<AdagradConfig, keyof ClipConfig>> & ClipConfig;
  constructor(config: AdagradConfig = {}) {
    super();
    this.config = {
      learningRate: 0.01,
      lrDecay: 0,
      initialAccumulatorValue: 0,
      epsilon: 1e-10,
      weightDecay: 0,
      ...config,
    };
    checkConfig('Adagrad', this.config);
  }
  protected update(variable: Variable, grad: Tensor, t: number): Tensor {
    const { learningRate, lrDecay, initialAccumulatorValue, epsilon, weightDecay } = this.config;
    const w = variable.read();
    const g = weightDecay !== 0 ? add(grad, mul(w, weightDecay)) : grad;
    const rate = learningRate / (1 + (t - 1) * lrDecay);
    const s0 = this.accumulator.get(variable);
    const s = s0 ? add(s0, square(g)) : add(square(g), initialAccumulatorValue);
    this.accumulator.stage(variable, s);
    return sub(w, mul(div(g, add(sqrt(s), epsilon)), rate));
  }
}
