import {
  ActivationLayer,
  Add,
  AvgPool2D,
  BatchNorm,
  Concat,
  Conv2D,
  Conv2DTranspose,
  Dense,
  Dropout,
  Flatten,
  InputLayer,
  type Layer,
  LeakyReLU,
  LRN,
  MaxPool2D,
  Model,
  ReLU,
  Sigmoid,
  Softmax,
  type SymbolicTensor,
  Tanh,
  tensor,
} from '@cnn/core';
import { OnnxOp, type OnnxOpConfig, type OnnxOperand, type TargetDim } from './layers.js';
import {
  type AttributeProto,
  AttributeType,
  DataType,
  dataTypeName,
  decodeModel,
  type GraphProto,
  type ModelProto,
  type NodeProto,
} from './proto.js';
import { type ConstantData, decodeTensor, permute } from './tensors.js';

/** The default-domain opsets this package reads. */
export const SUPPORTED_OPSETS = { min: 11, max: 21 } as const;

/** A tensor that exists when the model runs: our symbolic tensor and how its axes map to ONNX's. */
interface RuntimeValue {
  kind: 'runtime';
  sym: SymbolicTensor;
  /** Our axis i holds ONNX axis `layout[i]` (the batch, axis 0, never moves). */
  layout: number[];
}

/** A constant known at load: weights, shapes, and the folded results of Shape subgraphs ('batch' = N). */
interface ConstValue {
  kind: 'const';
  dtype: 'float' | 'int';
  shape: number[];
  float?: Float32Array;
  ints?: TargetDim[];
  /** From an initializer (a weight: trainable where a plain op holds it) or a Constant node (not). */
  initializer: boolean;
  name: string;
}

type Value = RuntimeValue | ConstValue;

/** One node the importer cannot map, as listed in the error. */
export interface UnsupportedNode {
  name: string;
  opType: string;
  domain: string;
  opset: number;
  reason: string;
}

/** What `importOnnx` returns: the model and how its inputs and outputs relate to the file's. */
export interface OnnxImport {
  model: Model;
  /** The default-domain opset of the file. */
  opset: number;
  /** Per model input: the ONNX name and shape ('N' for the batch) and our layout (4-D inputs become NHWC). */
  inputs: { name: string; onnxShape: (number | string)[]; layout: 'NHWC' | 'ONNX' }[];
  /** Per model output: as `inputs`. */
  outputs: { name: string; onnxShape: (number | string)[]; layout: 'NHWC' | 'ONNX' }[];
}

/** Options of `importOnnx`. */
export interface ImportOptions {
  /** The model's name (default: the graph's name). */
  name?: string;
}

/** The error `importOnnx` throws for a file it cannot map; `unsupported` lists every node at fault. */
export class OnnxImportError extends Error {
  constructor(
    message: string,
    /** Every node that cannot be imported (empty for errors about the file itself). */
    readonly unsupported: UnsupportedNode[] = [],
  ) {
    super(message);
    this.name = 'OnnxImportError';
  }
}

class Unsupported extends Error {}
const unsupported = (reason: string): never => {
  throw new Unsupported(reason);
};

const identity = (rank: number) => Array.from({ length: rank }, (_, i) => i);
/** The layout of channel-first tensors held channel-last: NCHW as NHWC, [N,C,L] as [N,L,C]. */
const channelsLast = (rank: number) => (rank <= 2 ? identity(rank) : [0, ...identity(rank).slice(2), 1]);
const same = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);
const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The op types the importer maps (see `importOnnx`); Shape-subgraph ops fold to constants at load. */
export const SUPPORTED_OPS = [
  'Conv',
  'ConvTranspose',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Gemm',
  'MatMul',
  'BatchNormalization',
  'Relu',
  'LeakyRelu',
  'Clip',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'LogSoftmax',
  'Concat',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Flatten',
  'Reshape',
  'Transpose',
  'Pad',
  'Slice',
  'Squeeze',
  'Unsqueeze',
  'Dropout',
  'LRN',
  'Identity',
  'Constant',
  'Shape',
  'Gather',
  'Cast',
  'ConstantOfShape',
] as const;

/**
 * Float attributes are float32 in ONNX: 1e-3 is stored as 0.0010000000474974513. The shortest decimal that
 * rounds to the same float32 is the value that was written (our layers keep float64 configs, so an epsilon
 * exported and imported again stays 1e-3 and the model computes the same bits).
 */
function shortestFloat32(f: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number.parseFloat(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function attributes(node: NodeProto) {
  const byName = new Map<string, AttributeProto>((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  const get = (name: string) => byName.get(name);
  return {
    has: (name: string) => byName.has(name),
    int: (name: string, fallback: number): number => {
      const a = get(name);
      return a ? Number(a.i ?? 0) : fallback;
    },
    float: (name: string, fallback: number): number => {
      const a = get(name);
      return a ? shortestFloat32(a.f ?? 0) : fallback;
    },
    ints: (name: string): number[] | undefined => get(name)?.ints?.map(Number),
    string: (name: string, fallback: string): string => {
      const a = get(name);
      return a?.s ? new TextDecoder().decode(a.s) : fallback;
    },
    tensor: (name: string) => get(name)?.t,
    names: () => [...byName.keys()],
    raw: get,
  };
}

/**
 * Reads an `.onnx` file into an `@cnn` `Model` on the current backend, trainable like any other. NCHW tensors
 * are held NHWC (weights transposed once here, at load); every node becomes one of our layers where one
 * matches (Conv -> Conv2D, Gemm -> Dense, BatchNormalization -> BatchNorm, pools, activations, Concat, Add,
 * Dropout, LRN, Flatten) and an `OnnxOp` (a plain core op) otherwise; Transposes are absorbed into the
 * layout where they can be; Shape/Gather/Concat/Unsqueeze/Cast subgraphs on static shapes are folded,
 * with a dynamic batch kept dynamic. Opsets 11 to 21 of the default domain.
 *
 * Nothing runs and no weight is created before the whole graph is known to map: one `OnnxImportError`
 * lists every unsupported node (name, op type, opset); external data, non-float32 weights, truncated or
 * corrupted files and unknown opsets are errors that say so.
 */
export function importOnnx(bytes: Uint8Array | ModelProto, options: ImportOptions = {}): OnnxImport {
  const proto = bytes instanceof Uint8Array ? decodeModel(bytes) : bytes;
  const opset = defaultOpset(proto);
  const graph = proto.graph!;
  return new GraphImporter(graph, opset, options, unknownOpTypes(graph, proto, opset)).run();
}

function defaultOpset(proto: ModelProto): number {
  const entry = proto.opset_import?.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) {
    throw new OnnxImportError(
      `onnx: the model imports no default-domain (ai.onnx) opset; it imports ${proto.opset_import?.map((o) => `${o.domain}:${o.version}`).join(', ')}`,
    );
  }
  const version = Number(entry.version ?? 0);
  if (version < SUPPORTED_OPSETS.min || version > SUPPORTED_OPSETS.max) {
    throw new OnnxImportError(
      `onnx: opset ${version} is not supported: this importer reads opsets ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max} (convert the model with onnx.version_converter)`,
    );
  }
  return version;
}

function nodeName(node: NodeProto, index: number): string {
  return node.name || `${node.op_type ?? 'node'}_${index}`;
}

/** Every node whose op type (or domain) is not supported at all, by node index. */
function unknownOpTypes(graph: GraphProto, proto: ModelProto, opset: number): Map<number, UnsupportedNode> {
  const known = new Set<string>(SUPPORTED_OPS);
  const bad = new Map<number, UnsupportedNode>();
  (graph.node ?? []).forEach((node, i) => {
    const domain = node.domain ?? '';
    const inDefault = domain === '' || domain === 'ai.onnx';
    if (!inDefault || !known.has(node.op_type ?? '')) {
      const version = inDefault
        ? opset
        : Number(proto.opset_import?.find((o) => o.domain === domain)?.version ?? 0);
      bad.set(i, {
        name: nodeName(node, i),
        opType: node.op_type ?? '',
        domain: domain || 'ai.onnx',
        opset: version,
        reason: inDefault ? 'op type not supported' : `domain '${domain}' not supported`,
      });
    }
  });
  return bad;
}

function unsupportedError(bad: UnsupportedNode[]): OnnxImportError {
  const lines = bad.map(
    (b) => `  - node '${b.name}': ${b.opType} (${b.domain} opset ${b.opset}): ${b.reason}`,
  );
  return new OnnxImportError(
    `onnx: cannot import the model: ${bad.length} unsupported node(s):\n${lines.join('\n')}`,
    bad,
  );
}

class GraphImporter {
  private readonly values = new Map<string, Value>();
  private readonly poisoned = new Set<string>();
  private readonly bad: UnsupportedNode[] = [];
  private readonly weights: { layer: Layer; data: Float32Array[] }[] = [];
  private readonly names = new Set<string>();
  private readonly consumers = new Map<string, number>();
  private current = '';

  constructor(
    private readonly graph: GraphProto,
    private readonly opset: number,
    private readonly options: ImportOptions,
    private readonly unknown: Map<number, UnsupportedNode>,
  ) {}

  run(): OnnxImport {
    const graph = this.graph;
    if ((graph.sparse_initializer?.length ?? 0) > 0)
      throw new OnnxImportError('onnx: sparse initializers are not supported');
    for (const t of graph.initializer ?? []) {
      const data = this.decode(() => decodeTensor(t, 'onnx: initializer'));
      this.values.set(t.name ?? '', this.constant(data, t.name ?? '', true));
    }
    for (const node of graph.node ?? [])
      for (const name of node.input ?? []) this.consumers.set(name, (this.consumers.get(name) ?? 0) + 1);
    for (const o of graph.output ?? [])
      this.consumers.set(o.name ?? '', (this.consumers.get(o.name ?? '') ?? 0) + 1);

    const inputs: { sym: SymbolicTensor; info: OnnxImport['inputs'][number] }[] = [];
    for (const vi of graph.input ?? []) {
      const name = vi.name ?? '';
      if (this.values.has(name)) continue; // IR < 4 lists initializers among the inputs
      const tt = vi.type?.tensor_type;
      if (tt?.elem_type !== DataType.FLOAT) {
        throw new OnnxImportError(
          `onnx: input '${name}' has element type ${dataTypeName(tt?.elem_type)}; only float32 inputs are supported`,
        );
      }
      const dims = tt.shape?.dim ?? [];
      if (dims.length < 2)
        throw new OnnxImportError(
          `onnx: input '${name}' has rank ${dims.length}; inputs need a batch axis and at least one more`,
        );
      const onnxShape = dims.map((d, i) =>
        i === 0
          ? 'N'
          : d.dim_value !== undefined && Number(d.dim_value) > 0
            ? Number(d.dim_value)
            : (d.dim_param ?? '?'),
      );
      const perSample = onnxShape.slice(1);
      if (!perSample.every((d) => typeof d === 'number')) {
        throw new OnnxImportError(
          `onnx: input '${name}' has shape [${onnxShape.join(',')}]: only the batch axis (0) may be dynamic`,
        );
      }
      const layout = channelsLast(dims.length);
      const ours = layout.slice(1).map((a) => perSample[a - 1] as number);
      const sym = new InputLayer(ours, this.unique(name)).output();
      this.values.set(name, { kind: 'runtime', sym, layout });
      inputs.push({ sym, info: { name, onnxShape, layout: dims.length === 4 ? 'NHWC' : 'ONNX' } });
    }

    (graph.node ?? []).forEach((node, i) => {
      this.current = nodeName(node, i);
      const outputs = node.output ?? [];
      const unknown = this.unknown.get(i);
      if (unknown) {
        // Listed even when its inputs are already at fault: an unknown op type is its own problem.
        this.bad.push(unknown);
        for (const o of outputs) this.poisoned.add(o);
        return;
      }
      if ((node.input ?? []).some((n) => this.poisoned.has(n))) {
        for (const o of outputs) this.poisoned.add(o);
        return;
      }
      try {
        this.node(node);
      } catch (error) {
        // File-level problems (external data, float16 weights) end the import; anything else is this node's.
        if (error instanceof OnnxImportError) throw error;
        this.bad.push({
          name: this.current,
          opType: node.op_type ?? '',
          domain: 'ai.onnx',
          opset: this.opset,
          reason: (error as Error).message,
        });
        for (const o of outputs) this.poisoned.add(o);
      }
    });
    const outputs: { sym: SymbolicTensor; info: OnnxImport['outputs'][number] }[] = [];
    for (const vo of graph.output ?? []) {
      const name = vo.name ?? '';
      if (this.poisoned.has(name)) continue;
      const v = this.values.get(name);
      if (!v) throw new OnnxImportError(`onnx: graph output '${name}' is not produced by any node`);
      if (v.kind !== 'runtime') {
        this.bad.push({
          name,
          opType: 'graph output',
          domain: 'ai.onnx',
          opset: this.opset,
          reason: 'the output is a constant',
        });
        continue;
      }
      const rank = v.layout.length;
      this.current = name;
      const canonical = rank === 4 ? channelsLast(4) : identity(rank);
      const out = this.toLayout(v, canonical, `${name}_layout`);
      outputs.push({
        sym: out.sym,
        info: { name, onnxShape: this.onnxShape(out), layout: rank === 4 ? 'NHWC' : 'ONNX' },
      });
    }
    if (this.bad.length) throw unsupportedError(this.bad);
    if (outputs.length === 0) throw new OnnxImportError('onnx: the graph has no outputs');

    const model = new Model({
      inputs: inputs.map((i) => i.sym),
      outputs: outputs.map((o) => o.sym),
      name: this.options.name ?? (this.graph.name || 'onnx'),
    });
    // Weights go in only now that the whole graph is known to map.
    const values = new Map<string, Float32Array>();
    for (const { layer, data } of this.weights)
      layer.variables.forEach((v, i) => values.set(v.name, data[i]!));
    model.setWeights(
      model.variables.map((v) => ({ name: v.name, tensor: tensor(values.get(v.name)!, v.spec.shape) })),
    );
    return {
      model,
      opset: this.opset,
      inputs: inputs.map((i) => i.info),
      outputs: outputs.map((o) => o.info),
    };
  }

  private decode(fn: () => ConstantData): ConstantData {
    try {
      return fn();
    } catch (error) {
      throw new OnnxImportError((error as Error).message);
    }
  }

  private constant(data: ConstantData, name: string, initializer: boolean): ConstValue {
    return data.dtype === 'float'
      ? { kind: 'const', dtype: 'float', shape: data.shape, float: data.data, initializer, name }
      : { kind: 'const', dtype: 'int', shape: data.shape, ints: data.data, initializer, name };
  }

  private unique(base: string): string {
    // torch >= 2 names nodes like '/conv1/Conv'; '/' separates a layer from its weight in our names.
    const clean = base.replace(/^\/+/, '').replaceAll('/', '.') || 'node';
    let name = clean;
    for (let k = 2; this.names.has(name); k++) name = `${clean}_${k}`;
    this.names.add(name);
    return name;
  }

  /** The ONNX shape of a runtime value ('N' for the batch). */
  private onnxShape(v: RuntimeValue): (number | string)[] {
    const ours = ['N', ...v.sym.shape] as (number | string)[];
    const shape = new Array<number | string>(ours.length);
    v.layout.forEach((a, i) => {
      shape[a] = ours[i]!;
    });
    return shape;
  }

  /** The ONNX shape with the batch as 1 (for arithmetic on static sizes). */
  private staticShape(v: RuntimeValue): number[] {
    return this.onnxShape(v).map((d) => (d === 'N' ? 1 : (d as number)));
  }

  private apply(layer: Layer, inputs: SymbolicTensor[], weights: Float32Array[] = []): SymbolicTensor {
    let out: SymbolicTensor;
    try {
      out = layer.apply(inputs);
    } catch (error) {
      return unsupported((error as Error).message);
    }
    if (weights.length) this.weights.push({ layer, data: weights });
    return out;
  }

  private op(config: OnnxOpConfig, inputs: SymbolicTensor[], weights: Float32Array[] = []): SymbolicTensor {
    return this.apply(
      new OnnxOp({ ...config, inputs: inputs.length, name: this.unique(config.name ?? this.current) }),
      inputs,
      weights,
    );
  }

  /** `v` with its axes arranged as `layout` (a Transpose layer when they are not already). */
  private toLayout(v: RuntimeValue, layout: number[], name = `${this.current}_layout`): RuntimeValue {
    if (same(v.layout, layout)) return v;
    const perm = layout.map((a) => v.layout.indexOf(a));
    const sym = this.op({ op: 'transpose', attrs: { perm }, name }, [v.sym]);
    return { kind: 'runtime', sym, layout };
  }

  private input(node: NodeProto, i: number): Value | undefined {
    const name = node.input?.[i];
    if (!name) return undefined;
    const v = this.values.get(name);
    if (!v) return unsupported(`input '${name}' is not defined before this node`);
    return v;
  }

  private runtime(node: NodeProto, i: number, what = `input ${i}`): RuntimeValue {
    const v = this.input(node, i);
    if (!v) return unsupported(`${what} is missing`);
    if (v.kind !== 'runtime')
      return unsupported(
        `${what} ('${node.input![i]}') is a constant here; only computed tensors are supported`,
      );
    return v;
  }

  private floatConst(node: NodeProto, i: number, what: string): ConstValue & { float: Float32Array } {
    const v = this.input(node, i);
    if (v?.kind !== 'const')
      return unsupported(`${what} ('${node.input?.[i] ?? ''}') must be a constant (an initializer)`);
    if (v.dtype !== 'float') return unsupported(`${what} ('${node.input![i]}') must be float32`);
    return v as ConstValue & { float: Float32Array };
  }

  private intConst(node: NodeProto, i: number, what: string): TargetDim[] | undefined {
    const v = this.input(node, i);
    if (!v) return undefined;
    if (v.kind !== 'const' || v.dtype !== 'int')
      return unsupported(`${what} ('${node.input![i]}') must be a constant integer tensor known at load`);
    return v.ints!;
  }

  private staticInts(node: NodeProto, i: number, what: string): number[] | undefined {
    const ints = this.intConst(node, i, what);
    if (ints?.some((d) => d === 'batch')) return unsupported(`${what} depends on the dynamic batch size`);
    return ints as number[] | undefined;
  }

  private set(node: NodeProto, value: Value, output = 0): undefined {
    this.values.set(node.output![output]!, value);
  }

  private setRuntime(node: NodeProto, sym: SymbolicTensor, layout: number[]): undefined {
    this.set(node, { kind: 'runtime', sym, layout });
  }

  private onlyFirstOutput(node: NodeProto): undefined {
    (node.output ?? []).slice(1).forEach((name, k) => {
      if (name && (this.consumers.get(name) ?? 0) > 0)
        unsupported(`output ${k + 1} ('${name}') is used; only the first output is supported`);
    });
  }

  private node(node: NodeProto): undefined {
    const a = attributes(node);
    const op = node.op_type!;
    this.onlyFirstOutput(node);
    switch (op) {
      case 'Identity':
        return this.set(node, this.input(node, 0)!);
      case 'Constant':
        return this.set(node, this.constantNode(node, a));
      case 'Conv':
        return this.conv(node, a);
      case 'ConvTranspose':
        return this.convTranspose(node, a);
      case 'MaxPool':
      case 'AveragePool':
        return this.pool(node, a);
      case 'GlobalAveragePool':
      case 'GlobalMaxPool': {
        const x = this.toLayout(this.runtime(node, 0), channelsLast(4));
        if (x.layout.length !== 4) unsupported(`input must be 4-D (N,C,H,W), got rank ${x.layout.length}`);
        const kind = op === 'GlobalAveragePool' ? 'globalAvgPool' : 'globalMaxPool';
        return this.setRuntime(node, this.op({ op: kind }, [x.sym]), x.layout);
      }
      case 'Gemm':
        return this.gemm(node, a);
      case 'MatMul':
        return this.matMul(node);
      case 'BatchNormalization':
        return this.batchNorm(node, a);
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'LeakyRelu': {
        const x = this.runtime(node, 0);
        const name = this.unique(this.current);
        const layer =
          op === 'Relu'
            ? new ReLU({ name })
            : op === 'Sigmoid'
              ? new Sigmoid({ name })
              : op === 'Tanh'
                ? new Tanh({ name })
                : new LeakyReLU({ name, alpha: a.float('alpha', 0.01) });
        return this.setRuntime(node, this.apply(layer, [x.sym]), x.layout);
      }
      case 'Clip': {
        const x = this.runtime(node, 0);
        const bound = (i: number, what: string) => {
          if (!node.input?.[i]) return undefined;
          const c = this.floatConst(node, i, what);
          if (c.float.length !== 1) unsupported(`${what} must be a scalar`);
          return c.float[0]!;
        };
        const attrs = { min: bound(1, 'min'), max: bound(2, 'max') };
        if (attrs.min === 0 && attrs.max === 6) {
          const relu6 = new ActivationLayer({ name: this.unique(this.current), activation: 'relu6' });
          return this.setRuntime(node, this.apply(relu6, [x.sym]), x.layout);
        }
        return this.setRuntime(node, this.op({ op: 'clip', attrs }, [x.sym]), x.layout);
      }
      case 'Softmax':
      case 'LogSoftmax':
        return this.softmax(node, a);
      case 'Concat':
        return this.concat(node, a);
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
        return this.binary(node);
      case 'Flatten': {
        const x = this.runtime(node, 0);
        const rank = x.layout.length;
        const axis = a.int('axis', 1) < 0 ? a.int('axis', 1) + rank : a.int('axis', 1);
        const shape = this.staticShape(x);
        if (axis === 0 || product(shape.slice(1, axis)) !== 1)
          unsupported(`axis ${axis} merges the batch axis with others`);
        const y = this.toLayout(x, identity(rank));
        const sym = this.apply(new Flatten({ name: this.unique(this.current) }), [y.sym]);
        return this.setRuntime(node, sym, identity(2));
      }
      case 'Reshape':
        return this.reshape(node, a);
      case 'Transpose':
        return this.transpose(node, a);
      case 'Pad':
        return this.pad(node, a);
      case 'Slice':
        return this.slice(node);
      case 'Squeeze':
      case 'Unsqueeze':
        return this.squeeze(node, a);
      case 'Dropout': {
        const x = this.runtime(node, 0);
        let rate = a.float('ratio', 0.5);
        if (node.input?.[1]) {
          const r = this.floatConst(node, 1, 'ratio');
          rate = r.float[0]!;
        }
        const sym = this.apply(new Dropout({ name: this.unique(this.current), rate }), [x.sym]);
        return this.setRuntime(node, sym, x.layout);
      }
      case 'LRN': {
        const x = this.toLayout(this.runtime(node, 0), channelsLast(4));
        if (x.layout.length !== 4) unsupported(`input must be 4-D (N,C,H,W), got rank ${x.layout.length}`);
        const layer = new LRN({
          name: this.unique(this.current),
          size: a.int('size', 0),
          alpha: a.float('alpha', 1e-4),
          beta: a.float('beta', 0.75),
          bias: a.float('bias', 1),
        });
        return this.setRuntime(node, this.apply(layer, [x.sym]), x.layout);
      }
      case 'Shape':
        return this.shape(node, a);
      case 'ConstantOfShape': {
        const shape = this.staticInts(node, 0, 'shape');
        if (!shape) return unsupported('shape input is missing');
        const t = a.tensor('value');
        const fill = t ? this.decode(() => decodeTensor(t, `node '${this.current}'`)) : undefined;
        const n = product(shape);
        const name = node.output![0]!;
        if (fill?.dtype === 'int')
          return this.set(node, {
            kind: 'const',
            dtype: 'int',
            shape,
            ints: new Array(n).fill(fill.data[0] ?? 0),
            initializer: false,
            name,
          });
        return this.set(node, {
          kind: 'const',
          dtype: 'float',
          shape,
          float: new Float32Array(n).fill(fill?.data[0] ?? 0),
          initializer: false,
          name,
        });
      }
      case 'Gather':
        return this.gather(node, a);
      case 'Cast': {
        const v = this.input(node, 0)!;
        const to = a.int('to', 0);
        const toFloat = to === DataType.FLOAT;
        const toInt = [DataType.INT64, DataType.INT32].includes(to as 7 | 6);
        if (v.kind === 'runtime') {
          if (!toFloat) unsupported(`casting a computed tensor to ${dataTypeName(to)}`);
          return this.set(node, v);
        }
        if (toFloat && v.dtype === 'int') {
          if (v.ints!.includes('batch')) unsupported('casting the dynamic batch size to float');
          return this.set(node, {
            ...v,
            dtype: 'float',
            float: Float32Array.from(v.ints as number[]),
            ints: undefined,
          });
        }
        if (toInt && v.dtype === 'float')
          return this.set(node, {
            ...v,
            dtype: 'int',
            ints: Array.from(v.float!, Math.trunc),
            float: undefined,
          });
        if ((toFloat && v.dtype === 'float') || (toInt && v.dtype === 'int')) return this.set(node, v);
        return unsupported(`cast to ${dataTypeName(to)}`);
      }
      default:
        return unsupported('op type not supported');
    }
  }

  private constantNode(node: NodeProto, a: ReturnType<typeof attributes>): ConstValue {
    const name = node.output![0]!;
    const t = a.tensor('value');
    if (t)
      return this.constant(
        this.decode(() => decodeTensor(t, `node '${this.current}'`)),
        name,
        false,
      );
    const f = a.raw('value_float');
    if (f)
      return {
        kind: 'const',
        dtype: 'float',
        shape: [],
        float: Float32Array.of(f.f ?? 0),
        initializer: false,
        name,
      };
    const fs = a.raw('value_floats');
    if (fs)
      return {
        kind: 'const',
        dtype: 'float',
        shape: [fs.floats!.length],
        float: Float32Array.from(fs.floats!),
        initializer: false,
        name,
      };
    const i = a.raw('value_int');
    if (i)
      return { kind: 'const', dtype: 'int', shape: [], ints: [Number(i.i ?? 0)], initializer: false, name };
    const is = a.raw('value_ints');
    if (is)
      return {
        kind: 'const',
        dtype: 'int',
        shape: [is.ints!.length],
        ints: is.ints!.map(Number),
        initializer: false,
        name,
      };
    return unsupported(`a Constant with attribute ${a.names().join(', ') || '(none)'}`);
  }

  /** Conv/pool padding: auto_pad or explicit ONNX pads [top, left, bottom, right] (which is our order). */
  private padding(
    a: ReturnType<typeof attributes>,
  ): 'valid' | 'SAME_UPPER' | 'SAME_LOWER' | [number, number, number, number] {
    const autoPad = a.string('auto_pad', 'NOTSET');
    if (autoPad === 'VALID') return 'valid';
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return autoPad;
    if (autoPad !== 'NOTSET') return unsupported(`auto_pad '${autoPad}'`);
    const pads = a.ints('pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4) return unsupported(`pads [${pads.join(',')}] (2-D convolutions and pools need 4)`);
    return [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
  }

  private pair(a: ReturnType<typeof attributes>, name: string, fallback: number): [number, number] {
    const v = a.ints(name) ?? [fallback, fallback];
    if (v.length !== 2) return unsupported(`${name} [${v.join(',')}] (only 2-D is supported)`);
    return [v[0]!, v[1]!];
  }

  private conv(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const x0 = this.runtime(node, 0);
    if (x0.layout.length !== 4)
      unsupported(`only 2-D convolutions (4-D input) are supported, got rank ${x0.layout.length}`);
    const x = this.toLayout(x0, channelsLast(4));
    const w = this.floatConst(node, 1, 'weight W');
    if (w.shape.length !== 4) unsupported(`weight W has rank ${w.shape.length}, expected 4`);
    const [outC, , kh, kw] = w.shape as [number, number, number, number];
    const b = node.input?.[2] ? this.floatConst(node, 2, 'bias B') : undefined;
    const layer = new Conv2D({
      name: this.unique(this.current),
      filters: outC,
      kernelSize: [kh, kw],
      strides: this.pair(a, 'strides', 1),
      dilations: this.pair(a, 'dilations', 1),
      padding: this.padding(a),
      groups: a.int('group', 1),
      useBias: !!b,
    });
    // OIHW -> HWIO, once, here.
    const kernel = permute(w.float, w.shape, [2, 3, 1, 0]);
    const sym = this.apply(layer, [x.sym], b ? [kernel, b.float] : [kernel]);
    this.setRuntime(node, sym, x.layout);
  }

  private convTranspose(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const x0 = this.runtime(node, 0);
    if (x0.layout.length !== 4)
      unsupported(`only 2-D transposed convolutions are supported, got rank ${x0.layout.length}`);
    if (a.has('output_shape')) unsupported('output_shape (give pads and output_padding instead)');
    const x = this.toLayout(x0, channelsLast(4));
    const w = this.floatConst(node, 1, 'weight W');
    if (w.shape.length !== 4) unsupported(`weight W has rank ${w.shape.length}, expected 4`);
    const b = node.input?.[2] ? this.floatConst(node, 2, 'bias B') : undefined;
    const padding = this.padding(a);
    // [C_in, C_out/group, kh, kw] -> [kh, kw, C_out/group, C_in]: the HWIO filter of the forward conv.
    const kernel = permute(w.float, w.shape, [2, 3, 1, 0]);
    if (a.int('group', 1) === 1) {
      const layer = new Conv2DTranspose({
        name: this.unique(this.current),
        filters: w.shape[1]!,
        kernelSize: [w.shape[2]!, w.shape[3]!],
        strides: this.pair(a, 'strides', 1),
        dilations: this.pair(a, 'dilations', 1),
        padding,
        outputPadding: this.pair(a, 'output_padding', 0),
        useBias: !!b,
      });
      return this.setRuntime(node, this.apply(layer, [x.sym], b ? [kernel, b.float] : [kernel]), x.layout);
    }
    const kshape = [w.shape[2]!, w.shape[3]!, w.shape[1]!, w.shape[0]!];
    const params = [{ name: 'kernel', shape: kshape, trainable: w.initializer }];
    const operands: OnnxOperand[] = [{ input: 0 }, { param: 0 }];
    const data = [kernel];
    if (b) {
      params.push({ name: 'bias', shape: [b.shape[0]!], trainable: b.initializer });
      operands.push({ param: 1 });
      data.push(b.float);
    }
    const attrs = {
      strides: this.pair(a, 'strides', 1),
      dilations: this.pair(a, 'dilations', 1),
      pads: padding,
      groups: a.int('group', 1),
      outputPadding: this.pair(a, 'output_padding', 0),
    };
    const sym = this.op({ op: 'convTranspose', params, operands, attrs }, [x.sym], data);
    this.setRuntime(node, sym, x.layout);
  }

  private pool(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const x0 = this.runtime(node, 0);
    if (x0.layout.length !== 4)
      unsupported(`only 2-D pooling (4-D input) is supported, got rank ${x0.layout.length}`);
    const x = this.toLayout(x0, channelsLast(4));
    const kernel = a.ints('kernel_shape');
    if (kernel?.length !== 2)
      return unsupported(`kernel_shape ${kernel ? `[${kernel.join(',')}]` : 'missing'}`);
    const config = {
      name: this.unique(this.current),
      poolSize: [kernel[0]!, kernel[1]!] as [number, number],
      // ONNX's default stride is 1 (ours is the pool size).
      strides: this.pair(a, 'strides', 1),
      padding: this.padding(a),
      dilations: this.pair(a, 'dilations', 1),
      ceilMode: a.int('ceil_mode', 0) === 1,
    };
    const layer =
      node.op_type === 'MaxPool'
        ? new MaxPool2D(config)
        : new AvgPool2D({ ...config, countIncludePad: a.int('count_include_pad', 0) === 1 });
    this.setRuntime(node, this.apply(layer, [x.sym]), x.layout);
  }

  private gemm(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const x = this.toLayout(this.runtime(node, 0, 'input A'), identity(2));
    if (x.layout.length !== 2) unsupported(`input A must be 2-D, got rank ${x.layout.length}`);
    const alpha = a.float('alpha', 1);
    const beta = a.float('beta', 1);
    const transA = a.int('transA', 0) === 1;
    const transB = a.int('transB', 0) === 1;
    if (transA) unsupported('transA = 1 (it would move the batch axis)');
    const bValue = this.input(node, 1);
    const c = node.input?.[2] ? this.input(node, 2) : undefined;
    if (bValue?.kind === 'const' && bValue.dtype === 'float' && bValue.shape.length === 2) {
      const n = transB ? bValue.shape[0]! : bValue.shape[1]!;
      const cFits =
        !c ||
        (c.kind === 'const' &&
          c.dtype === 'float' &&
          c.float!.length === n &&
          (c.shape.length === 1 || (c.shape.length === 2 && c.shape[0] === 1)));
      if (cFits) {
        let kernel = transB ? permute(bValue.float!, bValue.shape, [1, 0]) : Float32Array.from(bValue.float!);
        if (alpha !== 1) kernel = kernel.map((v) => v * alpha);
        const weights = [kernel];
        if (c)
          weights.push(beta === 1 ? (c as ConstValue).float! : (c as ConstValue).float!.map((v) => v * beta));
        const layer = new Dense({ name: this.unique(this.current), units: n, useBias: !!c });
        return this.setRuntime(node, this.apply(layer, [x.sym], weights), identity(2));
      }
    }
    // The general case: core's gemm on whatever mix of computed tensors and constants.
    const params: NonNullable<OnnxOpConfig['params']> = [];
    const data: Float32Array[] = [];
    const inputs = [x.sym];
    const operands: OnnxOperand[] = [{ input: 0 }];
    for (const [i, what] of [
      [1, 'B'],
      [2, 'C'],
    ] as const) {
      const v = this.input(node, i);
      if (!v) continue;
      if (v.kind === 'runtime') {
        operands.push({ input: inputs.length });
        inputs.push(this.toLayout(v, identity(v.layout.length)).sym);
      } else {
        if (v.dtype !== 'float') unsupported(`${what} must be float32`);
        operands.push({ param: params.length });
        params.push({ name: what, shape: v.shape, trainable: v.initializer });
        data.push(v.float!);
      }
    }
    const sym = this.op(
      { op: 'gemm', operands, params, attrs: { alpha, beta, transA, transB } },
      inputs,
      data,
    );
    this.setRuntime(node, sym, identity(2));
  }

  private matMul(node: NodeProto): undefined {
    const av = this.input(node, 0);
    const bv = this.input(node, 1);
    if (
      av?.kind === 'runtime' &&
      bv?.kind === 'const' &&
      bv.dtype === 'float' &&
      bv.shape.length === 2 &&
      av.layout.length >= 2
    ) {
      // x · W with a constant W is a Dense layer without bias, on the last axis.
      const x = this.toLayout(av, identity(av.layout.length));
      const layer = new Dense({ name: this.unique(this.current), units: bv.shape[1]!, useBias: false });
      return this.setRuntime(node, this.apply(layer, [x.sym], [bv.float!]), x.layout);
    }
    if (av?.kind !== 'runtime') unsupported('input A must be a computed tensor');
    const a = this.toLayout(av as RuntimeValue, identity((av as RuntimeValue).layout.length));
    if (bv?.kind === 'runtime') {
      const b = this.toLayout(bv, identity(bv.layout.length));
      return this.setRuntime(node, this.op({ op: 'matMul' }, [a.sym, b.sym]), a.layout);
    }
    const c = this.floatConst(node, 1, 'input B');
    const sym = this.op(
      {
        op: 'matMul',
        operands: [{ input: 0 }, { param: 0 }],
        params: [{ name: 'B', shape: c.shape, trainable: c.initializer }],
      },
      [a.sym],
      [c.float],
    );
    this.setRuntime(node, sym, a.layout);
  }

  private batchNorm(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    if (a.int('training_mode', 0) === 1)
      unsupported('training_mode = 1 (export the model in inference mode)');
    const x0 = this.runtime(node, 0);
    const x = this.toLayout(x0, channelsLast(x0.layout.length));
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map(
      (i) => this.floatConst(node, i, ['scale', 'B', 'input_mean', 'input_var'][i - 1]!).float,
    );
    // ONNX: running = running·momentum + batch·(1 - momentum); ours (PyTorch's) weighs the batch by momentum.
    const layer = new BatchNorm({
      name: this.unique(this.current),
      epsilon: a.float('epsilon', 1e-5),
      momentum: 1 - a.float('momentum', 0.9),
    });
    this.setRuntime(node, this.apply(layer, [x.sym], [scale!, bias!, mean!, variance!]), x.layout);
  }

  private softmax(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const x = this.runtime(node, 0);
    const rank = x.layout.length;
    const raw = a.int('axis', this.opset < 13 ? 1 : -1);
    const axis = raw < 0 ? raw + rank : raw;
    if (axis === 0) unsupported('axis 0 is the batch axis');
    const op = node.op_type === 'Softmax' ? 'softmax' : 'logSoftmax';
    if (this.opset < 13 && axis < rank - 1) {
      // Opsets < 13 normalize over every axis from `axis` on, in ONNX order.
      const y = this.toLayout(x, identity(rank));
      return this.setRuntime(
        node,
        this.op({ op, attrs: { axis: -1, flattenFrom: axis } }, [y.sym]),
        y.layout,
      );
    }
    const ours = x.layout.indexOf(axis);
    if (op === 'softmax' && ours === rank - 1) {
      const sym = this.apply(new Softmax({ name: this.unique(this.current), axis: -1 }), [x.sym]);
      return this.setRuntime(node, sym, x.layout);
    }
    this.setRuntime(node, this.op({ op, attrs: { axis: ours } }, [x.sym]), x.layout);
  }

  private concat(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const values = (node.input ?? []).map((_, i) => this.input(node, i)!);
    if (values.every((v) => v.kind === 'const'))
      return this.set(node, foldConcat(values as ConstValue[], a.int('axis', 0)));
    const first = values.find((v) => v.kind === 'runtime') as RuntimeValue;
    const rank = first.layout.length;
    const axis = a.int('axis', 0) < 0 ? a.int('axis', 0) + rank : a.int('axis', 0);
    if (axis === 0) unsupported('axis 0 is the batch axis');
    const inputs = values.map((v, i) => {
      if (v.kind !== 'runtime')
        return unsupported(`input ${i} is a constant; only computed tensors can be concatenated`);
      return this.toLayout(v, first.layout, `${this.current}_in${i}_layout`).sym;
    });
    const sym = this.apply(
      new Concat({ name: this.unique(this.current), axis: first.layout.indexOf(axis) }),
      inputs,
    );
    this.setRuntime(node, sym, first.layout);
  }

  private binary(node: NodeProto): undefined {
    const op = node.op_type!;
    const kind = op.toLowerCase() as 'add' | 'sub' | 'mul' | 'div';
    const l = this.input(node, 0)!;
    const r = this.input(node, 1)!;
    if (l.kind === 'const' && r.kind === 'const') return this.set(node, foldArithmetic(kind, l, r));
    if (l.kind === 'runtime' && r.kind === 'runtime') {
      if (l.layout.length !== r.layout.length)
        unsupported(
          `operands of rank ${l.layout.length} and ${r.layout.length} (the batch axes would not align)`,
        );
      const r2 = this.toLayout(r, l.layout, `${this.current}_rhs_layout`);
      if (kind === 'add' && same(l.sym.shape, r2.sym.shape)) {
        const sym = this.apply(new Add({ name: this.unique(this.current) }), [l.sym, r2.sym]);
        return this.setRuntime(node, sym, l.layout);
      }
      return this.setRuntime(node, this.op({ op: kind }, [l.sym, r2.sym]), l.layout);
    }
    // One constant: broadcast it against the computed tensor in ONNX order, then lay it out like it.
    const x = (l.kind === 'runtime' ? l : r) as RuntimeValue;
    const c = (l.kind === 'const' ? l : r) as ConstValue;
    const rank = x.layout.length;
    if (c.shape.length > rank)
      unsupported(`constant '${c.name}' of rank ${c.shape.length} exceeds the tensor's rank ${rank}`);
    const values = c.dtype === 'float' ? c.float! : Float32Array.from(c.ints as number[]);
    if (c.dtype === 'int' && c.ints!.includes('batch')) unsupported('arithmetic on the dynamic batch size');
    const full = [...new Array<number>(rank - c.shape.length).fill(1), ...c.shape];
    const shape = x.layout.map((a) => full[a]!);
    const data = permute(values, full, x.layout);
    const params = [{ name: 'constant', shape, trainable: c.initializer }];
    const operands: OnnxOperand[] =
      l.kind === 'runtime' ? [{ input: 0 }, { param: 0 }] : [{ param: 0 }, { input: 0 }];
    this.setRuntime(node, this.op({ op: kind, params, operands }, [x.sym], [data]), x.layout);
  }

  /** The target of a reshape of `x` (ONNX order) as ['batch', per-sample sizes...], or unsupported. */
  private reshapeTarget(x: RuntimeValue, target: TargetDim[], allowZero: boolean): TargetDim[] {
    const input = this.onnxShape(x);
    const perSample = product(this.staticShape(x).slice(1));
    const resolved = target.map((d, i) => (d === 0 && !allowZero ? (i === 0 ? 'batch' : input[i]) : d)) as (
      | TargetDim
      | string
    )[];
    const rest = resolved.slice(1);
    if (rest.some((d) => d === 'batch' || d === 'N'))
      return unsupported(`target [${target.join(',')}] moves the batch size off axis 0`);
    const known = rest.filter((d) => d !== -1) as number[];
    const lead = resolved[0];
    const restSize = product(known);
    const batchLike =
      lead === 'batch' || lead === 'N' || (lead === -1 && !rest.includes(-1) && restSize === perSample);
    if (!batchLike) return unsupported(`target [${target.join(',')}] does not keep the batch on axis 0`);
    return ['batch', ...(rest as number[])];
  }

  private reshape(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const v = this.input(node, 0)!;
    const target = this.intConst(node, 1, 'shape');
    if (!target) return unsupported('shape input is missing');
    if (v.kind === 'const') {
      const n = v.dtype === 'float' ? v.float!.length : v.ints!.length;
      const known = product(target.filter((d) => d !== -1) as number[]);
      const shape = target.map((d, i) => (d === -1 ? n / known : d === 0 ? v.shape[i]! : d)) as number[];
      return this.set(node, { ...v, shape });
    }
    const x = this.toLayout(v, identity(v.layout.length));
    const resolved = this.reshapeTarget(x, target, a.int('allowzero', 0) === 1);
    const sym = this.op({ op: 'reshape', attrs: { target: resolved } }, [x.sym]);
    this.setRuntime(node, sym, identity(resolved.length));
  }

  private transpose(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const v = this.input(node, 0)!;
    if (v.kind === 'const') {
      const perm = a.ints('perm') ?? identity(v.shape.length).reverse();
      const index = permutedIndices(v.shape, perm);
      return this.set(
        node,
        pick(
          v,
          index,
          perm.map((p) => v.shape[p]!),
        ),
      );
    }
    const x = this.runtime(node, 0);
    const rank = x.layout.length;
    const perm = a.ints('perm') ?? identity(rank).reverse();
    if (perm[0] !== 0) unsupported(`perm [${perm.join(',')}] moves the batch axis`);
    // No data moves: output axis j is input axis perm[j], so our axes just get new ONNX labels.
    const inverse = new Array<number>(rank);
    perm.forEach((p, j) => {
      inverse[p] = j;
    });
    this.set(node, { kind: 'runtime', sym: x.sym, layout: x.layout.map((axis) => inverse[axis]!) });
  }

  private pad(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const x = this.runtime(node, 0);
    const rank = x.layout.length;
    const mode = a.string('mode', 'constant');
    if (!['constant', 'reflect', 'edge'].includes(mode)) unsupported(`mode '${mode}'`);
    const pads = this.staticInts(node, 1, 'pads');
    if (!pads) return unsupported('pads input is missing');
    const axes = (this.staticInts(node, 3, 'axes') ?? identity(rank)).map((ax) => (ax < 0 ? ax + rank : ax));
    const begins = new Array<number>(rank).fill(0);
    const ends = new Array<number>(rank).fill(0);
    axes.forEach((ax, k) => {
      begins[ax] = pads[k]!;
      ends[ax] = pads[k + axes.length]!;
    });
    if (begins[0] !== 0 || ends[0] !== 0) unsupported('padding the batch axis');
    let value = 0;
    if (node.input?.[2]) value = this.floatConst(node, 2, 'constant_value').float[0] ?? 0;
    const attrs = {
      before: x.layout.map((ax) => begins[ax]!),
      after: x.layout.map((ax) => ends[ax]!),
      value,
      mode: mode === 'constant' ? 'constant' : mode,
    };
    this.setRuntime(node, this.op({ op: 'pad', attrs }, [x.sym]), x.layout);
  }

  private sliceRanges(
    shape: readonly TargetDim[],
    node: NodeProto,
    anySteps = false,
  ): { axes: number[]; starts: number[]; ends: number[]; steps: number[] } {
    const rank = shape.length;
    const starts = this.staticInts(node, 1, 'starts') ?? [];
    const ends = this.staticInts(node, 2, 'ends') ?? [];
    const axes = (this.staticInts(node, 3, 'axes') ?? identity(starts.length)).map((ax) =>
      ax < 0 ? ax + rank : ax,
    );
    const steps = this.staticInts(node, 4, 'steps');
    if (!anySteps && steps?.some((s) => s !== 1))
      unsupported(`steps [${steps.join(',')}] (only 1 is supported)`);
    return { axes, starts, ends, steps: steps ?? axes.map(() => 1) };
  }

  private slice(node: NodeProto): undefined {
    const v = this.input(node, 0)!;
    if (v.kind === 'const') {
      const { axes, starts, ends, steps } = this.sliceRanges(v.shape, node, true);
      const { index, shape } = slicedIndices(v.shape, axes, starts, ends, steps);
      return this.set(node, pick(v, index, shape));
    }
    const shape = this.onnxShape(v);
    const { axes, starts, ends } = this.sliceRanges(shape as TargetDim[], node);
    const begin = shape.map(() => 0);
    const size = this.staticShape(v);
    axes.forEach((ax, k) => {
      if (ax === 0) {
        if (starts[k] !== 0 || ends[k]! < 2 ** 31 - 1) unsupported('slicing the batch axis');
        return;
      }
      const [s, e] = clampRange(starts[k]!, ends[k]!, size[ax]!);
      begin[ax] = s;
      size[ax] = e - s;
    });
    const attrs = { begin: v.layout.map((ax) => begin[ax]!), size: v.layout.map((ax) => size[ax]!) };
    this.setRuntime(node, this.op({ op: 'slice', attrs }, [v.sym]), v.layout);
  }

  private squeeze(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const v = this.input(node, 0)!;
    const axesRaw = this.opset < 13 ? a.ints('axes') : this.staticInts(node, 1, 'axes');
    const inShape: TargetDim[] =
      v.kind === 'const' ? v.shape : (this.onnxShape(v).map((d) => (d === 'N' ? 'batch' : d)) as TargetDim[]);
    const unsqueeze = node.op_type === 'Unsqueeze';
    let outShape: TargetDim[];
    if (unsqueeze) {
      if (!axesRaw) return unsupported('axes are missing');
      const rank = inShape.length + axesRaw.length;
      const axes = axesRaw.map((ax) => (ax < 0 ? ax + rank : ax));
      outShape = [];
      let k = 0;
      for (let i = 0; i < rank; i++) outShape.push(axes.includes(i) ? 1 : inShape[k++]!);
    } else {
      const rank = inShape.length;
      const axes = (axesRaw ?? identity(rank).filter((i) => inShape[i] === 1)).map((ax) =>
        ax < 0 ? ax + rank : ax,
      );
      outShape = inShape.filter((_, i) => !axes.includes(i));
    }
    if (v.kind === 'const') return this.set(node, { ...v, shape: outShape as number[] });
    if (outShape[0] !== 'batch') unsupported('the batch axis would move');
    const x = this.toLayout(v, identity(v.layout.length));
    const sym = this.op({ op: 'reshape', attrs: { target: outShape } }, [x.sym]);
    this.setRuntime(node, sym, identity(outShape.length));
  }

  private shape(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const v = this.input(node, 0)!;
    const full: TargetDim[] =
      v.kind === 'const' ? v.shape : (this.onnxShape(v).map((d) => (d === 'N' ? 'batch' : d)) as TargetDim[]);
    const [s, e] = clampRange(a.int('start', 0), a.int('end', full.length), full.length);
    const ints = full.slice(s, e);
    this.set(node, {
      kind: 'const',
      dtype: 'int',
      shape: [ints.length],
      ints,
      initializer: false,
      name: node.output![0]!,
    });
  }

  private gather(node: NodeProto, a: ReturnType<typeof attributes>): undefined {
    const data = this.input(node, 0)!;
    const indices = this.input(node, 1)!;
    if (data.kind !== 'const' || data.dtype !== 'int' || data.shape.length !== 1 || indices.kind !== 'const')
      return unsupported(
        'Gather is supported on shapes known at load (a Shape subgraph), not on computed tensors',
      );
    if (a.int('axis', 0) !== 0) unsupported('axis other than 0 on a 1-D shape');
    const n = data.ints!.length;
    const picked = (indices.ints as number[]).map((i) => data.ints![i < 0 ? i + n : i]!);
    this.set(node, { ...data, shape: indices.shape, ints: picked, name: node.output![0]! });
  }
}

/** The flat indices of a constant of shape `shape` with its axes permuted (output axis i = input axis perm[i]). */
function permutedIndices(shape: readonly number[], perm: readonly number[]): number[] {
  const strides = shape.map((_, i) => product(shape.slice(i + 1)));
  const out = perm.map((p) => shape[p]!);
  return flatIndices(out, (idx) => idx.reduce((o, d, i) => o + d * strides[perm[i]!]!, 0));
}

/** The flat indices ONNX Slice picks from a constant (any steps, negative ones included). */
function slicedIndices(
  shape: readonly number[],
  axes: number[],
  starts: number[],
  ends: number[],
  steps: number[],
): { index: number[]; shape: number[] } {
  const begin = shape.map(() => 0);
  const step = shape.map(() => 1);
  const size = [...shape];
  axes.forEach((ax, k) => {
    const n = shape[ax]!;
    const st = steps[k]!;
    if (st > 0) {
      const [s, e] = clampRange(starts[k]!, ends[k]!, n);
      begin[ax] = s;
      size[ax] = Math.ceil((e - s) / st);
    } else {
      // Negative steps clamp to [-1, n-1] (ONNX Slice).
      const s = Math.min(Math.max(starts[k]! < 0 ? starts[k]! + n : starts[k]!, -1), n - 1);
      const e = Math.min(Math.max(ends[k]! < 0 ? ends[k]! + n : ends[k]!, -1), n - 1);
      begin[ax] = s;
      size[ax] = Math.max(0, Math.ceil((s - e) / -st));
    }
    step[ax] = st;
  });
  const strides = shape.map((_, i) => product(shape.slice(i + 1)));
  return {
    index: flatIndices(size, (idx) =>
      idx.reduce((o, d, i) => o + (begin[i]! + d * step[i]!) * strides[i]!, 0),
    ),
    shape: size,
  };
}

function flatIndices(shape: readonly number[], at: (index: number[]) => number): number[] {
  const out: number[] = [];
  const n = product(shape);
  const idx = shape.map(() => 0);
  for (let k = 0; k < n; k++) {
    out.push(at(idx));
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

function pick(v: ConstValue, index: number[], shape: number[]): ConstValue {
  return v.dtype === 'int'
    ? { ...v, shape, ints: index.map((i) => v.ints![i]!), initializer: false }
    : { ...v, shape, float: Float32Array.from(index, (i) => v.float![i]!), initializer: false };
}

/** ONNX Slice's clamping of [start, end) to a dimension of size n (negative counts from the end). */
function clampRange(start: number, end: number, n: number): [number, number] {
  const s = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
  const e = Math.min(Math.max(end < 0 ? end + n : end, 0), n);
  return [s, Math.max(s, e)];
}

function foldConcat(values: ConstValue[], axis: number): ConstValue {
  if (
    values.some((v) => v.shape.length !== 1) ||
    axis !== 0 ||
    values.some((v) => v.dtype !== values[0]!.dtype)
  )
    return unsupported('concatenating constants other than 1-D vectors of one type');
  if (values[0]!.dtype === 'int') {
    const ints = values.flatMap((v) => v.ints!);
    return { ...values[0]!, shape: [ints.length], ints, initializer: false };
  }
  const float = Float32Array.from(values.flatMap((v) => Array.from(v.float!)));
  return { ...values[0]!, shape: [float.length], float, initializer: false };
}

function foldArithmetic(kind: 'add' | 'sub' | 'mul' | 'div', l: ConstValue, r: ConstValue): ConstValue {
  const fn = {
    add: (a: number, b: number) => a + b,
    sub: (a: number, b: number) => a - b,
    mul: (a: number, b: number) => a * b,
    div: (a: number, b: number) => a / b,
  }[kind];
  const lv = l.dtype === 'int' ? l.ints! : Array.from(l.float!);
  const rv = r.dtype === 'int' ? r.ints! : Array.from(r.float!);
  if (lv.includes('batch') || rv.includes('batch'))
    return unsupported('arithmetic on the dynamic batch size');
  if (lv.length !== rv.length && lv.length !== 1 && rv.length !== 1)
    return unsupported('folding constants of different sizes');
  const n = Math.max(lv.length, rv.length);
  const out = Array.from({ length: n }, (_, i) =>
    fn(lv[lv.length === 1 ? 0 : i] as number, rv[rv.length === 1 ? 0 : i] as number),
  );
  const shape = lv.length >= rv.length ? l.shape : r.shape;
  if (l.dtype === 'int' && r.dtype === 'int')
    return { ...l, shape, ints: out.map((v) => (kind === 'div' ? Math.trunc(v) : v)), initializer: false };
  return { ...l, dtype: 'float', shape, float: Float32Array.from(out), ints: undefined, initializer: false };
}

/** Our layout of a tensor of ONNX rank `rank` at a model boundary: 4-D as NHWC, others as in ONNX. */
export function boundaryLayout(rank: number): number[] {
  return rank === 4 ? channelsLast(4) : identity(rank);
}

/** The attribute-type enum, re-exported for tools that build nodes by hand. */
export { AttributeType };
