import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, loadWeights, saveModel } from '../src/index.js';
import { smallNet } from './child/nets.js';
import { deadPid } from './children.js';

describe('model files', () => {
  let dir: string;
  const x = () => cnn.randomNormal([2, 6, 6, 2], 0, 1, { seed: 11 });
  beforeAll(async () => {
    cnn.setBackend(cpu());
    dir = await mkdtemp(join(tmpdir(), 'cnn-model-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

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
      `loadWeights: ${join(dir, 'model.json')}: weight 'conv/kernel' has shape [3,3,2,4] in the file but [3,3,2,8] in the model`,
    );
    const renamed = cnn.sequential([6, 6, 2], [new cnn.Conv2D({ name: 'other', filters: 4, kernelSize: 3 })]);
    await expect(loadWeights(renamed, dir)).rejects.toThrow('the file lists 8 weights but the model has 2');
  });
});

describe('model files: leftovers, integrity and errors', () => {
  const dirs: string[] = [];
  const newDir = async () => {
    dirs.push(await mkdtemp(join(tmpdir(), 'cnn-model-')));
    return dirs.at(-1)!;
  };
  const x = () => cnn.randomNormal([2, 6, 6, 2], 0, 1, { seed: 11 });
  const readJson = async (dir: string) => JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const writeJson = (dir: string, json: unknown) => writeFile(join(dir, 'model.json'), JSON.stringify(json));
  beforeAll(() => cnn.setBackend(cpu()));
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('the next save removes the temporary files and markers of dead saves, and keeps those of live ones', async () => {
    const dir = await newDir();
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
    const otherHost = host === 'ffffffff' ? 'eeeeeeee' : 'ffffffff';
    const dead = await deadPid();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      const removed = [
        `weights.0123abcd.bin.tmp-${dead}-${host}-00000001`,
        `weights.0123abcd.bin.saving-${dead}-${host}-00000002`,
        'weights.0123abcd.bin', // was protected by the dead marker only
        `model.json.tmp-${dead}-${host}-00000003`,
        `weights.0123abcd.bin.tmp-${dead}-0000abcd`, // the 0.1.0 name
        `weights.cafe.bin.tmp-${process.pid}-${host}-00000004`, // this process, no save under way
      ];
      const kept = [
        `weights.4567.bin.tmp-${live.pid}-${host}-00000005`,
        `weights.4567.bin.saving-${live.pid}-${host}-00000006`,
        'weights.4567.bin', // a live save's weights, about to be named by its model.json
        `model.json.tmp-${live.pid}-${host}-00000007`,
        `weights.89ab.bin.tmp-${dead}-${otherHost}-00000008`, // another machine's: cannot tell whether alive
        'notes.txt', // not ours
      ];
      for (const name of [...removed, ...kept]) await writeFile(join(dir, name), 'x');
      const saved = await saveModel(smallNet().initialize(), dir);
      const expected = [...kept, 'model.json', saved.weightsFile.slice(dir.length + 1)];
      expect((await readdir(dir)).sort()).toEqual(expected.sort());
    } finally {
      live.kill();
    }
  });

  it('a model.json edited into another valid model is refused; reformatting it is not', async () => {
    const dir = await newDir();
    const model = smallNet().initialize();
    await saveModel(model, dir);
    const json = await readJson(dir);
    expect(json.manifestSha256).toMatch(/^[0-9a-f]{64}$/);

    await writeFile(join(dir, 'model.json'), JSON.stringify(json, null, 4)); // whitespace is free
    expect((await loadModel(dir)).summary()).toBe(model.summary());

    const edited = structuredClone(json);
    edited.layers.find((l: { name: string }) => l.name === 'conv').config.activation = 'sigmoid';
    await writeJson(dir, edited);
    const refused = `loadModel: ${join(dir, 'model.json')} was changed after it was saved (its content does not match its manifestSha256)`;
    await expect(loadModel(dir)).rejects.toThrow(refused);
    await expect(loadWeights(smallNet(), dir)).rejects.toThrow(refused.replace('loadModel', 'loadWeights'));
  });

  it('a model.json saved by @cnn/node 0.1.0 (no manifestSha256) still loads', async () => {
    const dir = await newDir();
    const model = smallNet(6).initialize();
    const expected = await model.predict(x()).data();
    await saveModel(model, dir);
    const { manifestSha256: _, ...legacy } = await readJson(dir);
    await writeFile(join(dir, 'model.json'), JSON.stringify(legacy, null, 1));
    expect(Array.from(await (await loadModel(dir)).predict(x()).data())).toEqual(Array.from(expected));
  });

  it('a NaN or infinite weight is refused at save, naming the weight, unless allowNonFinite is given', async () => {
    const dir = await newDir();
    const model = smallNet().initialize();
    const bias = cnn.tensor([0.5, Number.NaN, Number.POSITIVE_INFINITY], [3]);
    model.setWeights(
      model.getWeights().map((w) => (w.name === 'fc/bias' ? { name: w.name, tensor: bias } : w)),
    );
    await expect(saveModel(model, join(dir, 'refused'))).rejects.toThrow(
      "saveModel: weight 'fc/bias' holds 2 non-finite value(s) (NaN at index 1); pass { allowNonFinite: true } to save it anyway",
    );
    expect(await readdir(dir)).toEqual([]); // nothing written, not even the folder

    await saveModel(model, dir, { allowNonFinite: true });
    const loaded = (await loadModel(dir)).getWeights().find((w) => w.name === 'fc/bias')!;
    expect(Array.from(await loaded.tensor.data())).toEqual([0.5, Number.NaN, Number.POSITIVE_INFINITY]);
  });

  it('saving a model with a disposed weight names the caller and the weight', async () => {
    const model = smallNet().initialize();
    model
      .getWeights()
      .find((w) => w.name === 'conv/bias')!
      .tensor.dispose();
    await expect(saveModel(model, await newDir())).rejects.toThrow(
      "saveModel: weight 'conv/bias' has been disposed",
    );
  });

  it('a model.json missing a field or with a malformed one is an error naming the file and the field', async () => {
    const dir = await newDir();
    await saveModel(smallNet().initialize(), dir);
    const json = await readJson(dir);
    const path = join(dir, 'model.json');
    const cases: [(j: Record<string, unknown>) => void, string][] = [
      [
        (j) => delete j.weightsSha256,
        `${path} has no 'weightsSha256' (the weights file's SHA-256, 64 hex digits)`,
      ],
      [(j) => delete j.layers, `${path} has no 'layers' (a list of layers)`],
      [(j) => (j.layers = 'conv'), `${path} has an invalid 'layers' (expected a list of layers)`],
      [
        (j) => ((j.layers as { inbound: unknown }[])[1]!.inbound = 'image'),
        `${path} has an invalid 'layers[1].inbound' (expected a list of layer names)`,
      ],
      [
        (j) => (j.weightsBytes = 7),
        `${path} has an invalid 'weightsBytes' (expected a byte count, a multiple of 4)`,
      ],
      [(j) => (j.format = 'keras'), `${path} is not a cnn-model file (format: "keras")`],
    ];
    for (const [edit, message] of cases) {
      const broken = structuredClone(json);
      edit(broken);
      await writeJson(dir, broken);
      await expect(loadModel(dir)).rejects.toThrow(`loadModel: ${message}`);
      await expect(loadWeights(smallNet(), dir)).rejects.toThrow(`loadWeights: ${message}`);
    }
    await writeFile(path, '[1, 2]');
    await expect(loadModel(dir)).rejects.toThrow(
      `loadModel: ${path} is not a cnn-model file (it holds a list)`,
    );
  });

  it('loadModel and loadWeights both check the version and say its type when it is not a number', async () => {
    const dir = await newDir();
    await saveModel(smallNet().initialize(), dir);
    const json = await readJson(dir);
    const path = join(dir, 'model.json');
    for (const load of [() => loadModel(dir), () => loadWeights(smallNet(), dir)]) {
      await writeJson(dir, { ...json, version: '1' });
      const error = await load().catch((e: Error) => e);
      expect((error as Error).message).toMatch(
        `${path} has version "1", a string; this library reads version 1, a number`,
      );
      expect((error as Error).message).not.toMatch('version 1 is not supported');
      await writeJson(dir, { ...json, version: 2 });
      await expect(load()).rejects.toThrow(
        `${path}: model format version 2 is not supported (this library reads version 1)`,
      );
      await writeJson(dir, { ...json, version: undefined });
      await expect(load()).rejects.toThrow(`${path} has no 'version'`);
    }
  });

  it('save failures are clear errors naming the path and the cause; an empty path is refused up front', async () => {
    const dir = await newDir();
    const model = smallNet().initialize();
    await expect(saveModel(model, '')).rejects.toThrow('saveModel: the folder path is empty');
    await expect(loadModel('')).rejects.toThrow('loadModel: the folder path is empty');
    await expect(loadWeights(model, '')).rejects.toThrow('loadWeights: the folder path is empty');

    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const target of [file, join(file, 'model')]) {
      await expect(saveModel(model, target)).rejects.toThrow(
        `saveModel: cannot create the folder ${target}: it or a folder above it is a file`,
      );
    }
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow(
      `loadModel: cannot read ${join(dir, 'missing', 'model.json')}: no such file or folder (ENOENT)`,
    );
  });

  // Root may write anywhere, so this runs only as another user (CI); save-steps.test.ts injects failures too.
  it.skipIf(process.getuid?.() === 0)('saving into a read-only folder says so, naming the path', async () => {
    const dir = await newDir();
    await chmod(dir, 0o555);
    try {
      await expect(saveModel(smallNet().initialize(), dir)).rejects.toThrow(
        new RegExp(
          `^saveModel: cannot create ${dir}/weights\\.[0-9a-f]+\\.bin\\.saving-\\S+: permission denied \\(EACCES\\)$`,
        ),
      );
    } finally {
      await chmod(dir, 0o755);
    }
  });
});
