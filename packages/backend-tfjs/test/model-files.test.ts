import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@cnn/backend-cpu';
import { compare, tolerances } from '@cnn/conformance';
import * as cnn from '@cnn/core';
import { loadModel, saveModel } from '@cnn/node';
import { describe, expect, it } from 'vitest';
import { tfjs } from '../src/index.js';

/** Conv + batch norm + pooling + a concat branch + dense: every kind of saved state (kernels, biases, running stats). */
function net(): cnn.Model {
  const x = cnn.input([8, 8, 2], 'image');
  const a = new cnn.Conv2D({
    name: 'conv',
    filters: 4,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
  }).apply(x);
  const b = new cnn.BatchNorm({ name: 'bn' }).apply(a);
  const c = new cnn.Concat({ name: 'cat' }).apply(b, x);
  const d = new cnn.MaxPool2D({ name: 'pool', poolSize: 2 }).apply(c);
  const y = new cnn.Dense({ name: 'fc', units: 3 }).apply(new cnn.Flatten({ name: 'flat' }).apply(d));
  return new cnn.Model({ inputs: x, outputs: y, name: 'net', seed: 4 });
}

/** Trains two epochs on `backend` (so the running stats move off their initial values), saves, predicts. */
async function trainAndSave(backend: cnn.Backend, dir: string): Promise<Float32Array> {
  cnn.setBackend(backend);
  const model = net().compile({
    optimizer: new cnn.SGD({ learningRate: 0.05 }),
    loss: 'softmaxCrossEntropy',
  });
  const x = cnn.randomNormal([6, 8, 8, 2], 0, 1, { seed: 5 });
  await model.fit(x, cnn.tensor([0, 1, 2, 0, 1, 2]), { epochs: 2, batchSize: 3 });
  await saveModel(model, dir);
  return model.predict(probe()).data();
}

/** conv 3·3·2·4 + 4, batch norm 4·4, dense (4·4·6)·3 + 3. */
const PARAMETERS = 76 + 16 + 291;

const probe = () => cnn.randomNormal([4, 8, 8, 2], 0, 1, { seed: 6 });

async function predictLoaded(backend: cnn.Backend, dir: string): Promise<cnn.Tensor> {
  cnn.setBackend(backend);
  const model = await loadModel(dir);
  expect(model.backend).toBe(backend);
  return model.predict(probe());
}

// "A model saved from one backend loads on any other and gives the same predictions within tolerance."
describe.each(['cpu', 'wasm'] as const)('model files across backends: cpu and tfjs-%s', (engine) => {
  it.each(['from cpu', 'to cpu'] as const)(
    'saved %s, loaded on the other, predicts the same',
    async (way) => {
      const [from, to] = way === 'from cpu' ? [cpu(), await tfjs(engine)] : [await tfjs(engine), cpu()];
      const dir = await mkdtemp(join(tmpdir(), 'cnn-cross-'));
      const expected = await trainAndSave(from, dir);
      const loaded = await predictLoaded(to, dir);
      const result = compare(
        way,
        'logits',
        { data: await loaded.data(), shape: loaded.shape },
        { name: 'logits', dtype: 'float32', data: Array.from(expected), shape: [4, 3] },
        tolerances.cpu,
        // every input pixel and weight can reach a logit: their count bounds the terms (tolerance.ts)
        8 * 8 * 2 + PARAMETERS,
      );
      expect(result.ok, result.message).toBe(true);
    },
  );
});
