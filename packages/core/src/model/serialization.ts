import { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from '../layers/conv.js';
import { ActivationLayer, Dense, Flatten, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh } from '../layers/core.js';
import { InputLayer, type Layer, type SymbolicTensor } from '../layers/layer.js';
import { Add, Concat, Dropout } from '../layers/merge.js';
import { BatchNorm, LRN } from '../layers/normalization.js';
import { AvgPool2D, GlobalAveragePool, GlobalMaxPool, MaxPool2D } from '../layers/pooling.js';
import { Cropping2D, Reshape, SpatialDropout2D, UpSampling2D, ZeroPadding2D } from '../layers/reshaping.js';
import { tensor } from '../ops/creation.js';
import { fmt } from '../shape.js';
import { sizeOf } from '../tensor.js';
import { Model } from './model.js';

/** The `format` field of a saved model. */
export const MODEL_FORMAT = 'cnn-model';
/** The `version` field of a saved model: the format this code reads and writes. */
export const MODEL_FORMAT_VERSION = 1;

/**
 * The model file format, version 1: this JSON (the graph and the weight manifest) plus one binary file
 * holding every weight as little-endian float32, concatenated in manifest order.
 */
export interface ModelTopology {
  format: typeof MODEL_FORMAT;
  version: number;
  name: string;
  seed: number;
  /** Layers in execution order; `inbound` names the layers whose outputs feed this one. */
  layers: { name: string; className: string; config: Record<string, unknown>; inbound: string[] }[];
  inputs: string[];
  outputs: string[];
  weights: { name: string; shape: number[] }[];
}

/**
 * A layer class `registerLayer` accepts: constructed from its saved config (each class takes its own
 * config type; `never` accepts any of them without exposing `any`).
 */
export type LayerConstructor = new (config: never) => Layer;

/** Layer classes by `className`, for loading. Register custom layers with `registerLayer`. */
const layerClasses = new Map<string, LayerConstructor>(
  Object.entries({
    Conv2D,
    Conv2DTranspose,
    DepthwiseConv2D,
    SeparableConv2D,
    Reshape,
    ZeroPadding2D,
    Cropping2D,
    UpSampling2D,
    SpatialDropout2D,
    Dense,
    Flatten,
    Activation: ActivationLayer,
    ReLU,
    LeakyReLU,
    Sigmoid,
    Tanh,
    Softmax,
    MaxPool2D,
    AvgPool2D,
    GlobalAveragePool,
    GlobalMaxPool,
    BatchNorm,
    LRN,
    Dropout,
    Concat,
    Add,
  }),
);

/** Makes a custom layer class loadable: `modelFromTopology` builds layers by their `className`. */
export function registerLayer(className: string, ctor: LayerConstructor): void {
  layerClasses.set(className, ctor);
}

/** A model's topology as plain JSON (layers, their configs and connections, the weight manifest): save it with `modelWeights`. */
export function modelTopology(model: Model): ModelTopology {
  const applied = new Set<Layer>();
  for (const node of model.nodes) {
    if (applied.has(node.layer)) {
      throw new Error(
        `save: layer '${node.layer.name}' is applied more than once; shared layers cannot be saved yet`,
      );
    }
    applied.add(node.layer);
  }
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    name: model.name,
    seed: model.seed,
    layers: model.nodes.map((node) => ({
      name: node.layer.name,
      className: node.layer.className,
      // A frozen layer says so (absent means trainable, so older files read the same).
      config: node.layer.trainable ? node.layer.getConfig() : { ...node.layer.getConfig(), trainable: false },
      inbound: node.inputs.map((s) => s.node.layer.name),
    })),
    inputs: model.inputs.map((s) => s.node.layer.name),
    outputs: model.outputs.map((s) => s.node.layer.name),
    weights: model.variables.map((v) => ({ name: v.name, shape: [...v.spec.shape] })),
  };
}

/** All weights, concatenated in manifest order. */
export async function modelWeights(model: Model): Promise<Float32Array> {
  const weights = model.getWeights();
  const out = new Float32Array(weights.reduce((n, w) => n + w.tensor.size, 0));
  let offset = 0;
  for (const w of weights) {
    out.set(await w.tensor.data(), offset);
    offset += w.tensor.size;
  }
  return out;
}

/** Rebuilds a model from its topology (and sets its weights when given). Errors name the bad entry. */
export function modelFromTopology(topology: ModelTopology, weights?: Float32Array): Model {
  checkTopology(topology);
  const outputs = new Map<string, SymbolicTensor>();
  for (const entry of topology.layers) {
    if (outputs.has(entry.name)) throw new Error(`load: layer '${entry.name}' appears twice`);
    if (entry.className === 'InputLayer') {
      const config = entry.config as { shape: number[] };
      outputs.set(entry.name, new InputLayer(config.shape, entry.name).output());
      continue;
    }
    const ctor = layerClasses.get(entry.className);
    if (!ctor)
      throw new Error(
        `load: layer '${entry.name}' has unknown class '${entry.className}' (register it with registerLayer)`,
      );
    const inbound = entry.inbound.map((name) => {
      const s = outputs.get(name);
      if (!s)
        throw new Error(
          `load: layer '${entry.name}' reads '${name}', which is not defined before it (a cycle or a missing layer)`,
        );
      return s;
    });
    try {
      const { trainable, ...config } = entry.config;
      const layer = new ctor({ ...config, name: entry.name } as never);
      if (trainable === false) layer.trainable = false;
      outputs.set(entry.name, layer.apply(inbound));
    } catch (error) {
      throw new Error(`load: layer '${entry.name}' (${entry.className}): ${(error as Error).message}`);
    }
  }
  const pick = (names: string[], what: string) =>
    names.map((name) => {
      const s = outputs.get(name);
      if (!s) throw new Error(`load: model ${what} '${name}' is not a layer of the file`);
      return s;
    });
  const model = new Model({
    inputs: pick(topology.inputs, 'input'),
    outputs: pick(topology.outputs, 'output'),
    name: topology.name,
    seed: topology.seed,
  });
  checkManifest(model, topology.weights);
  if (weights) setWeightsFromBuffer(model, topology.weights, weights);
  return model;
}

const describe = (v: unknown): string =>
  Array.isArray(v)
    ? 'an array'
    : v === null
      ? 'null'
      : typeof v === 'string'
        ? `"${v}" (a string)`
        : `${String(v)} (a ${typeof v})`;

/**
 * Checks the structure of a parsed topology before anything is built from it, so that a damaged or
 * hand-edited file gives an error naming the field, never a raw TypeError.
 */
function checkTopology(topology: ModelTopology): void {
  const t = topology as unknown as Record<string, unknown>;
  if (!t || typeof t !== 'object' || Array.isArray(t))
    throw new Error('load: the model file is not a JSON object');
  if (t.format !== MODEL_FORMAT)
    throw new Error(`load: not a ${MODEL_FORMAT} file (format: ${describe(t.format)})`);
  if (t.version !== MODEL_FORMAT_VERSION) {
    throw new Error(
      `load: model format version ${describe(t.version)} is not supported; this library reads version ${MODEL_FORMAT_VERSION} (a number)`,
    );
  }
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`load: model file field '${field}' must be ${expected}, got ${describe(got)}`);
  };
  const isStringArray = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (typeof t.name !== 'string') fail('name', 'a string', t.name);
  if (t.seed !== undefined && !Number.isFinite(t.seed)) fail('seed', 'a number', t.seed);
  if (!isStringArray(t.inputs)) fail('inputs', 'an array of layer names', t.inputs);
  if (!isStringArray(t.outputs)) fail('outputs', 'an array of layer names', t.outputs);
  if (!Array.isArray(t.layers)) fail('layers', 'an array', t.layers);
  (t.layers as unknown[]).forEach((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (!e || typeof e !== 'object') fail(`layers[${i}]`, 'an object', entry);
    if (typeof e.name !== 'string') fail(`layers[${i}].name`, 'a string', e.name);
    if (typeof e.className !== 'string') fail(`layers[${i}].className`, 'a string', e.className);
    if (!e.config || typeof e.config !== 'object' || Array.isArray(e.config))
      fail(`layers[${i}].config`, 'an object', e.config);
    if (e.className !== 'InputLayer' && !isStringArray(e.inbound))
      fail(`layers[${i}].inbound`, 'an array of layer names', e.inbound);
    const shape = (e.config as { shape?: unknown }).shape;
    if (
      e.className === 'InputLayer' &&
      !(Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d > 0))
    )
      fail(`layers[${i}].config.shape`, 'an array of sizes', shape);
  });
  if (!Array.isArray(t.weights)) fail('weights', 'an array', t.weights);
  (t.weights as unknown[]).forEach((w, i) => {
    const e = w as Record<string, unknown>;
    if (!e || typeof e !== 'object') fail(`weights[${i}]`, 'an object', w);
    if (typeof e.name !== 'string') fail(`weights[${i}].name`, 'a string', e.name);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`weights[${i}].shape`, 'an array of sizes', e.shape);
  });
}

/** The file's weight manifest must name exactly the model's weights, with the same shapes. */
function checkManifest(model: Model, manifest: ModelTopology['weights']): void {
  const expected = model.variables;
  if (manifest.length !== expected.length) {
    throw new Error(`load: the file lists ${manifest.length} weights but the model has ${expected.length}`);
  }
  manifest.forEach((w, i) => {
    const v = expected[i]!;
    if (w.name !== v.name)
      throw new Error(`load: weight ${i} is '${w.name}' in the file but '${v.name}' in the model`);
    if (w.shape.length !== v.spec.shape.length || w.shape.some((d, j) => d !== v.spec.shape[j])) {
      throw new Error(
        `load: weight '${w.name}' has shape ${fmt(w.shape)} in the file but ${fmt(v.spec.shape)} in the model`,
      );
    }
  });
}

/** Loads weights saved from another model into `model`, checking names and shapes first. */
export function setWeightsFromBuffer(
  model: Model,
  manifest: ModelTopology['weights'],
  weights: Float32Array,
): void {
  checkManifest(model, manifest);
  const total = manifest.reduce((n, w) => n + sizeOf(w.shape), 0);
  if (weights.length !== total) {
    throw new Error(
      `load: the weights hold ${weights.length} values but the manifest needs ${total} (truncated or wrong file)`,
    );
  }
  let offset = 0;
  model.setWeights(
    manifest.map((w) => {
      const size = sizeOf(w.shape);
      const t = tensor(weights.slice(offset, offset + size), w.shape);
      offset += size;
      return { name: w.name, tensor: t };
    }),
  );
}
