import { valueAndGrads } from '../autograd.js';
import type { CallContext, Variable } from '../layers/layer.js';
import { keep, tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { equal, greater, mul } from '../ops/elementwise.js';
import { binaryCrossEntropy, meanSquaredError, softmaxCrossEntropy } from '../ops/loss.js';
import { max, sum } from '../ops/reduce.js';
import type { Random } from '../random.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Model } from './model.js';
import type { Optimizer } from './optimizers.js';

export type LossName = 'softmaxCrossEntropy' | 'binaryCrossEntropy' | 'meanSquaredError';

export interface CompileConfig {
  optimizer: Optimizer;
  /**
   * softmaxCrossEntropy takes logits and integer class labels `[N]` (or one-hot `[N, C]`);
   * binaryCrossEntropy takes probabilities; meanSquaredError anything.
   */
  loss: LossName;
  metrics?: 'accuracy'[];
}

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

export interface Callbacks {
  onTrainBegin?(info: { epochs: number; batches: number; samples: number }): void;
  onEpochBegin?(epoch: number): void;
  onBatchEnd?(logs: BatchLogs): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs): void | Promise<void>;
  onTrainEnd?(history: EpochLogs[]): void;
}

export interface FitOptions {
  epochs?: number;
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
  if (loss === 'softmaxCrossEntropy' && y.rank === 1) {
    const classes = outShape[outShape.length - 1]!;
    labels.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new Error(`${op}: label ${v} of sample ${i} is not a class index in [0, ${classes - 1}]`);
      }
    });
  } else if (y.rank !== outShape.length + 1 || outShape.some((d, i) => d !== y.shape[i + 1])) {
    throw new Error(`${op}: y has shape ${fmt(y.shape)} but the model outputs [batch,${outShape.join(',')}]`);
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
  checkLabels('fit', model, compiled.loss, y, n, yHost.values);
  const callbacks = [options.callbacks ?? []].flat();
  const wantAccuracy = compiled.metrics?.includes('accuracy') ?? false;
  const variables = model.trainableVariables;
  const batches = Math.ceil(n / batchSize);
  const history: EpochLogs[] = [];
  const order = [...Array(n).keys()];
  let step = 0;
  callbacks.forEach((c) => c.onTrainBegin?.({ epochs, batches, samples: n }));
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
      const [lossTensor, correctTensor] = tidy(() => {
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
        compiled.optimizer.step(variables, grads);
        for (const [variable, value] of ctx.updates) variable.assign(value);
        return [value, hits];
      });
      const lossValue = (await lossTensor.data())[0]!;
      lossTensor.dispose();
      if (!Number.isFinite(lossValue)) {
        (correctTensor as Tensor | null)?.dispose();
        throw new Error(
          `fit: the loss became ${lossValue} at epoch ${epoch}, batch ${b + 1} (step ${step}); lower the learning rate or check the data for NaN/Inf`,
        );
      }
      if (correctTensor) {
        correct += (await (correctTensor as Tensor).data())[0]!;
        (correctTensor as Tensor).dispose();
      }
      lossSum += lossValue * indices.length;
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
  const [xHost, yHost] = [await toHost(x), await toHost(y)];
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
