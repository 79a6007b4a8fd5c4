/**
 * The networks of the model suite, defined once by @cnn/models and described as a library-neutral layer
 * graph (`ArchLayer[]`), so each peer rebuilds the same network in its own API and loads the same initial
 * weights: the only way their outputs and losses can be compared with ours number for number.
 */
import * as cnn from '@cnn/core';
import { lenet5, resnet } from '@cnn/models';
import type { NetName } from '../tasks.js';

type Pair = [number, number];
type Pads = [number, number, number, number];

/** One layer application. `inputs` index earlier entries; shapes exclude the batch dim. */
export type ArchLayer = { name: string; inputs: number[]; inShape: number[]; outShape: number[] } & (
  | { type: 'input' }
  | {
      type: 'conv2d';
      filters: number;
      kernel: Pair;
      strides: Pair;
      /** `[top, left, bottom, right]`. */
      pads: Pads;
      useBias: boolean;
      activation: 'linear' | 'relu';
    }
  | { type: 'dense'; units: number; useBias: boolean; activation: 'linear' | 'relu' }
  | { type: 'maxPool' | 'avgPool'; kernel: Pair; strides: Pair; pads: Pads }
  | { type: 'globalAvgPool' }
  | { type: 'batchNorm'; epsilon: number }
  | { type: 'relu' }
  | { type: 'add' }
  | { type: 'flatten' }
  | { type: 'dropout' }
  | { type: 'other'; className: string }
);

/** A weight in our layout (conv kernels HWIO, dense kernels `[in, out]`), named `<layer>/<param>`. */
export interface NamedWeight {
  name: string;
  layer: string;
  /** `kernel`, `bias`, `gamma`, `beta`, `movingMean`, `movingVariance`. */
  param: string;
  shape: number[];
  values: Float32Array;
}

export interface NetDefinition {
  name: NetName;
  title: string;
  /** Builds our model (weights not yet set). */
  make(): cnn.Model;
  arch: ArchLayer[];
  /** Initial weights, every variable of `make()`'s model in order. */
  weights: NamedWeight[];
  inputShape: [number, number, number];
  classes: number;
}

const pair = (v: unknown): Pair => (typeof v === 'number' ? [v, v] : [...(v as Pair)]);
const activationOf = (a: unknown): 'linear' | 'relu' | null => (a === 'linear' || a === 'relu' ? a : null);

/** The layer graph of one of our models; layers the peers have no counterpart for become `other`. */
export function archOf(model: cnn.Model): ArchLayer[] {
  const index = new Map(model.nodes.map((node, i) => [node.output, i]));
  return model.nodes.map((node): ArchLayer => {
    const layer = node.layer;
    const base = {
      name: layer.name,
      inputs: node.inputs.map((s) => index.get(s)!),
      inShape: [...(node.inputs[0]?.shape ?? node.output.shape)],
      outShape: [...node.output.shape],
    };
    const other = { ...base, type: 'other' as const, className: layer.className };
    const config = layer.getConfig() as Record<string, unknown>;
    const [h, w] = base.inShape as [number, number];
    switch (layer.className) {
      case 'InputLayer':
        return { ...base, type: 'input' };
      case 'Conv2D': {
        const activation = activationOf(config.activation);
        if (pair(config.dilations).some((d) => d !== 1) || config.groups !== 1 || !activation) return other;
        const kernel = pair(config.kernelSize);
        const strides = pair(config.strides);
        const pads = cnn.resolvePads(
          'conv2d',
          config.padding as cnn.Padding,
          [h, w],
          kernel,
          strides,
          [1, 1],
        );
        const filters = config.filters as number;
        return {
          ...base,
          type: 'conv2d',
          filters,
          kernel,
          strides,
          pads: [...pads],
          useBias: !!config.useBias,
          activation,
        };
      }
      case 'Dense': {
        const activation = activationOf(config.activation);
        if (!activation) return other;
        return {
          ...base,
          type: 'dense',
          units: config.units as number,
          useBias: !!config.useBias,
          activation,
        };
      }
      case 'MaxPool2D':
      case 'AvgPool2D': {
        if (config.ceilMode || pair(config.dilations ?? 1).some((d) => d !== 1)) return other;
        const kernel = pair(config.poolSize);
        const strides = config.strides === undefined ? kernel : pair(config.strides);
        const pads = cnn.resolvePads(
          'pool',
          (config.padding ?? 'valid') as cnn.Padding,
          [h, w],
          kernel,
          strides,
          [1, 1],
        );
        return {
          ...base,
          type: layer.className === 'MaxPool2D' ? 'maxPool' : 'avgPool',
          kernel,
          strides,
          pads: [...pads],
        };
      }
      case 'GlobalAveragePool':
        return { ...base, type: 'globalAvgPool' };
      case 'BatchNorm':
        return { ...base, type: 'batchNorm', epsilon: config.epsilon as number };
      case 'ReLU':
        return { ...base, type: 'relu' };
      case 'Activation':
        return config.activation === 'relu' ? { ...base, type: 'relu' } : other;
      case 'Add':
        return { ...base, type: 'add' };
      case 'Flatten':
        return { ...base, type: 'flatten' };
      case 'Dropout':
        return { ...base, type: 'dropout' };
      default:
        return other;
    }
  });
}

/** The initial weights `model.initialize(seed)` draws (on the host, so they do not depend on a backend). */
export function initialWeights(model: cnn.Model): NamedWeight[] {
  const random = new cnn.Random(model.seed);
  return model.variables.map((v) => ({
    name: v.name,
    layer: v.name.slice(0, v.name.lastIndexOf('/')),
    param: v.spec.name,
    shape: [...v.spec.shape],
    values: cnn.initialize(v.spec.initializer, v.spec.shape, random),
  }));
}

export function netDefinition(name: NetName): NetDefinition {
  if (name === 'lenet5') {
    const make = () => lenet5({ seed: 7 });
    const model = make();
    return {
      name,
      title: 'LeNet-5 (@cnn/models lenet5(), conv1 padded: 28-28-14-10-5, 61,706 weights)',
      make,
      arch: archOf(model),
      weights: initialWeights(model),
      inputShape: [28, 28, 1],
      classes: 10,
    };
  }
  const make = () =>
    resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10, width: 0.25, smallInput: true, seed: 7 });
  const model = make();
  const weights = initialWeights(model);
  // Fresh batch norms are almost the identity (mean 0, variance 1, scale 1): give them seeded statistics so
  // the inference comparison exercises every term of every batch norm.
  const random = new cnn.Random(11);
  for (const w of weights) {
    const draw = {
      gamma: () => random.uniform(0.5, 1.5),
      beta: () => random.normal(0, 0.1),
      movingMean: () => random.normal(0, 0.1),
      movingVariance: () => random.uniform(0.5, 1.5),
    }[w.param];
    if (draw) w.values = w.values.map(() => draw());
  }
  return {
    name,
    title:
      'ResNet-18 at CIFAR scale, width 1/4 (@cnn/models resnet({ depth: 18, width: 0.25, smallInput: true }))',
    make,
    arch: archOf(model),
    weights,
    inputShape: [32, 32, 3],
    classes: 10,
  };
}

/** The weights of one layer, in the order they were declared (kernel, bias / gamma, beta, mean, variance). */
export function weightsOf(def: NetDefinition, layer: string): NamedWeight[] {
  return def.weights.filter((w) => w.layer === layer);
}
