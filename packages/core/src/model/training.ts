import { valueAndGrads } from '../autograd.js';
import type { CallContext, Variable } from '../layers/layer.js';
import { keep, tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { add, equal, greater, mul, sub } from '../ops/elementwise.js';
import { concat, reshape } from '../ops/layout.js';
import { mean, sum } from '../ops/reduce.js';
import type { Random } from '../random.js';
import { fmt, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import {
  batchLoss,
  type LossConfig,
  oneHotOf,
  type ResolvedLoss,
  resolveLoss,
  sampleLosses,
} from './losses.js';
import { accuracyHits, topKHits } from './metrics.js';
import type { Model } from './model.js';
import type { Optimizer } from './optimizers.js';

export type { LossName } from './losses.js';

/** A metric by name: `'accuracy'`, or `'topKAccuracy'` (k = 5, Keras' `top_k_categorical_accuracy`). */
export type MetricName = 'accuracy' | 'topKAccuracy';
/** A metric with options: `{ name: 'topKAccuracy', k: 3 }`. */
export interface TopKAccuracyMetric {
  name: 'topKAccuracy';
  /** How many of the highest scores may hold the true class (1 <= k <= classes). */
  k: number;
}
/** A metric `compile` accepts. */
export type MetricConfig = MetricName | TopKAccuracyMetric;

/** What `model.compile` takes: the optimizer, the loss (one for every output, or one per output) and the metrics. */
export interface CompileConfig {
  optimizer: Optimizer;
  /**
   * softmaxCrossEntropy takes logits and integer class labels `[N]` (or one-hot `[N, C]`), optionally
   * with label smoothing; binaryCrossEntropy takes probabilities; meanSquaredError and huber anything.
   * A model with several outputs takes one loss for all of them or an array with one per output; `fit`
   * minimises their sum.
   */
  loss: LossConfig | LossConfig[];
  metrics?: MetricConfig[] | undefined;
}

/** What `onBatchBegin` hears before each training step. */
export interface BatchBeginInfo {
  epoch: number;
  /** Batch index within the epoch (1-based), and the number of batches per epoch (NaN while unknown). */
  batch: number;
  batches: number;
  /** Samples in this batch. */
  size: number;
}

/** What `onBatchEnd` hears after each training step. */
export interface BatchLogs {
  epoch: number;
  /** Batch index within the epoch, and the number of batches per epoch (NaN while `fitDataset` does not know it yet). */
  batch: number;
  batches: number;
  /** Running means over the epoch so far. */
  loss: number;
  accuracy?: number | undefined;
  topKAccuracy?: number | undefined;
  samplesPerSecond: number;
  /** Seconds since the epoch began. */
  elapsed: number;
}

/** Loss and metrics of one output of a model with several. */
export interface OutputLogs {
  /** The output's layer name. */
  name: string;
  loss: number;
  accuracy?: number | undefined;
  topKAccuracy?: number | undefined;
}

/** What `onEpochEnd` hears after each epoch, and what `fit` returns per epoch. */
export interface EpochLogs {
  epoch: number;
  epochs: number;
  /** The mean loss over the epoch's samples (a multi-output model: the sum over its outputs). */
  loss: number;
  accuracy?: number | undefined;
  topKAccuracy?: number | undefined;
  valLoss?: number | undefined;
  valAccuracy?: number | undefined;
  valTopKAccuracy?: number | undefined;
  /** Per output, for a model with several outputs. */
  outputs?: OutputLogs[] | undefined;
  valOutputs?: OutputLogs[] | undefined;
  /** The optimizer's learning rate during the epoch. */
  learningRate: number;
  seconds: number;
  samplesPerSecond: number;
}

/** Names of the numeric epoch logs a callback can monitor. */
export type MonitorName =
  | 'loss'
  | 'accuracy'
  | 'topKAccuracy'
  | 'valLoss'
  | 'valAccuracy'
  | 'valTopKAccuracy';

/** What `onTrainBegin` hears before the first step. */
export interface TrainBeginInfo {
  /** The last epoch (1-based), and the number of epochs already done (`initialEpoch`). */
  epochs: number;
  initialEpoch: number;
  /** Batches per epoch and samples per epoch (NaN for `fitDataset` without `batchesPerEpoch`). */
  batches: number;
  samples: number;
  /** The model being trained: set `model.stopTraining = true` to stop after the current batch. */
  model: Model;
  optimizer: Optimizer;
  /** The logs every epoch will hold (what a callback such as `earlyStopping` may monitor). */
  monitors: readonly MonitorName[];
}

/**
 * `fit` callbacks, each optional; `fit` awaits the promises they return. To stop training from a callback,
 * set `model.stopTraining = true` (the model is in `onTrainBegin`'s info): the current batch finishes, the
 * epoch's logs (over the batches it ran) and validation are recorded, and `fit` resolves with the history.
 */
export interface Callbacks {
  /** Before the first step. An error thrown here stops `fit` before anything is trained. */
  onTrainBegin?(info: TrainBeginInfo): void | Promise<void>;
  /** Before each epoch (1-based). */
  onEpochBegin?(epoch: number): void | Promise<void>;
  /** Before each step. */
  onBatchBegin?(info: BatchBeginInfo): void | Promise<void>;
  /** After each step. */
  onBatchEnd?(logs: BatchLogs): void | Promise<void>;
  /** After each epoch (and its validation). */
  onEpochEnd?(logs: EpochLogs): void | Promise<void>;
  /** After the last epoch (or a stop), with every epoch's logs. */
  onTrainEnd?(history: EpochLogs[]): void | Promise<void>;
  /** Training stopped with an error (it is rethrown after every callback's `onTrainError`). */
  onTrainError?(error: unknown): void;
}

/** Weights per class, for the loss: an array indexed by class, or `{ [class]: weight }` (missing classes weigh 1). */
export type ClassWeight = readonly number[] | Readonly<Record<number, number>>;

/** Options `fit` and `fitDataset` share. */
export interface TrainOptions {
  /** The epoch to end at (1-based, inclusive); default 1. */
  epochs?: number | undefined;
  /** Epochs already done (Keras' `initial_epoch`): training runs epochs initialEpoch + 1 ... epochs. Default 0. */
  initialEpoch?: number | undefined;
  callbacks?: Callbacks | Callbacks[] | undefined;
  /**
   * Weights of the classes in the loss (Keras' `class_weight`): each sample's loss is multiplied by its
   * class's weight, and the batch loss is mean(w_i · loss_i). Single-output models with softmaxCrossEntropy
   * (class indices or one-hot rows) or binaryCrossEntropy (0/1 targets) only.
   */
  classWeight?: ClassWeight | undefined;
}

/** Options of `model.fit`. */
export interface FitOptions extends TrainOptions {
  /** Samples per step (default 32); larger than the data means one batch of all samples. */
  batchSize?: number | undefined;
  /** Reshuffle the samples every epoch (seeded by the model). Default true. */
  shuffle?: boolean | undefined;
  /** Data to evaluate after each epoch: `[x, y]` (`y` an array for a model with several outputs). */
  validationData?: [Tensor, Tensor | Tensor[]] | undefined;
  /**
   * Keep this fraction of the samples out of training and evaluate on it after each epoch. As Keras, the
   * LAST samples (in the order given, before any shuffling) are held out: floor(N·(1 - split)) train.
   */
  validationSplit?: number | undefined;
  /**
   * Data augmentation: changes a training batch in place on the host before it is uploaded (`values` is
   * `[n, ...sample shape]`, row-major), drawing from the model's seeded generator.
   */
  augment?: ((values: Float32Array, shape: readonly number[], random: Random) => void) | undefined;
}

/** One batch of a data set: inputs and targets (arrays for several inputs or outputs). */
export type DatasetBatch =
  | { xs: Tensor | Tensor[]; ys: Tensor | Tensor[] }
  | readonly [Tensor | Tensor[], Tensor | Tensor[]];

/** Batches `fitDataset` and `evaluateDataset` can read: any (async) iterable, read again every epoch. */
export type Dataset = AsyncIterable<DatasetBatch> | Iterable<DatasetBatch>;

/** Options of `model.fitDataset`. */
export interface FitDatasetOptions extends TrainOptions {
  /**
   * Batches per epoch. Given, each epoch reads that many batches, continuing the same iterator (so an
   * endless stream works); otherwise each epoch iterates the data set afresh to its end.
   */
  batchesPerEpoch?: number | undefined;
  /** Evaluated after each epoch: tensors `[x, y]`, or a data set of batches. */
  validationData?: [Tensor, Tensor | Tensor[]] | Dataset | undefined;
  /**
   * Dispose each batch's tensors after its step (default true), so a stream larger than memory keeps the
   * live-tensor count flat. Pass false when the data set yields the same tensors every epoch.
   */
  disposeBatches?: boolean | undefined;
}

/** What `evaluate` returns: the mean loss (the sum over outputs) and metrics, per output too when several. */
export interface EvaluateResult {
  loss: number;
  accuracy: number;
  topKAccuracy?: number | undefined;
  outputs?: OutputLogs[] | undefined;
}

/**
 * `fit` stopped before finishing. The model's weights and the optimizer's state are those before the step
 * that failed (nothing of that step was applied); `history` holds the epochs completed before it.
 */
export class TrainingError extends Error {
  constructor(
    message: string,
    readonly history: EpochLogs[],
    /** Where it stopped: epoch and batch (1-based) and the global step. */
    readonly at: { epoch: number; batch: number; step: number },
  ) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** Σ (t - t) over tensors: 0 when every value is finite, NaN when any is NaN or infinite. */
function finiteProbe(tensors: readonly Tensor[]): Tensor {
  return tensors.map((t) => sum(sub(t, t))).reduce((a, b) => add(a, b));
}

/** A compile config with every loss and metric checked and resolved, one loss per output. */
interface Resolved {
  optimizer: Optimizer;
  losses: ResolvedLoss[];
  accuracy: boolean;
  /** k of the top-k accuracy metric, or 0 without it. */
  topK: number;
}

function resolveCompiled(config: CompileConfig, outputShapes: readonly (readonly number[])[]): Resolved {
  const where = 'compile';
  if (!config || typeof config !== 'object') throw new Error('compile: expected { optimizer, loss }');
  const lossList = Array.isArray(config.loss) ? config.loss : outputShapes.map(() => config.loss);
  if (lossList.length !== outputShapes.length) {
    throw new Error(
      `compile: the model has ${outputShapes.length} output(s) but ${lossList.length} losses were given (one for all, or one per output)`,
    );
  }
  const losses = lossList.map((l) => resolveLoss(where, l as LossConfig));
  const optimizer = config.optimizer as Partial<Optimizer> | undefined;
  if (!optimizer || typeof optimizer.prepare !== 'function' || typeof optimizer.commit !== 'function') {
    throw new Error(
      'compile: optimizer must be an Optimizer (e.g. new SGD({ learningRate: 0.01 }) or new Adam())',
    );
  }
  if (config.metrics !== undefined && !Array.isArray(config.metrics)) {
    throw new Error('compile: metrics must be an array, e.g. ["accuracy"]');
  }
  let accuracy = false;
  let topK = 0;
  for (const metric of config.metrics ?? []) {
    const name = typeof metric === 'string' ? metric : (metric as { name?: unknown } | null)?.name;
    if (name === 'accuracy') accuracy = true;
    else if (name === 'topKAccuracy') {
      topK = typeof metric === 'string' ? 5 : (metric as TopKAccuracyMetric).k;
      losses.forEach((loss, i) => {
        const classes = outputShapes[i]!.at(-1)!;
        if (loss.name === 'binaryCrossEntropy') {
          throw new Error('compile: topKAccuracy needs class scores, not binaryCrossEntropy probabilities');
        }
        if (!Number.isInteger(topK) || topK < 1 || topK > classes) {
          throw new Error(
            `compile: topKAccuracy k must be an integer in [1, ${classes}] (the classes of output ${i}), got ${topK}`,
          );
        }
      });
    } else {
      throw new Error(`compile: unknown metric '${String(name)}' (known: accuracy, topKAccuracy)`);
    }
  }
  return { optimizer: optimizer as Optimizer, losses, accuracy, topK };
}

/** Checks a compile config against a model's outputs before anything trains: known losses and metrics, an optimizer. */
export function checkCompileConfig(
  config: CompileConfig,
  outputShapes: readonly (readonly number[])[] = [[1]],
): CompileConfig {
  resolveCompiled(config, outputShapes);
  return config;
}

/** Host copies of the data, so batches of any sample order can be cut without a gather kernel. */
interface HostData {
  values: Float32Array;
  shape: number[];
  sampleSize: number;
}

async function toHost(t: Tensor): Promise<HostData> {
  const shape = [...t.shape];
  return { values: await t.data(), shape, sampleSize: shape.slice(1).reduce((a, b) => a * b, 1) };
}

function batchOf(
  data: HostData,
  indices: readonly number[],
  backend: Tensor['backend'],
  transform?: (values: Float32Array, shape: readonly number[]) => void,
): Tensor {
  const out = new Float32Array(indices.length * data.sampleSize);
  indices.forEach((s, i) =>
    out.set(data.values.subarray(s * data.sampleSize, (s + 1) * data.sampleSize), i * data.sampleSize),
  );
  const shape = [indices.length, ...data.shape.slice(1)];
  transform?.(out, shape);
  return tensor(out, shape, backend);
}

/** The rows `indices` of host data, on the host. */
function hostRows(data: HostData, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * data.sampleSize);
  indices.forEach((s, i) =>
    out.set(data.values.subarray(s * data.sampleSize, (s + 1) * data.sampleSize), i * data.sampleSize),
  );
  return out;
}

function outputShape(model: Model, i: number): readonly number[] {
  return model.outputs[i]!.shape;
}

function checkLabels(
  op: string,
  model: Model,
  output: number,
  loss: ResolvedLoss,
  yShape: readonly number[],
  n: number,
  labels: Float32Array,
): void {
  const which = model.outputs.length > 1 ? ` (output ${output})` : '';
  if (yShape[0] !== n)
    throw new Error(`${op}: x has ${n} samples but y${which} has ${yShape[0]} (y shape ${fmt(yShape)})`);
  const outShape = outputShape(model, output);
  const classes = outShape[outShape.length - 1]!;
  if (loss.name === 'softmaxCrossEntropy' && shapesEqual(yShape.slice(1), outShape.slice(0, -1))) {
    labels.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new Error(
          `${op}: label ${v}${which} ${yShape.length === 1 ? 'of sample' : 'at index'} ${i} is not a class index in [0, ${classes - 1}]`,
        );
      }
    });
    return;
  }
  if (yShape.length !== outShape.length + 1 || outShape.some((d, i) => d !== yShape[i + 1])) {
    throw new Error(
      `${op}: y${which} has shape ${fmt(yShape)} but the model outputs [batch,${outShape.join(',')}]${loss.name === 'softmaxCrossEntropy' ? ' (or pass class indices [batch])' : ''}`,
    );
  }
  assertFiniteData(op, 'y', labels, yShape);
  if (loss.name === 'softmaxCrossEntropy') {
    // Targets on the class axis must be one-hot or probability rows: non-negative, summing to 1.
    for (let row = 0; row < labels.length / classes; row++) {
      let total = 0;
      for (let c = 0; c < classes; c++) {
        const v = labels[row * classes + c]!;
        if (v < 0 || v > 1) {
          throw new Error(
            `${op}: y${which} row ${row} holds ${v}; targets must be class indices or one-hot / probability rows`,
          );
        }
        total += v;
      }
      if (Math.abs(total - 1) > 1e-3) {
        throw new Error(`${op}: y${which} row ${row} sums to ${total}; one-hot / probability rows sum to 1`);
      }
    }
  }
}

/** Refuses NaN and infinite data before it reaches the weights, naming the sample. */
function assertFiniteData(op: string, name: string, values: Float32Array, shape: readonly number[]): void {
  const sampleSize = values.length / Math.max(1, shape[0]!);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new Error(
        `${op}: ${name} holds ${values[i]} in sample ${Math.floor(i / sampleSize)} (${name} shape ${fmt(shape)})`,
      );
    }
  }
}

function checkPositiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${op}: ${name} must be a positive integer, got ${v}`);
}

/** The weight of each class as a lookup, checked; `classes` from the model's output. */
function resolveClassWeight(
  op: string,
  model: Model,
  compiled: Resolved,
  classWeight: ClassWeight,
): (label: number) => number {
  if (model.outputs.length !== 1) {
    throw new Error(`${op}: classWeight needs a single-output model (this one has ${model.outputs.length})`);
  }
  const loss = compiled.losses[0]!;
  const outShape = outputShape(model, 0);
  if (loss.name !== 'softmaxCrossEntropy' && loss.name !== 'binaryCrossEntropy') {
    throw new Error(`${op}: classWeight needs softmaxCrossEntropy or binaryCrossEntropy, not ${loss.name}`);
  }
  if (outShape.length !== 1) {
    throw new Error(`${op}: classWeight needs outputs [batch, classes], got [batch,${outShape.join(',')}]`);
  }
  const classes = loss.name === 'binaryCrossEntropy' ? 2 : outShape[0]!;
  if (loss.name === 'binaryCrossEntropy' && outShape[0] !== 1) {
    throw new Error(`${op}: classWeight with binaryCrossEntropy needs one output unit, got ${outShape[0]}`);
  }
  if (!classWeight || typeof classWeight !== 'object') {
    throw new Error(`${op}: classWeight must be an array or an object { [class]: weight }`);
  }
  const weights = new Array<number>(classes).fill(1);
  for (const [key, value] of Object.entries(classWeight)) {
    const c = Number(key);
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new Error(`${op}: classWeight has class ${key}; classes are 0 to ${classes - 1}`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`${op}: classWeight of class ${c} must be a finite number >= 0, got ${value}`);
    }
    weights[c] = value;
  }
  return (label) => weights[label]!;
}

/** Sample weights from host labels: class indices, one-hot rows (the largest entry), or 0/1 targets. */
function sampleWeights(
  weightOf: (label: number) => number,
  labels: Float32Array,
  samples: number,
  binary: boolean,
): Float32Array {
  const row = labels.length / samples;
  return Float32Array.from({ length: samples }, (_, i) => {
    if (binary) return weightOf(labels[i]! >= 0.5 ? 1 : 0);
    if (row === 1) return weightOf(labels[i]!);
    let best = 0;
    for (let c = 1; c < row; c++) if (labels[i * row + c]! > labels[i * row + best]!) best = c;
    return weightOf(best);
  });
}

const classifies = (loss: ResolvedLoss) =>
  loss.name === 'softmaxCrossEntropy' || loss.name === 'binaryCrossEntropy';

/** Loss and metric sums over the samples (and positions) of an epoch or an evaluation. */
class Tally {
  samples = 0;
  readonly loss: number[];
  readonly hits: number[];
  readonly topK: number[];
  readonly positions: number[];
  constructor(outputs: number) {
    this.loss = new Array<number>(outputs).fill(0);
    this.hits = new Array<number>(outputs).fill(0);
    this.topK = new Array<number>(outputs).fill(0);
    this.positions = new Array<number>(outputs).fill(0);
  }
  add(size: number, stats: Float32Array, positions: readonly number[]): void {
    const k = this.loss.length;
    this.samples += size;
    for (let o = 0; o < k; o++) {
      this.loss[o]! += stats[o]! * size;
      this.hits[o]! += stats[k + o]!;
      this.topK[o]! += stats[2 * k + o]!;
      this.positions[o]! += positions[o]!;
    }
  }
  accuracy(output: number): number {
    return this.hits[output]! / this.positions[output]!;
  }
  totalLoss(): number {
    return this.loss.reduce((a, b) => a + b, 0) / this.samples;
  }
  outputs(model: Model, compiled: Resolved, withAccuracy: boolean): OutputLogs[] {
    return this.loss.map((l, o) => ({
      name: model.outputs[o]!.node.layer.name,
      loss: l / this.samples,
      // A regression head's "accuracy" means nothing: per output, only classification losses report it.
      ...(withAccuracy && (this.loss.length === 1 || classifies(compiled.losses[o]!))
        ? { accuracy: this.accuracy(o) }
        : {}),
      ...(compiled.topK ? { topKAccuracy: this.topK[o]! / this.positions[o]! } : {}),
    }));
  }
}

/**
 * Loss of each output (weighted by `weights` when given), accuracy hits and top-k hits, for one batch:
 * 3·outputs scalars in that order, and the total loss.
 */
function batchStats(
  compiled: Resolved,
  outputs: Tensor[],
  ys: Tensor[],
  weights: Tensor | null,
  wantHits: boolean,
): { total: Tensor; stats: Tensor[] } {
  const losses = outputs.map((output, o) => {
    const loss = compiled.losses[o]!;
    return weights ? mean(mul(sampleLosses(loss, output, ys[o]!), weights)) : batchLoss(loss, output, ys[o]!);
  });
  const hits: Tensor[] = [];
  const topK: Tensor[] = [];
  outputs.forEach((output, o) => {
    const loss = compiled.losses[o]!;
    const y = ys[o]!;
    if (!wantHits) {
      hits.push(tensor([0], [1], output.backend));
      topK.push(tensor([0], [1], output.backend));
      return;
    }
    if (loss.name === 'binaryCrossEntropy') {
      hits.push(sum(equal(greater(output, 0.5), greater(y, 0.5))));
      topK.push(tensor([0], [1], output.backend));
      return;
    }
    const target = shapesEqual(y.shape, output.shape) ? y : oneHotOf(loss.name, y, output);
    hits.push(sum(accuracyHits(output, target)));
    topK.push(
      compiled.topK ? sum(topKHits(output, target, compiled.topK)) : tensor([0], [1], output.backend),
    );
  });
  return { total: losses.reduce((a, b) => add(a, b)), stats: [...losses, ...hits, ...topK] };
}

/** Positions each output's accuracy counts over: every element for binary targets, else every class row. */
function positionsOf(compiled: Resolved, outputs: readonly (readonly number[])[], size: number): number[] {
  return outputs.map((shape, o) => {
    const elements = shape.reduce((a, b) => a * b, 1);
    return size * (compiled.losses[o]!.name === 'binaryCrossEntropy' ? elements : elements / shape.at(-1)!);
  });
}

/** One training batch, ready for a step: tensors on the model's backend and, with classWeight, sample weights. */
interface PreparedBatch {
  xs: Tensor[];
  ys: Tensor[];
  weights: Float32Array | null;
  size: number;
  /** Frees the batch's tensors (when the loop owns them). */
  release(): void;
}

/** Where an epoch's batches come from, for the shared loop of `fit` and `fitDataset`. */
interface BatchSource {
  op: string;
  /** Batches and samples per epoch (NaN while unknown). */
  batches(): number;
  samples(): number;
  epoch(epoch: number): AsyncIterable<PreparedBatch>;
  /** After each epoch: loss and metrics on the validation data, or null without any. */
  validate(): Promise<EvaluateResult | null>;
  /** Frees what the source holds (a validation split's tensors). */
  close(): void;
}

function monitorsOf(compiled: Resolved, validation: boolean): MonitorName[] {
  const train: MonitorName[] = ['loss'];
  if (compiled.accuracy) train.push('accuracy');
  if (compiled.topK) train.push('topKAccuracy');
  if (!validation) return train;
  return [...train, 'valLoss', 'valAccuracy', ...(compiled.topK ? (['valTopKAccuracy'] as const) : [])];
}

/**
 * The training loop: for each epoch, batches from the source, forward, loss, backward on the tape, an
 * optimizer step, batch-norm statistics; callbacks around each batch and epoch. Every step runs in a
 * `tidy`, so the live-tensor count stays flat. A NaN or infinite loss stops training with the step it
 * happened at, with nothing of that step applied.
 */
async function trainLoop(
  model: Model,
  compiled: Resolved,
  source: BatchSource,
  options: TrainOptions,
  validation: boolean,
): Promise<EpochLogs[]> {
  const epochs = options.epochs ?? 1;
  const initialEpoch = options.initialEpoch ?? 0;
  const callbacks = [options.callbacks ?? []].flat();
  const variables = model.trainableVariables;
  const optimizer = compiled.optimizer;
  const outputShapes = model.outputs.map((s) => s.shape);
  const multi = model.outputs.length > 1;
  const wantHits = compiled.accuracy || compiled.topK > 0;
  const history: EpochLogs[] = [];
  let step = 0;
  let epoch = initialEpoch;
  let batchIndex = 0;
  const fail = (message: string) =>
    new TrainingError(
      `${source.op}: ${message} at epoch ${epoch}, batch ${batchIndex} (step ${step}); that step was not applied, so the weights and optimizer state are those before it (lower the learning rate or check the data for NaN/Inf). error.history holds the ${history.length} completed epoch(s).`,
      history,
      { epoch, batch: batchIndex, step },
    );
  model.stopTraining = false;
  try {
    for (const c of callbacks) {
      await c.onTrainBegin?.({
        epochs,
        initialEpoch,
        batches: source.batches(),
        samples: source.samples(),
        model,
        optimizer,
        monitors: monitorsOf(compiled, validation),
      });
    }
    for (epoch = initialEpoch + 1; epoch <= epochs && !model.stopTraining; epoch++) {
      for (const c of callbacks) await c.onEpochBegin?.(epoch);
      const learningRate = optimizer.learningRate;
      const started = performance.now();
      const tally = new Tally(model.outputs.length);
      batchIndex = 0;
      const batchIterator = source.epoch(epoch)[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<PreparedBatch>;
        try {
          next = await batchIterator.next();
        } catch (error) {
          // A bad batch from a data set: nothing of it ran; the history so far is kept.
          throw new TrainingError(
            `${(error as Error).message} (epoch ${epoch}, batch ${batchIndex + 1}); error.history holds the ${history.length} completed epoch(s).`,
            history,
            { epoch, batch: batchIndex + 1, step },
          );
        }
        if (next.done) break;
        const batch = next.value;
        batchIndex++;
        step++;
        try {
          for (const c of callbacks) {
            await c.onBatchBegin?.({ epoch, batch: batchIndex, batches: source.batches(), size: batch.size });
          }
          let proposed: Tensor[] = [];
          let updates: [Variable, Tensor][] = [];
          const checks = tidy(() => {
            const ctx: CallContext = { training: true, random: model.random, updates: [] };
            const weights = batch.weights && tensor(batch.weights, [batch.size], batch.xs[0]!.backend);
            let stats: Tensor[] = [];
            const { value, grads } = valueAndGrads(
              (...values) => {
                const params = new Map<Variable, Tensor>(variables.map((v, i) => [v, values[i]!]));
                const outputs = model.forward(batch.xs, ctx, params);
                const result = batchStats(compiled, outputs, batch.ys, weights, wantHits);
                stats = result.stats.map((t) => keep(reshape(t, [1])));
                return result.total;
              },
              variables.map((v) => v.read()),
            );
            // The step is prepared, not applied: it is committed below only if everything it would write,
            // and the loss, is finite (one read-back gives both, and the batch's metrics).
            proposed = optimizer.prepare(variables, grads);
            updates = ctx.updates.map(([v, t]) => [v, keep(t)]);
            // A non-finite gradient or optimizer state always reaches the weight it updates, so the weights suffice.
            const probe = finiteProbe([value, ...proposed, ...updates.map(([, t]) => t)]);
            const all = keep(concat([reshape(value, [1]), reshape(probe, [1]), ...stats], 0));
            stats.forEach((t) => t.dispose());
            return all;
          });
          const values = await checks.data();
          checks.dispose();
          const [lossValue, probeValue] = [values[0]!, values[1]!];
          if (!Number.isFinite(lossValue) || !Number.isFinite(probeValue)) {
            optimizer.abort(proposed);
            updates.forEach(([, t]) => t.dispose());
            const what = Number.isFinite(lossValue)
              ? 'a gradient or an updated weight became non-finite'
              : `the loss became ${lossValue}`;
            throw fail(what);
          }
          optimizer.commit(variables, proposed);
          for (const [variable, value] of updates) variable.assign(value);
          tally.add(batch.size, values.subarray(2), positionsOf(compiled, outputShapes, batch.size));
        } finally {
          batch.release();
        }
        const elapsed = (performance.now() - started) / 1000;
        const running = tally.outputs(model, compiled, compiled.accuracy);
        for (const c of callbacks) {
          await c.onBatchEnd?.({
            epoch,
            batch: batchIndex,
            batches: source.batches(),
            loss: tally.totalLoss(),
            accuracy: compiled.accuracy && !multi ? running[0]!.accuracy : undefined,
            topKAccuracy: compiled.topK && !multi ? running[0]!.topKAccuracy : undefined,
            samplesPerSecond: tally.samples / Math.max(elapsed, 1e-9),
            elapsed,
          });
        }
        if (model.stopTraining) {
          await batchIterator.return?.();
          break;
        }
      }
      if (tally.samples === 0 && model.stopTraining) break;
      if (tally.samples === 0) {
        throw new Error(
          `${source.op}: the data set yielded no batches in epoch ${epoch}${epoch > initialEpoch + 1 ? '; a one-shot iterator (e.g. an async generator object) cannot be read again: pass an object whose [Symbol.asyncIterator]() starts over, or batchesPerEpoch' : ''}`,
        );
      }
      const seconds = (performance.now() - started) / 1000;
      const outputs = tally.outputs(model, compiled, compiled.accuracy);
      const logs: EpochLogs = {
        epoch,
        epochs,
        loss: tally.totalLoss(),
        accuracy: compiled.accuracy && !multi ? outputs[0]!.accuracy : undefined,
        ...(compiled.topK && !multi ? { topKAccuracy: outputs[0]!.topKAccuracy } : {}),
        ...(multi ? { outputs } : {}),
        learningRate,
        seconds,
        samplesPerSecond: tally.samples / seconds,
      };
      const val = await source.validate();
      if (val) {
        logs.valLoss = val.loss;
        logs.valAccuracy = val.accuracy;
        if (compiled.topK) logs.valTopKAccuracy = val.topKAccuracy;
        if (multi) logs.valOutputs = val.outputs;
      }
      history.push(logs);
      for (const c of callbacks) await c.onEpochEnd?.(logs);
    }
    for (const c of callbacks) await c.onTrainEnd?.(history);
  } catch (error) {
    callbacks.forEach((c) => c.onTrainError?.(error));
    throw error;
  } finally {
    source.close();
  }
  return history;
}

/** Checks the options `fit` and `fitDataset` share, before anything runs. */
function checkTrainOptions(op: string, options: TrainOptions): void {
  const epochs = options.epochs ?? 1;
  const initialEpoch = options.initialEpoch ?? 0;
  checkPositiveInt(op, 'epochs', epochs);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) {
    throw new Error(`${op}: initialEpoch must be an integer >= 0, got ${initialEpoch}`);
  }
  if (initialEpoch >= epochs) {
    throw new Error(
      `${op}: initialEpoch ${initialEpoch} leaves nothing to train: epochs (${epochs}) is the last epoch, not a count`,
    );
  }
  for (const c of [options.callbacks ?? []].flat()) {
    if (!c || typeof c !== 'object') throw new Error(`${op}: each callback must be an object of hooks`);
  }
}

/** Wraps `ys` into an array with one target per output, checking the count. */
function targetsOf(op: string, model: Model, y: Tensor | Tensor[]): Tensor[] {
  const ys = [y].flat();
  if (ys.length !== model.outputs.length) {
    throw new Error(
      `${op}: model '${model.name}' has ${model.outputs.length} output(s), got ${ys.length} targets`,
    );
  }
  ys.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: target ${i} is not a Tensor`);
    t.assertAlive(op, `target ${i}`);
  });
  return ys;
}

/** Trains on `x` and `y`; see `FitOptions`. Everything is checked before the first step. */
export async function fit(
  model: Model,
  config: CompileConfig,
  x: Tensor,
  y: Tensor | Tensor[],
  options: FitOptions = {},
): Promise<EpochLogs[]> {
  const op = 'fit';
  const compiled = resolveCompiled(
    config,
    model.outputs.map((s) => s.shape),
  );
  checkTrainOptions(op, options);
  const batchSize = options.batchSize ?? 32;
  checkPositiveInt(op, 'batchSize', batchSize);
  model.checkInputs(op, [x]);
  const ys = targetsOf(op, model, y);
  model.ensureInitialized();
  const total = x.shape[0]!;
  if (total === 0) throw new Error(`${op}: x has no samples`);
  const split = options.validationSplit;
  if (split !== undefined) {
    if (!(split > 0 && split < 1)) throw new Error(`${op}: validationSplit must be in (0, 1), got ${split}`);
    if (options.validationData) throw new Error(`${op}: pass validationData or validationSplit, not both`);
  }
  const n = split === undefined ? total : Math.floor(total * (1 - split));
  if (split !== undefined && (n === 0 || n === total)) {
    throw new Error(
      `${op}: validationSplit ${split} of ${total} samples leaves ${n} to train and ${total - n} to validate; both need at least one`,
    );
  }
  const xHost = await toHost(x);
  const yHosts = await Promise.all(ys.map(toHost));
  assertFiniteData(op, 'x', xHost.values, x.shape);
  ys.forEach((t, o) => checkLabels(op, model, o, compiled.losses[o]!, t.shape, total, yHosts[o]!.values));
  if (options.validationData) {
    const [vx, vy] = options.validationData;
    const where = `${op} (validationData)`;
    model.checkInputs(where, [vx]);
    assertFiniteData(where, 'x', (await toHost(vx)).values, vx.shape);
    const vys = targetsOf(where, model, vy);
    for (const [o, t] of vys.entries()) {
      checkLabels(where, model, o, compiled.losses[o]!, t.shape, vx.shape[0]!, await t.data());
    }
  }
  const weightOf = options.classWeight && resolveClassWeight(op, model, compiled, options.classWeight);
  const binary = compiled.losses[0]!.name === 'binaryCrossEntropy';
  const backend = x.backend;
  const order = [...Array(n).keys()];
  const batches = Math.ceil(n / batchSize);
  // The validation split is cut once (the last samples), on the device, and evaluated after each epoch.
  const held = Array.from({ length: total - n }, (_, i) => n + i);
  const validation: [Tensor, Tensor[]] | null =
    split !== undefined
      ? [batchOf(xHost, held, backend), yHosts.map((h) => batchOf(h, held, backend))]
      : options.validationData
        ? [options.validationData[0], [options.validationData[1]].flat()]
        : null;
  const source: BatchSource = {
    op,
    batches: () => batches,
    samples: () => n,
    async *epoch() {
      if (options.shuffle ?? true) model.random.shuffle(order);
      for (let b = 0; b < batches; b++) {
        const indices = order.slice(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const augment = options.augment;
        const xb = batchOf(xHost, indices, backend, augment && ((v, s) => augment(v, s, model.random)));
        const ybs = yHosts.map((h) => batchOf(h, indices, backend));
        const weights = weightOf
          ? sampleWeights(weightOf, hostRows(yHosts[0]!, indices), indices.length, binary)
          : null;
        yield {
          xs: [xb],
          ys: ybs,
          weights,
          size: indices.length,
          release: () => [xb, ...ybs].forEach((t) => t.dispose()),
        };
      }
    },
    validate: async () =>
      validation && evaluateTensors(model, compiled, [validation[0]], validation[1], batchSize, op),
    close: () => {
      if (split !== undefined && validation) [validation[0], ...validation[1]].forEach((t) => t.dispose());
    },
  };
  return trainLoop(model, compiled, source, options, validation !== null);
}

function isIterable(value: unknown): value is Dataset {
  return (
    value !== null && typeof value === 'object' && (Symbol.asyncIterator in value || Symbol.iterator in value)
  );
}

/** validationData as tensors `[x, y]` (rather than a data set of batches). */
function isTensorPair(value: unknown): value is [Tensor, Tensor | Tensor[]] {
  return Array.isArray(value) && value.length === 2 && value[0] instanceof Tensor;
}

function iteratorOf(op: string, dataset: Dataset): AsyncIterator<DatasetBatch> | Iterator<DatasetBatch> {
  if (Symbol.asyncIterator in dataset)
    return (dataset as AsyncIterable<DatasetBatch>)[Symbol.asyncIterator]();
  if (Symbol.iterator in dataset) return (dataset as Iterable<DatasetBatch>)[Symbol.iterator]();
  throw new Error(`${op}: the data set must be an iterable or async iterable of { xs, ys } batches`);
}

/** A batch's inputs and targets as arrays, checked against the model. */
async function unpackBatch(
  op: string,
  model: Model,
  compiled: Resolved,
  item: DatasetBatch,
  index: number,
): Promise<{ xs: Tensor[]; ys: Tensor[]; labels: Float32Array[] }> {
  const where = `${op} (batch ${index})`;
  if (!item || typeof item !== 'object')
    throw new Error(`${where}: expected { xs, ys } or [x, y], got ${String(item)}`);
  const [x, y] = Array.isArray(item) ? item : [(item as { xs: Tensor }).xs, (item as { ys: Tensor }).ys];
  const xs = [x].flat() as Tensor[];
  if (xs.some((t) => !(t instanceof Tensor))) throw new Error(`${where}: xs must be a Tensor or Tensor[]`);
  model.checkInputs(where, xs);
  const ys = targetsOf(where, model, y as Tensor | Tensor[]);
  const n = xs[0]!.shape[0]!;
  if (n === 0) throw new Error(`${where}: the batch has no samples`);
  for (const t of xs) assertFiniteData(where, 'x', await t.data(), t.shape);
  const labels = await Promise.all(ys.map((t) => t.data()));
  ys.forEach((t, o) => checkLabels(where, model, o, compiled.losses[o]!, t.shape, n, labels[o]!));
  return { xs, ys, labels };
}

/**
 * Trains on batches read from a data set (an iterable or async iterable of `{ xs, ys }`), one step per
 * batch, so data larger than memory can stream. Each batch is checked (shapes, finite values, labels)
 * before its step; a bad batch stops training with a `TrainingError` and nothing of that step applied.
 */
export async function fitDataset(
  model: Model,
  config: CompileConfig,
  dataset: Dataset,
  options: FitDatasetOptions = {},
): Promise<EpochLogs[]> {
  const op = 'fitDataset';
  const compiled = resolveCompiled(
    config,
    model.outputs.map((s) => s.shape),
  );
  checkTrainOptions(op, options);
  if (!isIterable(dataset)) {
    throw new Error(`${op}: the data set must be an iterable or async iterable of { xs, ys } batches`);
  }
  const perEpoch = options.batchesPerEpoch;
  if (perEpoch !== undefined) checkPositiveInt(op, 'batchesPerEpoch', perEpoch);
  const weightOf = options.classWeight && resolveClassWeight(op, model, compiled, options.classWeight);
  const binary = compiled.losses[0]!.name === 'binaryCrossEntropy';
  const validationData = options.validationData;
  if (validationData !== undefined && !isTensorPair(validationData) && !isIterable(validationData)) {
    throw new Error(`${op}: validationData must be [x, y] tensors or a data set of { xs, ys } batches`);
  }
  if (isTensorPair(validationData)) {
    const [vx, vy] = validationData;
    model.checkInputs(`${op} (validationData)`, [vx]);
    targetsOf(`${op} (validationData)`, model, vy);
  }
  model.ensureInitialized();
  const dispose = options.disposeBatches ?? true;
  let batches = perEpoch ?? Number.NaN;
  let samples = Number.NaN;
  // With batchesPerEpoch the same iterator continues across epochs (a stream); without, each epoch restarts.
  let shared: AsyncIterator<DatasetBatch> | Iterator<DatasetBatch> | null = null;
  const source: BatchSource = {
    op,
    batches: () => batches,
    samples: () => samples,
    async *epoch(epoch) {
      const it = perEpoch !== undefined ? (shared ??= iteratorOf(op, dataset)) : iteratorOf(op, dataset);
      let count = 0;
      let seen = 0;
      while (perEpoch === undefined || count < perEpoch) {
        const next = await it.next();
        if (next.done) {
          if (perEpoch !== undefined && count < perEpoch) {
            throw new Error(
              `${op}: the data set ended after ${count} batch(es) of epoch ${epoch}; batchesPerEpoch is ${perEpoch}`,
            );
          }
          break;
        }
        count++;
        const { xs, ys, labels } = await unpackBatch(op, model, compiled, next.value, count);
        const size = xs[0]!.shape[0]!;
        seen += size;
        yield {
          xs,
          ys,
          weights: weightOf ? sampleWeights(weightOf, labels[0]!, size, binary) : null,
          size,
          release: () => {
            if (dispose) [...xs, ...ys].forEach((t) => t.dispose());
          },
        };
      }
      batches = count;
      samples = seen;
    },
    validate: async () => {
      if (validationData === undefined) return null;
      if (!isTensorPair(validationData)) {
        return evaluateDatasetWith(model, compiled, validationData, op, dispose);
      }
      const [vx, vy] = validationData;
      return evaluateTensors(model, compiled, [vx], [vy].flat(), 256, op);
    },
    close: () => {},
  };
  return trainLoop(model, compiled, source, options, validationData !== undefined);
}

/** Loss and metrics over batches, in inference mode. */
async function evaluateBatches(
  model: Model,
  compiled: Resolved,
  batches: AsyncIterable<{ xs: Tensor[]; ys: Tensor[]; release(): void }>,
  op: string,
): Promise<EvaluateResult> {
  const tally = new Tally(model.outputs.length);
  const shapes = model.outputs.map((s) => s.shape);
  for await (const batch of batches) {
    try {
      const stats = tidy(() => {
        const ctx: CallContext = { training: false, random: model.random, updates: [] };
        const outputs = model.forward(batch.xs, ctx);
        const { stats } = batchStats(compiled, outputs, batch.ys, null, true);
        return concat(
          stats.map((t) => reshape(t, [1])),
          0,
        );
      });
      const values = await stats.data();
      stats.dispose();
      const size = batch.xs[0]!.shape[0]!;
      tally.add(size, values, positionsOf(compiled, shapes, size));
    } finally {
      batch.release();
    }
  }
  if (tally.samples === 0)
    throw new Error(`${op}: no samples to evaluate (a mean over nothing is undefined)`);
  const outputs = tally.outputs(model, compiled, true);
  return {
    loss: tally.totalLoss(),
    accuracy: tally.accuracy(0),
    ...(compiled.topK ? { topKAccuracy: outputs[0]!.topKAccuracy } : {}),
    ...(model.outputs.length > 1 ? { outputs } : {}),
  };
}

async function evaluateTensors(
  model: Model,
  compiled: Resolved,
  xs: Tensor[],
  ys: Tensor[],
  batchSize: number,
  op: string,
): Promise<EvaluateResult> {
  const n = xs[0]!.shape[0]!;
  const [xHosts, yHosts] = [await Promise.all(xs.map(toHost)), await Promise.all(ys.map(toHost))];
  const backend = xs[0]!.backend;
  async function* batches() {
    for (let start = 0; start < n; start += batchSize) {
      const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      const bx = xHosts.map((h) => batchOf(h, indices, backend));
      const by = yHosts.map((h) => batchOf(h, indices, backend));
      yield { xs: bx, ys: by, release: () => [...bx, ...by].forEach((t) => t.dispose()) };
    }
  }
  return evaluateBatches(model, compiled, batches(), op);
}

async function evaluateDatasetWith(
  model: Model,
  compiled: Resolved,
  dataset: Dataset,
  op: string,
  dispose: boolean,
): Promise<EvaluateResult> {
  const it = iteratorOf(op, dataset);
  async function* batches() {
    for (let index = 1; ; index++) {
      const next = await it.next();
      if (next.done) return;
      const { xs, ys } = await unpackBatch(op, model, compiled, next.value, index);
      yield { xs, ys, release: () => dispose && [...xs, ...ys].forEach((t) => t.dispose()) };
    }
  }
  return evaluateBatches(model, compiled, batches(), op);
}

/** Mean loss and metrics over a dataset, in inference mode; per output for a model with several. */
export async function evaluate(
  model: Model,
  config: CompileConfig,
  x: Tensor | Tensor[],
  y: Tensor | Tensor[],
  options: { batchSize?: number | undefined } = {},
): Promise<EvaluateResult> {
  const op = 'evaluate';
  const compiled = resolveCompiled(
    config,
    model.outputs.map((s) => s.shape),
  );
  const batchSize = options.batchSize ?? 256;
  checkPositiveInt(op, 'batchSize', batchSize);
  const xs = [x].flat();
  model.checkInputs(op, xs);
  const ys = targetsOf(op, model, y);
  const n = xs[0]!.shape[0]!;
  if (n === 0) throw new Error(`${op}: x has no samples (a mean over nothing is undefined)`);
  for (const t of xs) assertFiniteData(op, 'x', await t.data(), t.shape);
  for (const [o, t] of ys.entries()) {
    checkLabels(op, model, o, compiled.losses[o]!, t.shape, n, await t.data());
  }
  return evaluateTensors(model, compiled, xs, ys, batchSize, op);
}

/** Mean loss and metrics over a data set of `{ xs, ys }` batches, in inference mode (batches are disposed unless `disposeBatches: false`). */
export async function evaluateDataset(
  model: Model,
  config: CompileConfig,
  dataset: Dataset,
  options: { disposeBatches?: boolean | undefined } = {},
): Promise<EvaluateResult> {
  const op = 'evaluateDataset';
  const compiled = resolveCompiled(
    config,
    model.outputs.map((s) => s.shape),
  );
  if (!isIterable(dataset)) {
    throw new Error(`${op}: the data set must be an iterable or async iterable of { xs, ys } batches`);
  }
  return evaluateDatasetWith(model, compiled, dataset, op, options.disposeBatches ?? true);
}
