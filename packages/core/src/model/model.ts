import { getBackend } from '../backends.js';
import { initialize } from '../layers/initializers.js';
import {
  type CallContext,
  InputLayer,
  type Layer,
  type Node,
  type SymbolicTensor,
  type Variable,
} from '../layers/layer.js';
import { tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { concat, slice } from '../ops/layout.js';
import { Random } from '../random.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  type CompileConfig,
  checkCompileConfig,
  type Dataset,
  type EpochLogs,
  type EvaluateResult,
  evaluate,
  evaluateDataset,
  type FitDatasetOptions,
  type FitOptions,
  fit,
  fitDataset,
} from './training.js';

/** What a `Model` is built from. */
export interface ModelConfig {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
  /** Seed of the initial weights and of dropout masks: the same seed gives the same weights on every backend. */
  seed?: number;
}

/**
 * A network as a directed acyclic graph of layer applications, built from symbolic tensors (functional
 * API): several inputs and outputs, branches joined by Concat or Add. Checked when built: cycles, inputs
 * the outputs depend on but that are not declared, and declared inputs nothing uses are all errors.
 */
export class Model {
  readonly name: string;
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  /** Layer applications in execution (topological) order, inputs included. */
  readonly nodes: Node[];
  /** Distinct layers, in execution order. */
  readonly layers: Layer[];
  readonly seed: number;
  /** Generator for dropout masks and shuffling, seeded from `seed`. */
  readonly random: Random;
  /**
   * Set to true (from a callback) to stop `fit` / `fitDataset` after the current batch: the epoch's logs
   * and the history so far are kept and returned. Reset to false when training starts.
   */
  stopTraining = false;
  private initialized = false;
  private disposed = false;
  private training = false;
  private compiled: CompileConfig | null = null;

  constructor(config: ModelConfig) {
    this.name = config.name ?? 'model';
    this.inputs = [config.inputs].flat();
    if (new Set(this.inputs).size !== this.inputs.length) {
      throw new Error(`model '${config.name ?? 'model'}': an input is listed twice`);
    }
    this.outputs = [config.outputs].flat();
    this.seed = config.seed ?? 42;
    this.random = new Random(this.seed + 1);
    if (this.outputs.length === 0) throw new Error(`model '${this.name}': needs at least one output`);
    this.nodes = topologicalOrder(this.name, this.inputs, this.outputs);
    const used = new Set(this.nodes.map((n) => n.output));
    for (const x of this.inputs) {
      if (!(x.node.layer instanceof InputLayer)) {
        throw new Error(`model '${this.name}': input ${x} is not an input() placeholder`);
      }
      if (!used.has(x)) {
        throw new Error(
          `model '${this.name}': input '${x.node.layer.name}' is not connected to any output (dangling input)`,
        );
      }
    }
    this.layers = [...new Set(this.nodes.map((n) => n.layer))].filter((l) => !(l instanceof InputLayer));
    const names = new Set<string>();
    for (const layer of this.layers) {
      if (names.has(layer.name))
        throw new Error(`model '${this.name}': two layers are named '${layer.name}'`);
      names.add(layer.name);
    }
  }

  /** Every weight, in layer order. */
  get variables(): Variable[] {
    return this.layers.flatMap((l) => l.variables);
  }

  get trainableVariables(): Variable[] {
    return this.variables.filter((v) => v.trainable);
  }

  /** The number of weights, all and trainable, counted from the shapes (no weights are created). */
  countParams(): { total: number; trainable: number } {
    const size = (v: Variable) => v.spec.shape.reduce((a, b) => a * b, 1);
    return {
      total: this.variables.reduce((n, v) => n + size(v), 0),
      trainable: this.trainableVariables.reduce((n, v) => n + size(v), 0),
    };
  }

  /**
   * Creates every weight from the model's seed, on the current backend, drawn in layer order on the host
   * (so the values do not depend on the backend). Runs by itself on first use.
   */
  initialize(seed = this.seed): this {
    const random = new Random(seed);
    for (const v of this.variables) {
      v.assign(tensor(initialize(v.spec.initializer, v.spec.shape, random), v.spec.shape));
    }
    this.initialized = true;
    return this;
  }

  /** Marks the weights as set (after `setWeights` or loading). */
  markInitialized(): void {
    this.initialized = true;
  }

  /** Refuses to run a disposed model (its weights are gone; running it would re-initialize them). */
  assertAlive(op: string): void {
    if (this.disposed) {
      throw new Error(`${op}: model '${this.name}' has been disposed; build or load it again`);
    }
  }

  /** Initializes the weights from the seed unless they were initialized or set already. */
  ensureInitialized(): void {
    this.assertAlive('model');
    if (this.initialized) return;
    // A model built on layers of another (e.g. to read intermediate outputs) shares their weights.
    if (this.variables.every((v) => v.value)) this.initialized = true;
    else this.initialize();
  }

  /** Checks tensors fed to the model against its inputs: `[batch, ...shape]`, one batch size. */
  checkInputs(op: string, xs: Tensor[]): void {
    if (xs.length !== this.inputs.length) {
      throw new Error(`${op}: model '${this.name}' has ${this.inputs.length} input(s), got ${xs.length}`);
    }
    xs.forEach((x, i) => {
      const expected = this.inputs[i]!.shape;
      const name = this.inputs[i]!.node.layer.name;
      x.assertAlive(op, `input '${name}'`);
      if (x.rank !== expected.length + 1 || expected.some((d, j) => d !== x.shape[j + 1])) {
        throw new Error(
          `${op}: input '${name}' expects shape [batch,${expected.join(',')}], got ${fmt(x.shape)}`,
        );
      }
      if (x.shape[0]! !== xs[0]!.shape[0]!) {
        throw new Error(`${op}: inputs have different batch sizes (${xs[0]!.shape[0]} and ${x.shape[0]})`);
      }
    });
  }

  /**
   * Runs the graph. `params` replaces variable values (used by training to differentiate with respect to
   * them); `ctx` carries the mode, the random generator and the state updates.
   */
  forward(xs: Tensor[], ctx: CallContext, params?: Map<Variable, Tensor>): Tensor[] {
    this.ensureInitialized();
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((s, i) => values.set(s, xs[i]!));
    for (const node of this.nodes) {
      if (node.layer instanceof InputLayer) continue;
      const inputs = node.inputs.map((s) => values.get(s)!);
      const weights = node.layer.variables.map((v) => params?.get(v) ?? v.read());
      let y: Tensor;
      try {
        y = node.layer.call(inputs, weights, ctx);
      } catch (error) {
        throw new Error(`layer '${node.layer.name}' (${node.layer.className}): ${(error as Error).message}`);
      }
      values.set(node.output, y);
    }
    return this.outputs.map((s) => values.get(s)!);
  }

  /**
   * Inference on a batch (or split into batches of `batchSize`) of a single-output model. A model with
   * several outputs is refused (rather than returning only the first): use `predictAll`.
   */
  predict(x: Tensor | Tensor[], options: { batchSize?: number | undefined } = {}): Tensor {
    this.assertAlive('predict');
    if (this.outputs.length !== 1) {
      throw new Error(
        `predict: model '${this.name}' has ${this.outputs.length} outputs (${this.outputs.map((s) => s.node.layer.name).join(', ')}); use predictAll, which returns every output`,
      );
    }
    return this.infer('predict', x, options)[0]!;
  }

  /** Inference on a batch (or split into batches of `batchSize`): every output, in `outputs` order. */
  predictAll(x: Tensor | Tensor[], options: { batchSize?: number | undefined } = {}): Tensor[] {
    this.assertAlive('predictAll');
    return this.infer('predictAll', x, options);
  }

  private infer(op: string, x: Tensor | Tensor[], options: { batchSize?: number | undefined }): Tensor[] {
    const xs = [x].flat();
    this.checkInputs(op, xs);
    const n = xs[0]!.shape[0]!;
    const batchSize = options.batchSize ?? n;
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new Error(`${op}: batchSize must be a positive integer, got ${batchSize}`);
    return tidy(() => {
      const ctx: CallContext = { training: false, random: this.random, updates: [] };
      if (batchSize >= n) return this.forward(xs, ctx);
      const parts: Tensor[][] = [];
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        // Each batch in its own scope: its activations are freed before the next batch runs, so memory
        // holds one batch's activations, not the whole set's.
        parts.push(
          tidy(() => {
            const batch = xs.map((t) =>
              slice(t, [start, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1)]),
            );
            return this.forward(batch, ctx);
          }),
        );
      }
      return this.outputs.map((_, o) =>
        concat(
          parts.map((p) => p[o]!),
          0,
        ),
      );
    });
  }

  /** Sets the optimizer, the loss and the metrics used by `fit` and `evaluate`. */
  compile(config: CompileConfig): this {
    this.compiled = checkCompileConfig(
      config,
      this.outputs.map((s) => s.shape),
    );
    return this;
  }

  /**
   * Trains on `x` (`[N, ...input shape]`) and `y` (labels `[N]` or targets; an array with one per output
   * for a model with several); see `FitOptions`. Resolves with every epoch's logs.
   */
  async fit(x: Tensor, y: Tensor | Tensor[], options: FitOptions = {}): Promise<EpochLogs[]> {
    return this.exclusive('fit', (compiled) => fit(this, compiled, x, y, options));
  }

  /**
   * Trains on a data set: an iterable or async iterable of `{ xs, ys }` batches, read again every epoch
   * (or continued, with `batchesPerEpoch`), so data larger than memory can stream; see `FitDatasetOptions`.
   */
  async fitDataset(dataset: Dataset, options: FitDatasetOptions = {}): Promise<EpochLogs[]> {
    return this.exclusive('fitDataset', (compiled) => fitDataset(this, compiled, dataset, options));
  }

  private async exclusive<T>(op: string, run: (compiled: CompileConfig) => Promise<T>): Promise<T> {
    this.assertAlive(op);
    // Two fits at once would interleave their updates on the same weights.
    if (this.training) {
      throw new Error(`${op}: model '${this.name}' is already training; wait for the running fit to finish`);
    }
    const compiled = this.requireCompiled(op);
    this.training = true;
    try {
      return await run(compiled);
    } finally {
      this.training = false;
    }
  }

  /**
   * Mean loss and metrics on `x`, `y` in inference mode; a model with several outputs takes one target
   * per output and reports each in `outputs` (`loss` is their sum).
   */
  async evaluate(
    x: Tensor | Tensor[],
    y: Tensor | Tensor[],
    options: { batchSize?: number | undefined } = {},
  ): Promise<EvaluateResult> {
    this.assertAlive('evaluate');
    return evaluate(this, this.requireCompiled('evaluate'), x, y, options);
  }

  /** Mean loss and metrics over a data set of `{ xs, ys }` batches, in inference mode. */
  async evaluateDataset(
    dataset: Dataset,
    options: { disposeBatches?: boolean | undefined } = {},
  ): Promise<EvaluateResult> {
    this.assertAlive('evaluateDataset');
    return evaluateDataset(this, this.requireCompiled('evaluateDataset'), dataset, options);
  }

  private requireCompiled(op: string): CompileConfig {
    if (!this.compiled) throw new Error(`${op}: call model.compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  /** Weights by name (the live tensors; do not dispose them). */
  getWeights(): { name: string; tensor: Tensor }[] {
    this.ensureInitialized();
    return this.variables.map((v) => ({ name: v.name, tensor: v.read() }));
  }

  /** Sets weights by name; every variable must be given, with its own shape. */
  setWeights(weights: { name: string; tensor: Tensor }[]): void {
    const byName = new Map(weights.map((w) => [w.name, w.tensor]));
    for (const v of this.variables) {
      const t = byName.get(v.name);
      if (!t) throw new Error(`setWeights: no value for ${v.name} (shape ${fmt(v.spec.shape)})`);
      if (t.shape.length !== v.spec.shape.length || t.shape.some((d, i) => d !== v.spec.shape[i])) {
        throw new Error(`setWeights: ${v.name} expects shape ${fmt(v.spec.shape)}, got ${fmt(t.shape)}`);
      }
    }
    const unknown = weights.filter((w) => !this.variables.some((v) => v.name === w.name));
    if (unknown.length)
      throw new Error(`setWeights: model '${this.name}' has no weight named ${unknown[0]!.name}`);
    for (const v of this.variables) v.assign(byName.get(v.name)!);
    this.initialized = true;
  }

  /**
   * One line per layer: its output shape (the output-size formula made visible) and weight count, then the
   * totals. Returns the text (print it with console.log).
   */
  summary(): string {
    const rows = this.nodes.map((node) => [
      `${node.layer.name} (${node.layer.className})`,
      `[batch,${node.output.shape.join(',')}]`,
      String(node.layer instanceof InputLayer ? 0 : node.layer.countParams()),
      node.inputs.map((s) => s.node.layer.name).join(', '),
    ]);
    const header = ['Layer (type)', 'Output shape', 'Params', 'Inputs'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
    const { total, trainable } = this.countParams();
    return [
      `Model: ${this.name}`,
      rule,
      line(header),
      rule,
      ...rows.map(line),
      rule,
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
    ].join('\n');
  }

  /** Disposes every weight; the model cannot be used afterwards. */
  dispose(): void {
    for (const v of this.variables) {
      v.value?.dispose();
      v.value = null;
    }
    this.initialized = false;
    this.disposed = true;
  }

  /** Backend of the weights (after initialization). */
  get backend() {
    return this.variables[0]?.value?.backend ?? getBackend();
  }
}

function topologicalOrder(name: string, inputs: SymbolicTensor[], outputs: SymbolicTensor[]): Node[] {
  const declared = new Set(inputs.map((s) => s.node));
  const state = new Map<Node, 'visiting' | 'done'>();
  const order: Node[] = [];
  const visit = (node: Node, path: string[]) => {
    const seen = state.get(node);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new Error(
        `model '${name}': cycle through layer '${node.layer.name}' (${[...path, node.layer.name].join(' -> ')})`,
      );
    }
    if (node.layer instanceof InputLayer && !declared.has(node)) {
      throw new Error(
        `model '${name}': layer '${path.at(-1)}' depends on input '${node.layer.name}' [batch,${node.output.shape.join(',')}], which is not among the model's inputs`,
      );
    }
    state.set(node, 'visiting');
    for (const input of node.inputs) visit(input.node, [...path, node.layer.name]);
    state.set(node, 'done');
    order.push(node);
  };
  for (const output of outputs) visit(output.node, []);
  return order;
}

/** A plain stack of layers: `sequential([input shape], [layers])` is the same as chaining `apply`. */
export function sequential(
  inputShape: readonly number[],
  layers: Layer[],
  options: { name?: string; seed?: number } = {},
): Model {
  const x = new InputLayer(inputShape, `${options.name ?? 'sequential'}_input`).output();
  const y = layers.reduce<SymbolicTensor>((h, layer) => layer.apply(h), x);
  return new Model({ inputs: x, outputs: y, ...options });
}
