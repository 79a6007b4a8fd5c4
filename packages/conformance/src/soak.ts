import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';

/**
 * A soak run: trains a small conv net (Conv2D, BatchNorm, ReLU, MaxPool2D, Flatten, Dense) with `model.fit`
 * and Adam for `steps` steps on one backend and samples, every `every` steps, core's live-tensor count, the
 * backend's own buffer count and the process's resident set size. A training loop that leaks shows up as a
 * count that grows from one sample to the next; a flat run has the same counts at every sample after the
 * first step (the optimizer's moment buffers exist from step 1 on).
 */
export interface SoakOptions {
  /** Training steps (one batch each). */
  steps: number;
  /** Sample every `every` steps (and after step 1, and at step 0 before training). */
  every: number;
  /** Samples per batch (default 8). */
  batchSize?: number;
  /** Seed of the data and the weights (default 1). */
  seed?: number;
  /** Extra counters sampled with the others, e.g. a tfjs engine's own `tf.memory().numTensors`. */
  counters?: Record<string, () => number>;
  /** Called with each sample as it is taken (progress output). */
  onSample?: (sample: SoakSample) => void;
}

export interface SoakSample {
  /** Steps completed when the sample was taken (0: before training). */
  step: number;
  /** `cnn.memory().numTensors`: tensors created and not disposed. */
  liveTensors: number;
  /** `backend.numBuffers()`: storage the backend holds. */
  backendBuffers: number;
  /** `process.memoryUsage().rss` in bytes (NaN where there is no `process`). */
  rssBytes: number;
  /** The `counters` option's values. */
  counters: Record<string, number>;
  /** Running mean loss of the epoch (NaN at step 0). */
  loss: number;
}

export interface SoakResult {
  backend: string;
  steps: number;
  samples: SoakSample[];
  /** Whether tensors, buffers and every extra counter are the same at every sample from step 1 on. */
  flat: boolean;
  /** RSS of the last sample minus RSS of the sample after step 1, in bytes. */
  rssGrowthBytes: number;
  /** Live tensors and buffers left once the model, optimizer and data are disposed, minus those before the run. */
  leftover: { tensors: number; buffers: number };
  seconds: number;
}

function rss(): number {
  const proc = (globalThis as { process?: { memoryUsage?: () => { rss: number } } }).process;
  return proc?.memoryUsage ? proc.memoryUsage().rss : Number.NaN;
}

/** The soak net: 8x8x1 images, 3 classes. */
export function soakNet(seed = 1): cnn.Model {
  return cnn.sequential(
    [8, 8, 1],
    [
      new cnn.Conv2D({ name: 'conv', filters: 4, kernelSize: 3, padding: 'same' }),
      new cnn.BatchNorm({ name: 'bn' }),
      new cnn.ReLU({ name: 'relu' }),
      new cnn.MaxPool2D({ name: 'pool', poolSize: 2 }),
      new cnn.Flatten({ name: 'flat' }),
      new cnn.Dense({ name: 'fc', units: 3 }),
    ],
    { name: 'soak', seed },
  );
}

/** Runs the soak on `backend` (selected for the run; the previously selected backend is restored). */
export async function soak(backend: Backend, options: SoakOptions): Promise<SoakResult> {
  const { steps, every, batchSize = 8, seed = 1, counters = {}, onSample } = options;
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`soak: steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(every) || every < 1)
    throw new Error(`soak: every must be a positive integer, got ${every}`);
  let previous: Backend | null = null;
  try {
    previous = cnn.getBackend();
  } catch {}
  cnn.setBackend(backend);
  const started = performance.now();
  try {
    const before = { tensors: cnn.memory().numTensors, buffers: backend.numBuffers() };
    const samples: SoakSample[] = [];
    const sample = (step: number, loss: number) => {
      const s: SoakSample = {
        step,
        liveTensors: cnn.memory().numTensors,
        backendBuffers: backend.numBuffers(),
        rssBytes: rss(),
        counters: Object.fromEntries(Object.entries(counters).map(([k, f]) => [k, f()])),
        loss,
      };
      samples.push(s);
      onSample?.(s);
    };

    const model = soakNet(seed).initialize();
    const optimizer = new cnn.Adam({ learningRate: 1e-3 });
    model.compile({ optimizer, loss: 'softmaxCrossEntropy' });
    const x = cnn.randomNormal([batchSize, 8, 8, 1], 0, 1, { seed: seed + 1, backend });
    const y = cnn.tensor(
      Float32Array.from({ length: batchSize }, (_, i) => i % 3),
      [batchSize],
      backend,
    );
    sample(0, Number.NaN);
    // One batch per epoch, so `epochs` is the step count and onBatchEnd runs after every step, when the
    // step's tensors are gone and the weights, optimizer state and data are all that is alive.
    let step = 0;
    await model.fit(x, y, {
      epochs: steps,
      batchSize,
      callbacks: {
        onBatchEnd: (logs) => {
          step++;
          if (step === 1 || step % every === 0 || step === steps) sample(step, logs.loss);
        },
      },
    });

    x.dispose();
    y.dispose();
    optimizer.dispose();
    model.dispose();
    const leftover = {
      tensors: cnn.memory().numTensors - before.tensors,
      buffers: backend.numBuffers() - before.buffers,
    };
    const trained = samples.filter((s) => s.step >= 1);
    const first = trained[0]!;
    const same = (s: SoakSample) =>
      s.liveTensors === first.liveTensors &&
      s.backendBuffers === first.backendBuffers &&
      Object.keys(counters).every((k) => s.counters[k] === first.counters[k]);
    return {
      backend: backend.name,
      steps,
      samples,
      flat: trained.every(same),
      rssGrowthBytes: trained[trained.length - 1]!.rssBytes - first.rssBytes,
      leftover,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (previous) cnn.setBackend(previous);
  }
}

/** One Markdown table of a soak run: step, live tensors, backend buffers, the extra counters, RSS in MB, loss. */
export function soakTable(result: SoakResult): string {
  const extra = Object.keys(result.samples[0]?.counters ?? {});
  const header = ['step', 'live tensors', 'backend buffers', ...extra, 'RSS (MB)', 'loss'];
  const rows = result.samples.map((s) => [
    String(s.step),
    String(s.liveTensors),
    String(s.backendBuffers),
    ...extra.map((k) => String(s.counters[k])),
    Number.isFinite(s.rssBytes) ? (s.rssBytes / 2 ** 20).toFixed(1) : 'n/a',
    Number.isFinite(s.loss) ? s.loss.toFixed(4) : '',
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---:')), ...rows.map(line)].join('\n');
}
