import { cpu } from '@cnn/backend-cpu';
import { describe, expect, it } from 'vitest';
import { compareArrays, KERNEL_TOLERANCE } from '../src/agree.js';
import { convnetjsPeer } from '../src/engines/convnetjs.js';
import { ourSubject } from '../src/engines/ours.js';
import type { KernelOps, SubjectImpl } from '../src/engines/types.js';
import { loadFashionCached } from '../src/fashion-data.js';
import { convFlops, convOutputShape, gemmFlops, poolBytes, samePads } from '../src/flops.js';
import { benchTask, classifyError, type TimingPolicy } from '../src/run-task.js';
import { rateOf, summarize } from '../src/stats.js';
import { kernelTasks, type ModelTask, modelTasks } from '../src/tasks.js';

const policy: TimingPolicy = { warmup: 2, runs: 5, minRunMs: 0, budgetMs: 10_000, longRunMs: 1000 };

describe('FLOP counts', () => {
  it('counts a conv as 2·N·Ho·Wo·Cout·Kh·Kw·Cin/groups', () => {
    // LeNet conv1: 64 images, 24x24 outputs, 6 filters of 5x5x1.
    expect(convFlops([64, 28, 28, 1], [5, 5, 1, 6], [64, 24, 24, 6])).toBe(2 * 64 * 24 * 24 * 6 * 25);
    expect(convFlops([1, 56, 56, 64], [3, 3, 64, 64], [1, 56, 56, 64])).toBe(231_211_008);
    // Depthwise: each output channel sees one input channel.
    expect(convFlops([1, 8, 8, 4], [3, 3, 1, 4], [1, 6, 6, 4], 4)).toBe(2 * 6 * 6 * 4 * 9);
    expect(gemmFlops(512, 512, 512)).toBe(268_435_456);
    expect(poolBytes([64, 24, 24, 6], [64, 12, 12, 6])).toBe(4 * (64 * 24 * 24 * 6 + 64 * 12 * 12 * 6));
  });

  it('gives TensorFlow-style output sizes and SAME pads', () => {
    expect(convOutputShape([1, 56, 56, 64], [3, 3, 64, 128], [2, 2], 'same')).toEqual([1, 28, 28, 128]);
    expect(convOutputShape([64, 12, 12, 6], [5, 5, 6, 16], [1, 1], 'valid')).toEqual([64, 8, 8, 16]);
    expect(samePads(56, 3, 2)).toEqual([0, 1]);
    expect(samePads(28, 5, 1)).toEqual([2, 2]);
  });

  it('every kernel task has positive work', () => {
    for (const t of kernelTasks(false)) expect(t.work).toBeGreaterThan(0);
    expect(kernelTasks(false).find((t) => t.id === 'gemm-1024')!.work).toBeCloseTo(2.147483648);
  });
});

describe('statistics', () => {
  it('median, min and max', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, count: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, count: 4 });
    expect(() => summarize([])).toThrow();
    expect(() => summarize([1, Number.NaN])).toThrow();
  });

  it('turns times into rates, the fastest run giving the highest rate', () => {
    const rate = rateOf(2, summarize([1000, 500, 2000]));
    expect(rate).toEqual({ median: 2, min: 1, max: 4, count: 3 });
  });
});

describe('agreement', () => {
  it('accepts rounding differences and rejects real ones', () => {
    const ref = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i) * 10);
    expect(
      compareArrays(
        ref.map((v) => v * (1 + 1e-5)),
        ref,
      ).ok,
    ).toBe(true);
    const off = ref.slice();
    off[7]! *= 1.01;
    const bad = compareArrays(off, ref, KERNEL_TOLERANCE);
    expect(bad.ok).toBe(false);
    expect(bad.mismatches).toBe(1);
    expect(bad.reason).toContain('first at [7]');
    const nan = ref.slice();
    nan[3] = Number.NaN;
    expect(compareArrays(nan, ref).ok).toBe(false);
    expect(compareArrays(ref.subarray(1), ref).ok).toBe(false);
  });
});

/** A subject with one naive JavaScript GEMM; `error` is added to every output element. */
function fakeSubject(error: number): SubjectImpl {
  type H = { values: Float32Array; shape: readonly number[] };
  const kernels: Partial<KernelOps<H>> = {
    upload: (values, shape) => ({ values: values.slice(), shape }),
    read: async (h) => h.values,
    dispose: () => {},
    matMul(a, b) {
      const [m, k] = a.shape as [number, number];
      const n = b.shape[1]!;
      const out = new Float32Array(m * n);
      for (let i = 0; i < m; i++)
        for (let p = 0; p < k; p++) {
          const av = a.values[i * k + p]!;
          for (let j = 0; j < n; j++) out[i * n + j]! += av * b.values[p * n + j]!;
        }
      return { values: out.map((v) => v + error), shape: [m, n] };
    },
  };
  return { kernels: kernels as KernelOps, models: { build: () => Promise.reject(new Error('no models')) } };
}

describe('the harness', () => {
  const gemm = kernelTasks(true).find((t) => t.id === 'gemm-128')!;

  it('times a subject that agrees, and reports one that disagrees as wrong without timing it', async () => {
    let reference: Float32Array | null = null;
    const ref = await benchTask(gemm, 'cpu', ourSubject(cpu()), null, {
      policy,
      isReference: true,
      onOutput: (o) => (reference = o),
    });
    expect(ref.status).toBe('ok');
    expect(ref.timeMs!.count).toBe(5);
    expect(ref.rate!.median).toBeGreaterThan(0);

    const good = await benchTask(gemm, 'good', fakeSubject(0), reference, { policy });
    expect(good.status).toBe('ok');
    expect(good.agreement!.maxAbsError).toBeLessThan(1e-4);
    expect(good.samplesMs).toHaveLength(5);

    const wrong = await benchTask(gemm, 'wrong', fakeSubject(0.5), reference, { policy });
    expect(wrong.status).toBe('wrong');
    expect(wrong.reason).toContain('disagrees with backend-cpu');
    expect(wrong.timeMs).toBeUndefined();
    expect(wrong.rate).toBeUndefined();

    const unchecked = await benchTask(gemm, 'good', fakeSubject(0), null, { policy });
    expect(unchecked.status).toBe('unchecked');
    expect(unchecked.timeMs).toBeUndefined();
  });

  it('reports what a subject cannot do, with the reason', async () => {
    const result = await benchTask(gemm, 'convnetjs', convnetjsPeer(), new Float32Array(128 * 128), {
      policy,
    });
    expect(result.status).toBe('unsupported');
    expect(result.reason).toMatch(/no GEMM/);
    expect(
      classifyError(new Error("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'")),
    ).toEqual({
      status: 'unsupported',
      reason: expect.stringContaining('has no Conv2DBackpropFilter kernel'),
    });
  });

  it('rebuilds LeNet-5 in ConvNetJS with our weights: the same loss on the same SGD step', async () => {
    const train = modelTasks(true).find((t) => t.id === 'lenet5-train')!;
    const task: ModelTask = { ...train, samples: 64 };
    let reference: Float32Array | null = null;
    const ours = await benchTask(task, 'cpu', ourSubject(cpu()), null, {
      policy: { ...policy, runs: 1, warmup: 1 },
      isReference: true,
      onOutput: (o) => (reference = o),
    });
    expect(ours.status).toBe('ok');
    const peer = await benchTask(task, 'convnetjs', convnetjsPeer(), reference, {
      policy: { ...policy, runs: 1, warmup: 1 },
    });
    expect(peer.status).toBe('ok');
    expect(peer.agreement!.maxRelError).toBeLessThan(1e-4);
  });
});

describe('the Fashion-MNIST epoch', () => {
  it('is a real-size epoch (all 60,000 training images, then the 10,000 test images), tiny with --quick', () => {
    const full = modelTasks(false).find((t) => t.id === 'fashion-mnist-epoch')!;
    expect([full.kind, full.data, full.samples, full.testSamples, full.work]).toEqual([
      'epoch',
      'fashion-mnist',
      60000,
      10000,
      60000,
    ]);
    const quick = modelTasks(true).find((t) => t.id === 'fashion-mnist-epoch')!;
    expect([quick.samples, quick.testSamples]).toEqual([128, 128]);
    // The data behind it: Debian's files, every training image (no validation set carved off here).
    const data = loadFashionCached();
    expect([data.train.count, data.validation.count, data.test.count]).toEqual([60000, 0, 10000]);
  });

  it('runs on backend-cpu in --quick size: the loss is measured and the accuracy is a fraction', async () => {
    const task = modelTasks(true).find((t) => t.id === 'fashion-mnist-epoch')!;
    let output: Float32Array | null = null;
    const result = await benchTask(task, 'cpu', ourSubject(cpu()), null, {
      policy: { ...policy, runs: 1, warmup: 1 },
      isReference: true,
      onOutput: (o) => (output = o),
    });
    expect(result.status).toBe('ok');
    const [firstLoss, , accuracy] = Array.from(output!);
    // Ten classes: the first SGD step's loss is near ln 10 = 2.30 from fresh weights.
    expect(firstLoss).toBeGreaterThan(1.5);
    expect(firstLoss).toBeLessThan(3.5);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
  });
});
