import type { Shape } from '../backend.js';
import { engine } from '../engine.js';
import { tidy } from '../memory.js';
import type { Random } from '../random.js';
import { fmt, shapesEqual } from '../shape.js';
import { shapeBackend } from '../shape-backend.js';
import { Tensor } from '../tensor.js';
import type { InitializerName } from './initializers.js';

/** A weight a layer needs, described before it exists (so a model can count and place its weights lazily). */
export interface ParamSpec {
  /** Local name within the layer: `kernel`, `bias`, `gamma`, `movingMean`, ... */
  name: string;
  shape: number[];
  initializer: InitializerName;
  trainable: boolean;
}

/** A layer's weight: its spec and, once the model is initialized, its current value. */
export class Variable {
  value: Tensor | null = null;
  constructor(
    /** Model-wide name: `<layer>/<param>`. */
    readonly name: string,
    readonly spec: ParamSpec,
    /** The layer that owns it: its `trainable` flag freezes this weight too. */
    readonly owner?: { readonly trainable: boolean },
  ) {}

  /** Whether training updates it: the weight is trainable (not a running statistic) and its layer is not frozen. */
  get trainable(): boolean {
    return this.spec.trainable && (this.owner?.trainable ?? true);
  }

  /** The current value; an error if the model was never initialized. */
  read(): Tensor {
    if (!this.value) throw new Error(`variable ${this.name} has no value yet: initialize the model first`);
    return this.value;
  }

  /** Replaces the value (the old tensor is disposed; the new one escapes every `tidy`). */
  assign(value: Tensor): void {
    if (!shapesEqual(value.shape, this.spec.shape)) {
      throw new Error(
        `variable ${this.name}: expected shape ${fmt(this.spec.shape)}, got ${fmt(value.shape)}`,
      );
    }
    if (value === this.value) return;
    engine.keep(value);
    this.value?.dispose();
    this.value = value;
  }
}

/** What a layer's `call` may need besides its inputs and weights. */
export interface CallContext {
  /** Training mode: dropout drops, batch norm uses batch statistics. */
  training: boolean;
  /** Seeded randomness (dropout masks). */
  random: Random;
  /** State updates made in training (batch norm running statistics), applied after the step. */
  updates: [Variable, Tensor][];
}

/** A tensor in a model being built: its per-sample shape (batch dim excluded) and the node that makes it. */
export class SymbolicTensor {
  constructor(
    readonly shape: Shape,
    readonly node: Node,
  ) {}
  /** `<layer> -> [batch,...shape]`, for messages. */
  toString(): string {
    return `${this.node.layer.name} -> [batch,${this.shape.join(',')}]`;
  }
}

/** One application of a layer to symbolic inputs. */
export interface Node {
  layer: Layer;
  inputs: SymbolicTensor[];
  output: SymbolicTensor;
}

const nameCounters = new Map<string, number>();

function autoName(className: string): string {
  const base = className.charAt(0).toLowerCase() + className.slice(1);
  const n = (nameCounters.get(base) ?? 0) + 1;
  nameCounters.set(base, n);
  return `${base}${n}`;
}

/**
 * A layer: its weights (described by `paramSpecs`, created by the model) and `call`, the computation, written
 * with core ops so its gradient comes from the autograd tape. Output shapes are inferred by running `call`
 * on the shape-only backend, so a layer never writes its shape rule twice.
 */
export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  /**
   * false freezes the layer: `fit` leaves its weights as they are (a frozen backbone, a fine-tuned head).
   * Saved in the model file. Batch norm's running statistics are never trained either way.
   */
  trainable = true;
  /** Set on the first application. */
  variables: Variable[] = [];
  private inputShapes: Shape[] | null = null;
  protected minInputs = 1;
  protected maxInputs = 1;

  constructor(name?: string) {
    this.name = name ?? autoName(new.target.name);
  }

  /** The weights this layer needs for these per-sample input shapes. */
  paramSpecs(_inputShapes: Shape[]): ParamSpec[] {
    return [];
  }

  /** The computation. `params` are the current values, in `paramSpecs` order. */
  abstract call(inputs: Tensor[], params: Tensor[], ctx: CallContext): Tensor;

  /** Everything needed to rebuild this layer (JSON-serializable), including its name. */
  abstract getConfig(): Record<string, unknown>;

  /** Connects this layer to symbolic inputs, checking their shapes now, with this layer's name in the error. */
  apply(...args: (SymbolicTensor | SymbolicTensor[])[]): SymbolicTensor {
    const inputs = args.flat();
    if (inputs.length < this.minInputs || inputs.length > this.maxInputs) {
      const expected = this.minInputs === this.maxInputs ? `${this.minInputs}` : `${this.minInputs} or more`;
      throw new Error(
        `layer '${this.name}' (${this.className}) takes ${expected} input(s), got ${inputs.length}`,
      );
    }
    inputs.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) {
        throw new Error(
          `layer '${this.name}' (${this.className}): input ${i} is not a symbolic tensor (use input() / apply())`,
        );
      }
    });
    const shapes = inputs.map((t) => t.shape);
    if (this.inputShapes) {
      if (
        shapes.length !== this.inputShapes.length ||
        shapes.some((s, i) => !shapesEqual(s, this.inputShapes![i]!))
      ) {
        throw new Error(
          `layer '${this.name}' (${this.className}) was built for inputs ${this.inputShapes.map(fmt).join(', ')} and cannot take ${shapes.map(fmt).join(', ')}`,
        );
      }
    }
    const outShape = this.inferShape(shapes);
    if (!this.inputShapes) {
      this.inputShapes = shapes;
      this.variables = this.paramSpecs(shapes).map(
        (spec) => new Variable(`${this.name}/${spec.name}`, spec, this),
      );
    }
    const node: Node = { layer: this, inputs, output: undefined as unknown as SymbolicTensor };
    node.output = new SymbolicTensor(outShape, node);
    return node.output;
  }

  /** Runs `call` on the shape-only backend with a batch of 1. */
  private inferShape(shapes: Shape[]): Shape {
    const backend = shapeBackend();
    try {
      return tidy(() => {
        // Values are never read here, so no host memory is allocated for them (VGG-16's fc1 alone is 411 MB).
        const placeholder = (shape: Shape) => new Tensor(null, shape, backend);
        const inputs = shapes.map((s) => placeholder([1, ...s]));
        const params = this.paramSpecs(shapes).map((spec) => placeholder(spec.shape));
        const ctx: CallContext = { training: false, random: null as unknown as Random, updates: [] };
        const y = this.call(inputs, params, ctx);
        return y.shape.slice(1);
      });
    } catch (error) {
      throw new Error(
        `layer '${this.name}' (${this.className}) cannot take input ${shapes.map((s) => `[batch,${s.join(',')}]`).join(', ')}: ${(error as Error).message}`,
      );
    }
  }

  /** Total number of weights (trainable or not). */
  countParams(): number {
    return this.variables.reduce((n, v) => n + v.spec.shape.reduce((a, b) => a * b, 1), 0);
  }
}

/** The placeholder a model's data enters through. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  constructor(
    readonly shape: Shape,
    name?: string,
  ) {
    super(name);
    this.minInputs = 0;
    this.maxInputs = 0;
  }
  call(inputs: Tensor[]): Tensor {
    return inputs[0]!;
  }
  getConfig() {
    return { name: this.name, shape: [...this.shape] };
  }
  /** The symbolic tensor for this input. */
  output(): SymbolicTensor {
    const node: Node = { layer: this, inputs: [], output: undefined as unknown as SymbolicTensor };
    node.output = new SymbolicTensor(this.shape, node);
    return node.output;
  }
}

/** A model input of per-sample shape `shape` (batch dim excluded), e.g. `input([28, 28, 1])`. */
export function input(shape: readonly number[], name?: string): SymbolicTensor {
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d <= 0)
      throw new Error(`input: shape ${fmt(shape)} has an invalid size ${d} at axis ${i}`);
  });
  return new InputLayer(shape, name).output();
}
