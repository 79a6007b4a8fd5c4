import { cpu } from '@cnn/backend-cpu';
import { reference } from '@cnn/backend-reference';
import type { Backend } from '@cnn/core';
import * as cnn from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { type SoakResult, soak } from '../src/soak.js';

// A CI-sized soak (tools/soak.mjs runs 1,000 steps on every backend, tfjs included, and writes docs/soak.md):
// ~150 training steps of a Conv2D + BatchNorm + MaxPool + Dense net. The live-tensor and buffer counts
// must be identical at every sample after the first step; RSS may wander (V8 heap, allocator), so its
// bound is a loose leak guard: a leak of one 8x8x4 activation per step would stay far below it, but a
// leak of whole batches (or of every step's tape) would not.
const STEPS = 150;
const EVERY = 25;
const RSS_GUARD_BYTES = 64 * 2 ** 20;

const backends: [string, () => Backend][] = [
  ['cpu', cpu],
  ['cpu, TypeScript kernels', () => cpu({ gemm: 'js' })],
  ['cpu, required kernels only', () => cnn.withoutOptionalKernels(cpu())],
  ['reference', reference],
];

/** backend-cpu that forgets to free one buffer in 500: the soak must notice. */
function leakyCpu(): Backend {
  const inner = cpu();
  let calls = 0;
  const leaky: typeof inner = {
    ...inner,
    dispose: (data: Float32Array) => {
      if (++calls % 500 !== 0) inner.dispose(data);
    },
  };
  return leaky as Backend;
}

describe('soak: a training loop keeps every count flat', () => {
  for (const [name, make] of backends) {
    it(`${name}: ${STEPS} steps`, async () => {
      const result: SoakResult = await soak(make(), { steps: STEPS, every: EVERY });
      const trained = result.samples.filter((s) => s.step >= 1);
      expect(trained.map((s) => s.step)).toEqual([1, 25, 50, 75, 100, 125, 150]);
      const first = trained[0]!;
      for (const s of trained) {
        expect({ step: s.step, tensors: s.liveTensors, buffers: s.backendBuffers }).toEqual({
          step: s.step,
          tensors: first.liveTensors,
          buffers: first.backendBuffers,
        });
      }
      expect(result.flat).toBe(true);
      // Training did happen and stayed finite.
      expect(Number.isFinite(trained.at(-1)!.loss)).toBe(true);
      expect(trained.at(-1)!.loss).toBeLessThan(first.loss);
      expect(result.rssGrowthBytes).toBeLessThan(RSS_GUARD_BYTES);
      // Disposing the model, the optimizer and the data gives everything back.
      expect(result.leftover).toEqual({ tensors: 0, buffers: 0 });
    });
  }

  it('the check has teeth: a backend that leaks one buffer in 500 frees is caught', async () => {
    const result = await soak(leakyCpu(), { steps: 60, every: 20 });
    expect(result.flat).toBe(false);
    const buffers = result.samples.filter((s) => s.step >= 1).map((s) => s.backendBuffers);
    expect(buffers.at(-1)!).toBeGreaterThan(buffers[0]!);
  });
});
