import {
  add,
  clip,
  concat,
  conv2dTranspose,
  div,
  gemm,
  globalAvgPool,
  globalMaxPool,
  Layer,
  logSoftmax,
  matMul,
  mirrorPad,
  mul,
  type ParamSpec,
  pad,
  registerLayer,
  reshape,
  type Shape,
  slice,
  softmax,
  sub,
  type Tensor,
  transpose,
} from '@cnn/core';

/**
 * The plain ops an ONNX node becomes when no `@cnn` layer matches it (a Transpose, a Reshape to a computed
 * shape, a broadcasting Mul by a constant, ...). Each runs core ops, so it differentiates and runs on any
 * backend like every other layer.
 */
export type OnnxOpKind =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'clip'
  | 'softmax'
  | 'logSoftmax'
  | 'transpose'
  | 'reshape'
  | 'slice'
  | 'pad'
  | 'matMul'
  | 'gemm'
  | 'globalAvgPool'
  | 'globalMaxPool'
  | 'convTranspose'
  | 'concat';

/** One operand of an OnnxOp: the layer's k-th input or its k-th weight. */
export type OnnxOperand = { input: number } | { param: number };

/** The config of an OnnxOp layer (JSON: it is saved in our model format). */
export interface OnnxOpConfig {
  name?: string;
  op: OnnxOpKind;
  /** The op's operands in order (inputs and weights may interleave: `Sub(C, x)`). Default: the inputs. */
  operands?: OnnxOperand[];
  /** The layer's weights (constants of the ONNX graph), set after building. */
  params?: { name: string; shape: number[]; trainable: boolean }[];
  /** The number of inputs the layer takes. Default 1. */
  inputs?: number;
  /** Attributes of the op (see `OnnxOp.call`). */
  attrs?: Record<string, unknown>;
}

/** A size of a reshape target: a number, `-1` (inferred), or 'batch' (the input's batch size at run time). */
export type TargetDim = number | 'batch';

/**
 * A plain core op as a layer (see `OnnxOpKind`): what an imported ONNX node becomes when no `@cnn` layer
 * matches it. Registered with core's `registerLayer`, so models holding it save and load in our format
 * once `@cnn/onnx` is imported.
 */
export class OnnxOp extends Layer {
  readonly className = 'OnnxOp';
  readonly config: Required<Omit<OnnxOpConfig, 'name'>>;

  constructor(config: OnnxOpConfig) {
    super(config.name);
    const inputs = config.inputs ?? 1;
    this.config = {
      op: config.op,
      inputs,
      params: config.params ?? [],
      operands: config.operands ?? Array.from({ length: inputs }, (_, i) => ({ input: i })),
      attrs: config.attrs ?? {},
    };
    this.minInputs = inputs;
    this.maxInputs = inputs;
  }

  override paramSpecs(_shapes: Shape[]): ParamSpec[] {
    return this.config.params.map((p) => ({
      name: p.name,
      shape: [...p.shape],
      initializer: 'zeros',
      trainable: p.trainable,
    }));
  }

  call(inputs: Tensor[], params: Tensor[]): Tensor {
    const args = this.config.operands.map((o) => ('input' in o ? inputs[o.input]! : params[o.param]!));
    const a = this.config.attrs as Record<string, never>;
    const [x, y, z] = args as [Tensor, Tensor, Tensor | undefined];
    switch (this.config.op) {
      case 'add':
        return add(x, y);
      case 'sub':
        return sub(x, y);
      case 'mul':
        return mul(x, y);
      case 'div':
        return div(x, y);
      case 'clip':
        return clip(x, a.min ?? Number.NEGATIVE_INFINITY, a.max ?? Number.POSITIVE_INFINITY);
      case 'softmax':
      case 'logSoftmax':
        return this.softmax(x, a.axis, a.flattenFrom);
      case 'transpose':
        return transpose(x, a.perm);
      case 'reshape':
        return this.reshape(x, a.target);
      case 'slice':
        return slice(
          x,
          a.begin,
          (a.size as number[]).map((d, i) => (i === 0 ? x.shape[0]! : d)),
        );
      case 'pad':
        return a.mode && a.mode !== 'constant'
          ? mirrorPad(x, a.before, a.after, a.mode)
          : pad(x, a.before, a.after, a.value ?? 0);
      case 'matMul':
        return matMul(x, y);
      case 'gemm':
        return gemm(x, y, z, { alpha: a.alpha, beta: a.beta, transposeA: a.transA, transposeB: a.transB });
      case 'globalAvgPool':
        return globalAvgPool(x);
      case 'globalMaxPool':
        return globalMaxPool(x);
      case 'convTranspose': {
        const out = conv2dTranspose(x, y, {
          strides: a.strides,
          padding: a.pads,
          dilations: a.dilations,
          groups: a.groups,
          outputPadding: a.outputPadding,
        });
        return z ? add(out, z) : out;
      }
      case 'concat':
        return concat(args, a.axis);
    }
  }

  /**
   * ONNX Softmax before opset 13 normalizes over all axes from `flattenFrom` on (the input seen as 2-D);
   * from 13 on over one axis.
   */
  private softmax(x: Tensor, axis: number, flattenFrom?: number): Tensor {
    const fn = this.config.op === 'softmax' ? softmax : logSoftmax;
    if (flattenFrom === undefined || flattenFrom >= x.rank - 1) return fn(x, axis);
    const rows = x.shape.slice(0, flattenFrom).reduce((p, d) => p * d, 1);
    return reshape(fn(reshape(x, [rows, -1]), -1), x.shape);
  }

  /** A reshape whose target may name the run-time batch size (a folded `Shape` of a dynamic batch). */
  private reshape(x: Tensor, target: TargetDim[]): Tensor {
    const shape = target.map((d) => (d === 'batch' ? x.shape[0]! : d));
    const y = reshape(x, shape);
    if (y.shape[0] !== x.shape[0]) {
      throw new Error(
        `reshape to [${target.join(',')}] changes the batch axis (${x.shape[0]} to ${y.shape[0]}): @cnn models keep axis 0 as the batch`,
      );
    }
    return y;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, ...this.config };
  }
}

registerLayer('OnnxOp', OnnxOp);
