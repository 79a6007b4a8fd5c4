import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { DATASET_DEFAULTS, loadSplits, type MnistOptions, trainMnist } from '../src/train.js';

ort.env.wasm.numThreads = 1;

describe('--export-onnx', () => {
  it('the trained model, exported, scores the same test accuracy in onnxruntime-web', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cnn-mnist-onnx-'));
    const options: MnistOptions = {
      ...DATASET_DEFAULTS.mnist,
      dataset: 'mnist',
      model: 'lenet5',
      backend: 'cpu',
      epochs: 1,
      shift: 0,
      seed: 3,
      trainSize: 1200,
      validationSize: 200,
      timeLimit: 0,
      width: 1,
      out,
      pictures: false,
      verbose: false,
      exportOnnx: join(out, 'onnx', 'lenet5.onnx'),
    };
    const result = await trainMnist(options);
    expect(result.files).toContain(options.exportOnnx);
    const { split } = loadSplits(options);
    const test = split.test;
    expect(test.count).toBe(result.testCount);
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(options.exportOnnx!)));
    let correct = 0;
    const batch = 1000;
    for (let start = 0; start < test.count; start += batch) {
      const n = Math.min(batch, test.count - start);
      // One channel: NHWC and NCHW hold the same values in the same order.
      const images = test.images.subarray(start * 784, (start + n) * 784);
      const { logits } = await session.run({ image: new ort.Tensor('float32', images, [n, 1, 28, 28]) });
      const scores = logits!.data as Float32Array;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < 10; c++) if (scores[i * 10 + c]! > scores[i * 10 + best]!) best = c;
        if (best === test.labels[start + i]) correct++;
      }
    }
    await session.release();
    console.log(
      `test accuracy: @cnn ${result.testAccuracy}, onnxruntime-web ${correct / test.count} (${test.count} images)`,
    );
    expect(result.testAccuracy).toBeGreaterThan(0.5); // trained: chance is 0.1
    expect(correct / test.count).toBe(result.testAccuracy);
  }, 120_000);
});
