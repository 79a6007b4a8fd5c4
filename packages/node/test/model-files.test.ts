import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, loadWeights, saveModel } from '../src/index.js';

function smallNet(seed = 3, filters = 4): cnn.Model {
  const x = cnn.input([6, 6, 2], 'image');
  const a = new cnn.Conv2D({
    name: 'conv',
    filters,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
  }).apply(x);
  const b = new cnn.BatchNorm({ name: 'bn' }).apply(a);
  const c = new cnn.Concat({ name: 'cat' }).apply(b, x);
  const d = new cnn.GlobalAveragePool({ name: 'gap' }).apply(c);
  const y = new cnn.Dense({ name: 'fc', units: 3 }).apply(d);
  return new cnn.Model({ inputs: x, outputs: y, name: 'small', seed });
}

describe('model files', () => {
  let dir: string;
  const x = () => cnn.randomNormal([2, 6, 6, 2], 0, 1, { seed: 11 });
  beforeAll(async () => {
    cnn.setBackend(cpu());
    dir = await mkdtemp(join(tmpdir(), 'cnn-model-'));
  });

  it('round-trips topology and weights: the loaded model predicts the same', async () => {
    const model = smallNet().initialize();
    const before = await model.predict(x()).data();
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    expect(loaded.summary()).toBe(model.summary());
    expect(Array.from(await loaded.predict(x()).data())).toEqual(Array.from(before));
  });

  it('a model saved from one backend instance loads on another and predicts the same', async () => {
    const model = smallNet(9).initialize();
    const before = await model.predict(x()).data();
    await saveModel(model, dir);
    cnn.setBackend(cpu());
    const loaded = await loadModel(dir);
    expect(loaded.backend).not.toBe(model.backend);
    const after = await loaded.predict(x()).data();
    after.forEach((v, i) => expect(Math.abs(v - before[i]!)).toBeLessThanOrEqual(1e-6));
  });

  it('saving again replaces the old files and leaves no temporary ones', async () => {
    await saveModel(smallNet(1).initialize(), dir);
    await saveModel(smallNet(2).initialize(), dir);
    const files = (await readdir(dir)).sort();
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect(files.some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('a crash before model.json is replaced leaves the previous model loadable', async () => {
    const model = smallNet(4).initialize();
    await saveModel(model, dir);
    const expected = await model.predict(x()).data();
    // Simulate a save that died after writing its new weights but before replacing model.json.
    await writeFile(join(dir, 'weights.00000000deadbeef.bin'), Buffer.alloc(12));
    await writeFile(join(dir, 'model.json.tmp-1-abcd'), '{"format": "cnn-mo');
    const loaded = await loadModel(dir);
    expect(Array.from(await loaded.predict(x()).data())).toEqual(Array.from(expected));
  });

  it('truncated weights, corrupted weights and a truncated model.json are clear errors', async () => {
    await saveModel(smallNet().initialize(), dir);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const weightsPath = join(dir, json.weightsFile);
    const bytes = await readFile(weightsPath);

    await writeFile(weightsPath, bytes.subarray(0, bytes.length - 8));
    await expect(loadModel(dir)).rejects.toThrow(
      `has ${bytes.length - 8} bytes but ${bytes.length} were saved (truncated?)`,
    );

    const flipped = Buffer.from(bytes);
    flipped[5] = flipped[5]! ^ 0xff;
    await writeFile(weightsPath, flipped);
    await expect(loadModel(dir)).rejects.toThrow('is corrupted (SHA-256');

    await writeFile(weightsPath, bytes);
    const text = await readFile(join(dir, 'model.json'), 'utf8');
    await writeFile(join(dir, 'model.json'), text.slice(0, text.length / 2));
    await expect(loadModel(dir)).rejects.toThrow('is not valid JSON (truncated or corrupted)');

    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...json, version: 99 }));
    await expect(loadModel(dir)).rejects.toThrow('model format version 99 is not supported');
  });

  it('loading weights into a model whose layer names or shapes differ is refused', async () => {
    await saveModel(smallNet(5, 4).initialize(), dir);
    await expect(loadWeights(smallNet(5, 8), dir)).rejects.toThrow(
      "load: weight 'conv/kernel' has shape [3,3,2,4] in the file but [3,3,2,8] in the model",
    );
    const renamed = cnn.sequential([6, 6, 2], [new cnn.Conv2D({ name: 'other', filters: 4, kernelSize: 3 })]);
    await expect(loadWeights(renamed, dir)).rejects.toThrow('the file lists 8 weights but the model has 2');
  });
});
