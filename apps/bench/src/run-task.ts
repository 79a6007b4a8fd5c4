/**
 * One measurement: one task on one subject. Inputs are uploaded before the clock starts; every timed run
 * ends with the result read back to the host (so asynchronous engines are not flattered). The first run's
 * output is compared with backend-cpu's before anything is timed: a subject that disagrees is reported as
 * wrong, and no time is given for it.
 */
import * as cnn from '@cnn/core';
import { type Agreement, compareArrays, KERNEL_TOLERANCE, MODEL_TOLERANCE } from './agree.js';
import { loadMnistCached } from './data.js';
import { netDefinition } from './engines/nets.js';
import { type KernelOps, type SubjectImpl, Unsupported } from './engines/types.js';
import { loadFashionCached } from './fashion-data.js';
import { rateOf, type Summary, summarize } from './stats.js';
import type { KernelTask, ModelTask, Task } from './tasks.js';

export type Status = 'ok' | 'wrong' | 'unsupported' | 'unavailable' | 'error' | 'unchecked' | 'skipped';

export interface TaskResult {
  task: string;
  subject: string;
  status: Status;
  /** Why it is not 'ok'. */
  reason?: string;
  /** What the agreement check compared, and how it went. */
  compared?: string;
  agreement?: Omit<Agreement, 'ok'>;
  /** Milliseconds per run (per iteration, where a run repeats a short kernel). */
  timeMs?: Summary;
  /** Work per second in the task's unit (median, and the rates of the slowest and fastest runs). */
  rate?: Summary;
  samplesMs?: number[];
  /** Kernel calls per timed run (short kernels repeat until a run lasts `minRunMs`). */
  iterations?: number;
  memory?: { baseMB: number; peakMB: number };
  /** Task-specific figures: test accuracy after the epoch, first and last loss. */
  extra?: Record<string, number>;
}

export interface TimingPolicy {
  /** Untimed runs first; the first of them is the checked one. */
  warmup: number;
  /** Timed runs (at most, for long tasks). */
  runs: number;
  /** Short kernels repeat within one run until it lasts this long. */
  minRunMs: number;
  /**
   * Long tasks (an epoch): a subject whose run is estimated (from the warm-up) to take longer than this is
   * skipped with the estimate; the others stop adding runs once their timed runs took this long.
   */
  budgetMs: number;
  /** Further warm-up runs are skipped once the checked run took this long (the JIT has warmed up). */
  longRunMs: number;
}

export const FULL_POLICY: TimingPolicy = {
  warmup: 2,
  runs: 5,
  minRunMs: 100,
  budgetMs: 150_000,
  longRunMs: 1000,
};
/** The smoke test: every subject runs and is checked; its figures are not benchmarks. */
export const QUICK_POLICY: TimingPolicy = { warmup: 1, runs: 1, minRunMs: 0, budgetMs: 60_000, longRunMs: 0 };

/** What the harness needs from a task prepared on one subject. */
export interface Runnable {
  /**
   * Cheaper warm-up than a full run (long tasks only); returns the estimated milliseconds of a full run,
   * from the warm-up's own timing.
   */
  warmup?(): Promise<number>;
  /** Untimed work before every run (resetting weights); runs are then single calls. */
  before?(): Promise<void> | void;
  /** One run; resolves with the output read back to the host. */
  run(): Promise<Float32Array>;
  /** The agreement check against the reference subject's output of the same run. */
  check(got: Float32Array, ref: Float32Array): Agreement;
  /** What `check` compares, in words. */
  compared: string;
  extra?(output: Float32Array): Record<string, number>;
  dispose(): void;
}

/** Deterministic inputs per task: values uniform in [-1, 1) from a seed derived from the task id. */
function inputValues(taskId: string, name: string, shape: readonly number[]): Float32Array {
  let seed = 2166136261;
  for (const ch of `${taskId}/${name}`) seed = Math.imul(seed ^ ch.charCodeAt(0), 16777619) >>> 0;
  const random = new cnn.Random(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = random.uniform(-1, 1);
  return values;
}

export function kernelRunnable(task: KernelTask, ops: KernelOps): Runnable {
  const reason = ops.cannot?.(task);
  if (reason) throw new Unsupported(reason);
  const handles: unknown[] = [];
  const up = (name: string, shape: readonly number[]) => {
    const h = ops.upload(inputValues(task.id, name, shape), shape);
    handles.push(h);
    return h;
  };
  let compute: () => unknown;
  const c = task.conv;
  switch (task.op) {
    case 'matMul': {
      const { m, n, k } = task.gemm!;
      const [a, b] = [up('a', [m, k]), up('b', [k, n])];
      compute = () => ops.matMul(a, b);
      break;
    }
    case 'conv2d': {
      const [x, f] = [up('x', c!.x), up('filter', c!.filter)];
      compute = () => ops.conv2d(x, f, c!);
      break;
    }
    case 'conv2dBackpropInput': {
      const [dy, f] = [up('dy', c!.out), up('filter', c!.filter)];
      compute = () => ops.conv2dBackpropInput(dy, f, c!);
      break;
    }
    case 'conv2dBackpropFilter': {
      const [x, dy] = [up('x', c!.x), up('dy', c!.out)];
      compute = () => ops.conv2dBackpropFilter(x, dy, c!);
      break;
    }
    case 'maxPool': {
      const x = up('x', task.pool!.x);
      compute = () => ops.maxPool(x, task.pool!);
      break;
    }
  }
  return {
    async run() {
      const y = compute();
      try {
        return await ops.read(y);
      } finally {
        ops.dispose(y);
      }
    },
    check: (got, ref) => compareArrays(got, ref, KERNEL_TOLERANCE),
    compared: `every output element (|got - ref| <= ${KERNEL_TOLERANCE.rtol}·|ref| + ${KERNEL_TOLERANCE.atol}·max|ref|)`,
    dispose: () => handles.forEach((h) => ops.dispose(h)),
  };
}

/** Host index of the largest logit of each row. */
export function argmaxRows(logits: Float32Array, classes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < logits.length / classes; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (logits[i * classes + j]! > logits[i * classes + best]!) best = j;
    out.push(best);
  }
  return out;
}

export async function modelRunnable(task: ModelTask, impl: SubjectImpl): Promise<Runnable> {
  const def = netDefinition(task.net);
  const runner = await impl.models.build(def, task.learningRate);
  const uploads: unknown[] = [];
  const upload = async (images: Float32Array, labels: Float32Array, count: number) => {
    const data = await runner.upload(images, labels, count);
    uploads.push(data);
    return data;
  };
  const dispose = () => {
    uploads.forEach((d) => runner.freeData(d));
    runner.dispose();
  };
  const logitsCheck = {
    check: (got: Float32Array, ref: Float32Array) => compareArrays(got, ref, MODEL_TOLERANCE),
    compared: `the logits of every sample, same weights (|got - ref| <= ${MODEL_TOLERANCE.rtol}·|ref| + ${MODEL_TOLERANCE.atol}·max|ref|)`,
  };
  if (task.kind === 'infer' && task.net === 'resnet') {
    const size = def.inputShape.reduce((a, b) => a * b, 1);
    const images = inputValues(task.id, 'images', [task.samples * size]).map((v) => (v + 1) / 2);
    const data = await upload(images, new Float32Array(task.samples), task.samples);
    return { ...logitsCheck, run: () => runner.predict(data, task.batchSize), dispose };
  }
  const mnist = task.data === 'fashion-mnist' ? loadFashionCached() : loadMnistCached();
  if (task.kind === 'infer') {
    const data = await upload(mnist.test.images, mnist.test.labels, task.samples);
    return { ...logitsCheck, run: () => runner.predict(data, task.batchSize), dispose };
  }
  if (task.kind === 'train') {
    const data = await upload(mnist.train.images, mnist.train.labels, task.samples);
    const steps = task.samples / task.batchSize;
    return {
      before: () => runner.resetWeights(),
      run: async () => Float32Array.from(await runner.train(data, task.batchSize)),
      check: (got, ref) => compareArrays(got, ref, MODEL_TOLERANCE),
      compared: `the loss of each of the ${steps} SGD steps (lr ${task.learningRate}) from the same initial weights on the same batches (|got - ref| <= ${MODEL_TOLERANCE.rtol}·|ref| + ${MODEL_TOLERANCE.atol}·max|ref|)`,
      extra: (out) => ({ firstLoss: out[0]!, lastLoss: out[out.length - 1]! }),
      dispose,
    };
  }
  // The epoch: train on the (already shuffled) training digits in order, then classify the test digits.
  // The whole sets are uploaded after the warm-up (untimed), so a subject the budget skips, or one that
  // cannot hold them, still gets its estimate.
  let sets: { train: unknown; test: unknown } | undefined;
  const testLabels = mnist.test.labels.subarray(0, task.testSamples!);
  const small = await upload(mnist.train.images, mnist.train.labels, task.batchSize);
  const batches = Math.ceil(task.samples / task.batchSize);
  const tail = 10;
  return {
    async warmup() {
      // Once to warm up, once more timed for the estimate of a whole run.
      for (let i = 0; ; i++) {
        const t0 = performance.now();
        await runner.train(small, task.batchSize);
        const t1 = performance.now();
        await runner.predict(small, 256);
        const t2 = performance.now();
        const n = task.batchSize;
        if (i === 1) return ((t1 - t0) / n) * task.samples + ((t2 - t1) / n) * task.testSamples!;
      }
    },
    async before() {
      sets ??= {
        train: await upload(mnist.train.images, mnist.train.labels, task.samples),
        test: await upload(mnist.test.images, mnist.test.labels, task.testSamples!),
      };
      await runner.resetWeights();
    },
    async run() {
      const losses = await runner.train(sets!.train, task.batchSize);
      const predicted = argmaxRows(await runner.predict(sets!.test, 256), def.classes);
      const accuracy = predicted.filter((p, i) => p === testLabels[i]).length / predicted.length;
      const last = losses.slice(-tail);
      return Float32Array.of(losses[0]!, last.reduce((a, b) => a + b, 0) / last.length, accuracy);
    },
    check(got, ref) {
      const [first, last, accuracy] = got as unknown as [number, number, number];
      const refAccuracy = ref[2]!;
      const problems: string[] = [];
      if (!(Math.abs(accuracy - refAccuracy) <= 0.03))
        problems.push(`test accuracy ${accuracy.toFixed(4)}, backend-cpu ${refAccuracy.toFixed(4)}`);
      // Over a handful of steps the loss may not fall yet (the --quick epoch): only a real epoch is held to it.
      if (batches >= 20 && !(last < first))
        problems.push(`the loss did not fall (${first.toFixed(3)} → ${last.toFixed(3)})`);
      const err = Math.abs(accuracy - refAccuracy);
      return {
        ok: problems.length === 0,
        count: 1,
        maxAbsError: err,
        maxRelError: err / Math.max(refAccuracy, 1e-9),
        mismatches: problems.length ? 1 : 0,
        reason: problems.length ? problems.join('; ') : undefined,
      };
    },
    compared: `test accuracy after the epoch (same initial weights, same sample order) within 3 points of backend-cpu's${batches >= 20 ? `, and the mean loss of the last ${tail} batches below the first batch's` : ''}`,
    extra: (out) => ({ firstLoss: out[0]!, lastLoss: out[1]!, accuracy: out[2]! }),
    dispose,
  };
}

export async function prepareTask(task: Task, impl: SubjectImpl): Promise<Runnable> {
  return task.suite === 'kernels' ? kernelRunnable(task, impl.kernels) : modelRunnable(task, impl);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** An engine that lacks a kernel says so in TF.js's words; that is a limitation, not a crash. */
export function classifyError(error: unknown): { status: 'unsupported' | 'error'; reason: string } {
  const message = messageOf(error);
  if (error instanceof Unsupported) return { status: 'unsupported', reason: message };
  const missing = message.match(/Kernel '(\w+)' not registered for backend '(\w+)'/);
  if (missing) {
    return {
      status: 'unsupported',
      reason: `the TF.js ${missing[2]} engine has no ${missing[1]} kernel ("${missing[0]}")`,
    };
  }
  return { status: 'error', reason: message.split('\n')[0]! };
}

export interface BenchOptions {
  policy: TimingPolicy;
  /** false: only produce the output (for the reference), no timing. */
  timed?: boolean;
  /** Receives the first run's output (the reference subject's is saved for the others). */
  onOutput?(output: Float32Array): void;
}

/**
 * Checks, then times, one task on one subject. `reference` is backend-cpu's output for the same run; the
 * reference subject itself passes `null` and `isReference`.
 */
export async function benchTask(
  task: Task,
  subjectId: string,
  impl: SubjectImpl,
  reference: Float32Array | null,
  options: BenchOptions & { isReference?: boolean },
): Promise<TaskResult> {
  const { policy, timed = true } = options;
  const result: TaskResult = { task: task.id, subject: subjectId, status: 'ok' };
  let runnable: Runnable;
  try {
    runnable = await prepareTask(task, impl);
  } catch (error) {
    return { ...result, ...classifyError(error) };
  }
  result.compared = options.isReference ? 'the reference (backend-cpu) itself' : runnable.compared;
  const timeRun = async () => {
    await runnable.before?.();
    const start = performance.now();
    const output = await runnable.run();
    return { output, ms: performance.now() - start };
  };
  try {
    if (task.long && runnable.warmup) {
      const estimate = await runnable.warmup();
      if (!options.isReference && timed && estimate > policy.budgetMs) {
        return {
          ...result,
          status: 'skipped',
          reason: `not timed: one run would take about ${Math.round(estimate / 1000)} s (estimated from a warm-up batch), over the ${Math.round(policy.budgetMs / 1000)} s budget of this task (--epoch-budget)`,
          extra: { estimatedSeconds: estimate / 1000 },
        };
      }
    }
    // The checked run: for long tasks it is also the first timed run (its time is dropped if it is wrong).
    const first = await timeRun();
    options.onOutput?.(first.output);
    runnable.extra && (result.extra = runnable.extra(first.output));
    if (!options.isReference) {
      if (!reference) {
        return {
          ...result,
          status: 'unchecked',
          reason: 'no reference output to check against (backend-cpu did not run this task), so not timed',
        };
      }
      const { ok, reason, ...agreement } = runnable.check(first.output, reference);
      result.agreement = agreement;
      if (!ok)
        return { ...result, status: 'wrong', reason: `disagrees with backend-cpu: ${reason}; not timed` };
    }
    if (!timed) return result;
    const samples: number[] = [];
    let iterations = 1;
    if (task.long) {
      samples.push(first.ms);
      let total = first.ms;
      while (samples.length < policy.runs && total + first.ms <= policy.budgetMs) {
        const { ms } = await timeRun();
        samples.push(ms);
        total += ms;
      }
    } else {
      let lastMs = first.ms;
      for (let w = 1; w < policy.warmup && lastMs < policy.longRunMs; w++) lastMs = (await timeRun()).ms;
      if (!runnable.before)
        iterations = Math.max(1, Math.min(10_000, Math.ceil(policy.minRunMs / Math.max(lastMs, 1e-3))));
      for (let r = 0; r < policy.runs; r++) {
        await runnable.before?.();
        const start = performance.now();
        for (let i = 0; i < iterations; i++) await runnable.run();
        samples.push((performance.now() - start) / iterations);
      }
    }
    result.samplesMs = samples;
    result.iterations = iterations;
    result.timeMs = summarize(samples);
    result.rate = rateOf(task.work, result.timeMs);
    return result;
  } catch (error) {
    return { ...result, ...classifyError(error) };
  } finally {
    runnable.dispose();
  }
}
