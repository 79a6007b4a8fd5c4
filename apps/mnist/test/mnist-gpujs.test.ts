import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATASET_DEFAULTS, type MnistOptions, trainMnist } from '../src/train.js';

// The main job on `--backend gpujs` (WebGL through headless-gl, which needs an X server: `pnpm test` runs
// under backend-gpujs's scripts/xvfb.sh; without one this test fails, it never skips). A handful of digits
// (200 training, 100 validation, 500 test), one epoch, seed 1, no time limit, compared with the very same
// run on backend-cpu. Batches of 32 make conv1's filter gradient a GEMM with K = 32·24·24 = 18,432 and its
// bias gradient a sum as long: past llvmpipe's loop cap, which backend-gpujs once got wrong (its README).
const base: MnistOptions = {
  ...DATASET_DEFAULTS.mnist,
  dataset: 'mnist',
  model: 'lenet5',
  backend: 'gpujs',
  epochs: 1,
  shift: 0,
  seed: 1,
  trainSize: 300,
  validationSize: 100,
  testSize: 500,
  timeLimit: 0,
  width: 1,
  out: '',
  pictures: false,
  verbose: false,
};

const run = async (backend: string) =>
  trainMnist({ ...base, backend, out: await mkdtemp(join(tmpdir(), `cnn-mnist-${backend}-`)) });

describe('the main job on backend-gpujs', () => {
  it('trains LeNet-5 on a few digits, reports validation and test accuracy, and agrees with backend-cpu', async () => {
    const gpu = await run('gpujs');
    expect(gpu.backend).toBe('gpujs'); // not 'gpujs-cpu': the WebGL path really ran
    expect([gpu.trainCount, gpu.validationCount, gpu.testCount]).toEqual([200, 100, 500]);
    expect(gpu.stoppedBy).toBe('epochs');
    expect(gpu.history).toHaveLength(1);
    const epoch = gpu.history[0]!;
    // It learned: both losses are finite and below ln 10, the loss of a uniform guess over 10 classes.
    for (const loss of [epoch.loss, epoch.valLoss!]) {
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeLessThan(Math.log(10));
    }
    expect(gpu.validationAccuracy).toBe(epoch.valAccuracy);
    expect(gpu.testAccuracy).toBeGreaterThan(0.2); // chance is 0.1
    const total = gpu.confusion.flat().reduce((a, b) => a + b, 0);
    const diagonal = gpu.confusion.reduce((s, row, i) => s + row[i]!, 0);
    expect(total).toBe(500);
    expect(diagonal / total).toBeCloseTo(gpu.testAccuracy, 10);

    // The same run on backend-cpu: same initial weights, batches and steps, so the same numbers up to
    // float32 rounding (measured: losses within 2e-7, identical accuracies).
    const cpu = await run('cpu');
    expect(cpu.backend).toBe('cpu');
    const cpuEpoch = cpu.history[0]!;
    expect(Math.abs(epoch.loss - cpuEpoch.loss)).toBeLessThan(1e-4);
    expect(Math.abs(epoch.valLoss! - cpuEpoch.valLoss!)).toBeLessThan(1e-4);
    // Predictions may differ only where two logits nearly tie: at most 2 of the 100 / 500 digits.
    expect(Math.abs(gpu.validationAccuracy - cpu.validationAccuracy)).toBeLessThanOrEqual(2 / 100);
    expect(Math.abs(gpu.testAccuracy - cpu.testAccuracy)).toBeLessThanOrEqual(2 / 500);
  }, 300_000);
});
