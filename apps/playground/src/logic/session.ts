/**
 * One model being trained, inspected and moved between backends: the app's logic without the page, so it is
 * tested in Node. Training goes through the library's own loop (`model.fit`, one batch per call, so the page
 * can pause between steps); switching backend copies every weight to the new backend (`moveToAsync`).
 */
import * as cnn from '@cnn/core';
import { argmaxRows, confusionMatrix } from './confusion.js';
import { batchAt, type DigitSet, shuffledOrder } from './digits.js';
import { SpeedMeter } from './speed.js';

/** What one training step reports. */
export interface StepLog {
  step: number;
  backend: string;
  loss: number;
  accuracy: number;
  samples: number;
  ms: number;
}

/** One layer's output for one input: the node, its per-sample shape and the values (row-major HWC). */
export interface LayerOutput {
  name: string;
  className: string;
  shape: number[];
  values: Float32Array;
}

/** Options of a session. */
export interface SessionOptions {
  batchSize?: number;
  learningRate?: number;
  /** Seed of the sample order. */
  seed?: number;
  /** Where step speeds are recorded (pass one meter to several sessions to compare backends across resets). */
  speeds?: SpeedMeter;
}

/** A model, its optimizer and the data it trains on, on one backend at a time. */
export class Session {
  readonly history: StepLog[] = [];
  readonly speeds: SpeedMeter;
  step = 0;
  private optimizer: cnn.Optimizer;
  private readonly order: number[];
  private cursor = 0;
  private outputsModel: cnn.Model | null = null;
  readonly batchSize: number;
  readonly learningRate: number;

  private constructor(
    readonly model: cnn.Model,
    public backend: string,
    readonly train: DigitSet | null,
    readonly test: DigitSet | null,
    options: SessionOptions,
  ) {
    this.speeds = options.speeds ?? new SpeedMeter();
    this.batchSize = options.batchSize ?? 32;
    this.learningRate = options.learningRate ?? 0.002;
    this.optimizer = this.compile();
    this.order = train ? shuffledOrder(train.count, new cnn.Random(options.seed ?? 1)) : [];
  }

  /** Starts `backend`, builds the model there (weights from the model's seed, or already set) and compiles it. */
  static async create(
    backend: string,
    build: () => cnn.Model,
    data: { train: DigitSet | null; test: DigitSet | null },
    options: SessionOptions = {},
  ): Promise<Session> {
    await cnn.useBackend(backend);
    const model = build();
    model.ensureInitialized();
    return new Session(model, backend, data.train, data.test, options);
  }

  private compile(): cnn.Optimizer {
    const optimizer = new cnn.Adam({ learningRate: this.learningRate });
    this.model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    return optimizer;
  }

  /** The input shape of one sample, e.g. `[28, 28, 1]`. */
  get inputShape(): number[] {
    return [...this.model.inputs[0]!.shape];
  }

  /** One training step on the next batch of the (shuffled, cycled) training set. */
  async trainStep(): Promise<StepLog> {
    if (!this.train) throw new Error('trainStep: this session has no training data');
    const batch = batchAt(this.train, this.order, this.cursor, this.batchSize);
    this.cursor = (this.cursor + this.batchSize) % this.order.length;
    const x = cnn.tensor(batch.images, [batch.count, ...this.inputShape]);
    const y = cnn.tensor(batch.labels, [batch.count]);
    const started = performance.now();
    try {
      const [logs] = await this.model.fit(x, y, { epochs: 1, batchSize: batch.count, shuffle: false });
      const ms = performance.now() - started;
      this.step++;
      this.speeds.record(this.backend, batch.count, ms);
      const log: StepLog = {
        step: this.step,
        backend: this.backend,
        loss: logs!.loss,
        accuracy: logs!.accuracy ?? 0,
        samples: batch.count,
        ms,
      };
      this.history.push(log);
      return log;
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  /**
   * Moves the model to another backend: every weight is copied there and the copies replace the originals.
   * The optimizer's moments live on the old backend, so Adam restarts (its first steps are bias-corrected).
   */
  async switchBackend(name: string): Promise<void> {
    if (name === this.backend) return;
    const target = await cnn.initBackend(name);
    const moved = await Promise.all(
      this.model
        .getWeights()
        .map(async (w) => ({ name: w.name, tensor: await cnn.moveToAsync(w.tensor, target) })),
    );
    cnn.setBackend(target);
    this.model.setWeights(moved); // disposes the old tensors
    this.optimizer.dispose();
    this.optimizer = this.compile();
    this.outputsModel = null;
    this.backend = name;
  }

  /** Accuracy and the confusion matrix on the first `limit` test digits. */
  async evaluate(limit = 1000): Promise<ReturnType<typeof confusionMatrix>> {
    if (!this.test) throw new Error('evaluate: this session has no test data');
    const n = Math.min(limit, this.test.count);
    const pixels = this.inputShape.reduce((a, b) => a * b, 1);
    const predicted: number[] = [];
    const batch = 200;
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start);
      const x = cnn.tensor(this.test.images.slice(start * pixels, (start + m) * pixels), [
        m,
        ...this.inputShape,
      ]);
      const logits = this.model.predict(x);
      const classes = logits.shape[1]!;
      predicted.push(...argmaxRows(await logits.data(), classes));
      x.dispose();
      logits.dispose();
    }
    const classes = this.model.outputs[0]!.shape.at(-1)!;
    return confusionMatrix(predicted, this.test.labels.slice(0, n), classes);
  }

  /** Class probabilities (softmax of the logits) for one image. */
  async probabilities(image: Float32Array): Promise<Float32Array> {
    const x = cnn.tensor(image, [1, ...this.inputShape]);
    const p = cnn.tidy(() => cnn.softmax(this.model.predict(x)));
    try {
      return await p.data();
    } finally {
      x.dispose();
      p.dispose();
    }
  }

  /** Every layer's output for one image, in execution order (the input first). */
  async layerOutputs(image: Float32Array): Promise<LayerOutput[]> {
    const nodes = this.model.nodes;
    this.outputsModel ??= new cnn.Model({
      inputs: this.model.inputs,
      outputs: nodes.map((n) => n.output),
      name: `${this.model.name}-outputs`,
    });
    const model = this.outputsModel;
    const x = cnn.tensor(image, [1, ...this.inputShape]);
    const outputs = cnn.tidy(() =>
      model.forward([x], { training: false, random: model.random, updates: [] }).map((t) => cnn.keep(t)),
    );
    try {
      const values = await Promise.all(outputs.map((t) => t.data()));
      return nodes.map((n, i) => ({
        name: n.layer.name,
        className: n.layer.className,
        shape: [...n.output.shape],
        values: values[i]!,
      }));
    } finally {
      x.dispose();
      outputs.forEach((t) => {
        if (t !== x) t.dispose();
      });
    }
  }

  /** A layer's weights by parameter name (`kernel`, `bias`), read to the host. */
  async layerWeights(layerName: string): Promise<Map<string, { shape: number[]; values: Float32Array }>> {
    const out = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const w of this.model.getWeights()) {
      const [layer, param] = w.name.split('/');
      if (layer === layerName) out.set(param!, { shape: [...w.tensor.shape], values: await w.tensor.data() });
    }
    return out;
  }

  /** Frees the weights and the optimizer's state. */
  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
