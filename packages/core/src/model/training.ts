import { valueAndGrads } from '../autograd.js';
import type { CallContext, Variable } from '../layers/layer.js';
import { keep, tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { add, equal, greater, mul, sub } from '../ops/elementwise.js';
import { concat, reshape } from '../ops/layout.js';
import { binaryCrossEntropy, meanSquaredError, softmaxCrossEntropy } from '../ops/loss.js';
import { max, sum } from '../ops/reduce.js';
import type { Random } from '../random.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Model } from './model.js';
import type { Optimizer } from './optimizers.js';

export const lossNames = ['softmaxCrossEntropy', 'binaryCrossEntropy', 'meanSquaredError'] as const;
/** A loss `compile` accepts: `'softmaxCrossEntropy'`, `'binaryCrossEntropy'` or `'meanSquaredError'`. */
export type LossName = (typeof lossNames)[number];

/** What `model.compile` takes: the optimizer, the loss and the metrics. */
export interface CompileConfig {
  optimizer: Optimizer;
  /**
   * softmaxCrossEntropy takes logits and integer class labels `[N]` (or one-hot `[N, C]`);
   * binaryCrossEntropy takes probabilities; meanSquaredError anything.
   */
  loss: LossName;
  metrics?: 'accuracy'[];
}

/** What `onBatchEnd` hears after each training step. */
export interface BatchLogs {
  epoch: number;
  /** Batch index within the epoch, and the number of batches per epoch. */
  batch: number;
  batches: number;
  /** Running means over the epoch so far. */
  loss: number;
  accuracy?: number;
  samplesPerSecond: number;
  /** Seconds since the epoch began. */
  elapsed: number;
}

/** What `onEpochEnd` hears after each epoch, and what `fit` returns per epoch. */
export interface EpochLogs {
  epoch: number;
  epochs: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  samplesPerSecond: number;
}

/** `fit` callbacks, each optional; `fit` awaits the promises `onBatchEnd` and `onEpochEnd` return. */
export interface Callbacks {
  /** Before the first step: the epochs, batches per epoch and samples. */
  onTrainBegin?(info: { epochs: number; batches: number; samples: number }): void;
  /** Before each epoch (1-based). */
  onEpochBegin?(epoch: number): void;
  /** After each step. */
  onBatchEnd?(logs: BatchLogs): void | Promise<void>;
  /** After each epoch (and its validation). */
  onEpochEnd?(logs: EpochLogs): void | Promise<void>;
  /** After the last epoch, with every epoch's logs. */
  onTrainEnd?(history: EpochLogs[]): void;
  /** Training stopped with an error (it is rethrown after every callback's `onTrainError`). */
  onTrainError?(error: unknown): void;
}

/** Options of `model.fit`. */
export interface FitOptions {
  epochs?: number;
  /** Samples per step (default 32); larger than the data means one batch of all samples. */
  batchSize?: number;
  /** Reshuffle the samples every epoch (seeded by the model). Default true. */
  shuffle?: boolean;
  validationData?: [Tensor, Tensor];
  callbacks?: Callbacks | Callbacks[];
  /**
   * Data augmentation: changes a training batch in place on the host before it is uploaded (`values` is
   * `[n, ...sample shape]`, row-major), drawing from the model's seeded generator.
   */
  augment?: (values: Float32Array, shape: readonly number[], random: Random) => void;
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

/** Checks a compile config before anything trains: a known loss and metric, an optimizer. */
export function checkCompileConfig(config: CompileConfig): CompileConfig {
  if (!config || typeof config !== 'object') throw new Error('compile: expected { optimizer, loss }');
  if (!lossNames.includes(config.loss)) {
    throw new Error(`compile: unknown loss '${String(config.loss)}' (known: ${lossNames.join(', ')})`);
  }
  const optimizer = config.optimizer as Partial<Optimizer> | undefined;
  if (!optimizer || typeof optimizer.prepare !== 'function' || typeof optimizer.commit !== 'function') {
    throw new Error(
      'compile: optimizer must be an Optimizer (e.g. new SGD({ learningRate: 0.01 }) or new Adam())',
    );
  }
  for (const metric of config.metrics ?? []) {
    if (metric !== 'accuracy')
      throw new Error(`compile: unknown metric '${String(metric)}' (known: accuracy)`);
  }
  return config;
}

/** Per-sample losses are averaged; accuracy counts matches. Both computed from the same forward pass. */
function lossOf(name: LossName, output: Tensor, labels: Tensor): Tensor {
  switch (name) {
    case 'softmaxCrossEntropy':
      return softmaxCrossEntropy(output, labels);
    case 'binaryCrossEntropy':
      return binaryCrossEntropy(output, labels);
    case 'meanSquaredError':
      return meanSquaredError(output, labels);
    default:
      throw new Error(`unknown loss '${name as string}'`);
  }
}

/** Number of correct predictions in a batch; `oneHot` is given for integer class labels. */
function correctCount(name: LossName, output: Tensor, labels: Tensor, oneHot: Tensor | null): Tensor {
  if (name === 'binaryCrossEntropy') return sum(equal(greater(output, 0.5), greater(labels, 0.5)));
  // The true class's score equals the row maximum (ties count as correct, and have probability ~0).
  return sum(equal(sum(mul(oneHot ?? labels, output), -1), max(output, -1)));
}

/** One-hot rows for integer labels, built on the host from the batch's labels. */
function oneHotBatch(
  model: Model,
  loss: LossName,
  labels: HostData,
  indices: readonly number[],
  backend: Tensor['backend'],
): Tensor | null {
  if (loss !== 'softmaxCrossEntropy' || labels.sampleShape.length !== 0) return null;
  const outShape = model.outputs[0]!.shape;
  const classes = outShape[outShape.length - 1]!;
  const out = new Float32Array(indices.length * classes);
  indices.forEach((s, i) => (out[i * classes + labels.values[s]!] = 1));
  return tensor(out, [indices.length, classes], backend);
}

/** Host copies of the data, so batches of any sample order can be cut without a gather kernel. */
interface HostData {
  values: Float32Array;
  sampleShape: number[];
  sampleSize: number;
}

async function toHost(t: Tensor): Promise<HostData> {
  const sampleShape = t.shape.slice(1);
  return { values: await t.data(), sampleShape, sampleSize: sampleShape.reduce((a, b) => a * b, 1) };
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
  const shape = [indices.length, ...data.sampleShape];
  transform?.(out, shape);
  return tensor(out, shape, backend);
}

function checkLabels(
  op: string,
  model: Model,
  loss: LossName,
  y: Tensor,
  n: number,
  labels: Float32Array,
): void {
  if (y.shape[0] !== n)
    throw new Error(`${op}: x has ${n} samples but y has ${y.shape[0]} (y shape ${fmt(y.shape)})`);
  const outShape = model.outputs[0]!.shape;
  const classes = outShape[outShape.length - 1]!;
  if (loss === 'softmaxCrossEntropy' && y.rank === 1) {
    labels.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new Error(`${op}: label ${v} of sample ${i} is not a class index in [0, ${classes - 1}]`);
      }
    });
    return;
  }
  if (y.rank !== outShape.length + 1 || outShape.some((d, i) => d !== y.shape[i + 1])) {
    throw new Error(
      `${op}: y has shape ${fmt(y.shape)} but the model outputs [batch,${outShape.join(',')}]${loss === 'softmaxCrossEntropy' ? ' (or pass class indices [batch])' : ''}`,
    );
  }
  assertFiniteData(op, 'y', labels, y.shape);
  if (loss === 'softmaxCrossEntropy') {
    // Targets on the class axis must be one-hot or probability rows: non-negative, summing to 1.
    for (let row = 0; row < labels.length / classes; row++) {
      let total = 0;
      for (let c = 0; c < classes; c++) {
        const v = labels[row * classes + c]!;
        if (v < 0 || v > 1) {
          throw new Error(
            `${op}: y row ${row} holds ${v}; targets must be class indices or one-hot / probability rows`,
          );
        }
        total += v;
      }
      if (Math.abs(total - 1) > 1e-3) {
        throw new Error(`${op}: y row ${row} sums to ${total}; one-hot / probability rows sum to 1`);
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

/**
 * The training loop: shuffle, cut batches, forward, loss, backward on the tape, optimizer step, batch-norm
 * statistics; callbacks after each batch and epoch. Every step runs in a `tidy`, so the live-tensor count
 * stays flat. A NaN or infinite loss stops training with the step it happened at.
 */
export async function fit(
  model: Model,
  compiled: CompileConfig,
  x: Tensor,
  y: Tensor,
  options: FitOptions = {},
): Promise<EpochLogs[]> {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  checkPositiveInt('fit', 'epochs', epochs);
  checkPositiveInt('fit', 'batchSize', batchSize);
  model.checkInputs('fit', [x]);
  model.ensureInitialized();
  const n = x.shape[0]!;
  if (n === 0) throw new Error('fit: x has no samples');
  const [xHost, yHost] = [await toHost(x), await toHost(y)];
  assertFiniteData('fit', 'x', xHost.values, x.shape);
  checkLabels('fit', model, compiled.loss, y, n, yHost.values);
  if (options.validationData) {
    const [vx, vy] = options.validationData;
    model.checkInputs('fit (validationData)', [vx]);
    assertFiniteData('fit (validationData)', 'x', (await toHost(vx)).values, vx.shape);
    const vyHost = await toHost(vy);
    checkLabels('fit (validationData)', model, compiled.loss, vy, vx.shape[0]!, vyHost.values);
  }
  const callbacks = [options.callbacks ?? []].flat();
  const wantAccuracy = compiled.metrics?.includes('accuracy') ?? false;
  const variables = model.trainableVariables;
  const batches = Math.ceil(n / batchSize);
  const history: EpochLogs[] = [];
  const order = [...Array(n).keys()];
  let step = 0;
  callbacks.forEach((c) => c.onTrainBegin?.({ epochs, batches, samples: n }));
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      callbacks.forEach((c) => c.onEpochBegin?.(epoch));
      if (options.shuffle ?? true) model.random.shuffle(order);
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        step++;
        const indices = order.slice(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const optimizer = compiled.optimizer;
        let proposed: Tensor[] = [];
        let updates: [Variable, Tensor][] = [];
        const [checks, correctTensor] = tidy(() => {
          const augment = options.augment;
          const xb = batchOf(
            xHost,
            indices,
            x.backend,
            augment && ((v, shape) => augment(v, shape, model.random)),
          );
          const yb = batchOf(yHost, indices, x.backend);
          const ctx: CallContext = { training: true, random: model.random, updates: [] };
          let hits: Tensor | null = null;
          const { value, grads } = valueAndGrads(
            (...weights) => {
              const params = new Map<Variable, Tensor>(variables.map((v, i) => [v, weights[i]!]));
              const output = model.forward([xb], ctx, params)[0]!;
              if (wantAccuracy) {
                const oneHot = oneHotBatch(model, compiled.loss, yHost, indices, x.backend);
                hits = keep(correctCount(compiled.loss, output, yb, oneHot));
              }
              return lossOf(compiled.loss, output, yb);
            },
            variables.map((v) => v.read()),
          );
          // The step is prepared, not applied: it is committed below only if everything it would write,
          // and the loss, is finite (one read-back gives both).
          proposed = optimizer.prepare(variables, grads);
          updates = ctx.updates.map(([v, t]) => [v, keep(t)]);
          // A non-finite gradient or optimizer state always reaches the weight it updates, so the weights suffice.
          const probe = finiteProbe([value, ...proposed, ...updates.map(([, t]) => t)]);
          return [keep(concat([reshape(value, [1]), reshape(probe, [1])], 0)), hits];
        });
        const [lossValue, probeValue] = await checks.data();
        checks.dispose();
        if (!Number.isFinite(lossValue) || !Number.isFinite(probeValue)) {
          optimizer.abort(proposed);
          updates.forEach(([, t]) => t.dispose());
          (correctTensor as Tensor | null)?.dispose();
          const what = Number.isFinite(lossValue!)
            ? 'a gradient or an updated weight became non-finite'
            : `the loss became ${lossValue}`;
          throw new TrainingError(
            `fit: ${what} at epoch ${epoch}, batch ${b + 1} (step ${step}); that step was not applied, so the weights and optimizer state are those before it (lower the learning rate or check the data for NaN/Inf). error.history holds the ${history.length} completed epoch(s).`,
            history,
            { epoch, batch: b + 1, step },
          );
        }
        optimizer.commit(variables, proposed);
        for (const [variable, value] of updates) variable.assign(value);
        if (correctTensor) {
          correct += (await (correctTensor as Tensor).data())[0]!;
          (correctTensor as Tensor).dispose();
        }
        lossSum += lossValue! * indices.length;
        seen += indices.length;
        const elapsed = (performance.now() - started) / 1000;
        for (const c of callbacks) {
          await c.onBatchEnd?.({
            epoch,
            batch: b + 1,
            batches,
            loss: lossSum / seen,
            accuracy: wantAccuracy ? correct / seen : undefined,
            samplesPerSecond: seen / Math.max(elapsed, 1e-9),
            elapsed,
          });
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const logs: EpochLogs = {
        epoch,
        epochs,
        loss: lossSum / n,
        accuracy: wantAccuracy ? correct / n : undefined,
        seconds,
        samplesPerSecond: n / seconds,
      };
      if (options.validationData) {
        const val = await evaluate(model, compiled, options.validationData[0], options.validationData[1], {
          batchSize,
        });
        logs.valLoss = val.loss;
        logs.valAccuracy = val.accuracy;
      }
      history.push(logs);
      for (const c of callbacks) await c.onEpochEnd?.(logs);
    }
  } catch (error) {
    callbacks.forEach((c) => c.onTrainError?.(error));
    throw error;
  }
  callbacks.forEach((c) => c.onTrainEnd?.(history));
  return history;
}

/** Mean loss and accuracy over a dataset, in inference mode. */
export async function evaluate(
  model: Model,
  compiled: Pick<CompileConfig, 'loss'>,
  x: Tensor,
  y: Tensor,
  options: { batchSize?: number } = {},
): Promise<{ loss: number; accuracy: number }> {
  const batchSize = options.batchSize ?? 256;
  checkPositiveInt('evaluate', 'batchSize', batchSize);
  model.checkInputs('evaluate', [x]);
  const n = x.shape[0]!;
  if (n === 0) throw new Error('evaluate: x has no samples (a mean over nothing is undefined)');
  const [xHost, yHost] = [await toHost(x), await toHost(y)];
  assertFiniteData('evaluate', 'x', xHost.values, x.shape);
  checkLabels('evaluate', model, compiled.loss, y, n, yHost.values);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const [lossTensor, hits] = tidy(() => {
      const xb = batchOf(xHost, indices, x.backend);
      const yb = batchOf(yHost, indices, x.backend);
      const output = model.forward([xb], { training: false, random: model.random, updates: [] })[0]!;
      const oneHot = oneHotBatch(model, compiled.loss, yHost, indices, x.backend);
      return [lossOf(compiled.loss, output, yb), correctCount(compiled.loss, output, yb, oneHot)];
    });
    lossSum += (await lossTensor!.data())[0]! * indices.length;
    correct += (await hits!.data())[0]!;
    lossTensor!.dispose();
    hits!.dispose();
  }
  return { loss: lossSum / n, accuracy: correct / n };
}
