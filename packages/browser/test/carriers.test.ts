import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reference } from '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { loadModel as nodeLoadModel, saveModel as nodeSaveModel } from '@cnn/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel, loadFromFiles, loadFromUrl, loadModel } from '../src/index.js';

// The browser carriers read and write @cnn/node's model files byte for byte: a model saved by one loads
// with the other, with the same integrity checks. Node 20 has File, fetch and Web Crypto, so these run
// here; IndexedDB and downloads run in headless Chromium (test/browser).

function net(): cnn.Model {
  return cnn.sequential(
    [6, 6, 1],
    [
      new cnn.Conv2D({ name: 'conv', filters: 3, kernelSize: 3, activation: 'relu' }),
      new cnn.BatchNorm({ name: 'bn' }),
      new cnn.Flatten({ name: 'flat' }),
      new cnn.Dense({ name: 'fc', units: 4 }),
    ],
    { name: 'small', seed: 11 },
  );
}

let dir: string;
let server: Server;
let base: string;
let model: cnn.Model;
let x: cnn.Tensor;
let expected: Float32Array;
let jsonName: string;

beforeAll(async () => {
  cnn.setBackend(reference());
  dir = await mkdtemp(join(tmpdir(), 'cnn-browser-'));
  model = net();
  x = cnn.randomNormal([2, 6, 6, 1], 0, 1, { seed: 3 });
  expected = await model.predict(x).data();
  await nodeSaveModel(model, join(dir, 'node-saved'));
  jsonName = 'model.json';
  // A static file server with the 404s a real one gives.
  server = createServer(async (req, res) => {
    try {
      const body = await readFile(join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
      res.writeHead(200).end(body);
    } catch {
      res.writeHead(404, 'Not Found').end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function filesOf(folder: string): Promise<File[]> {
  const json = await readFile(join(folder, jsonName), 'utf8');
  const weightsFile = JSON.parse(json).weightsFile as string;
  return [new File([json], jsonName), new File([await readFile(join(folder, weightsFile))], weightsFile)];
}

describe('files and URLs in the @cnn/node format', () => {
  it('a model saved by @cnn/node loads from uploaded Files and from its URL, giving the same outputs', async () => {
    const fromFiles = await loadFromFiles(await filesOf(join(dir, 'node-saved')));
    expect(await fromFiles.predict(x).data()).toEqual(expected);
    const fromUrl = await loadFromUrl(`${base}/node-saved/model.json`);
    expect(await fromUrl.predict(x).data()).toEqual(expected);
    const viaScheme = await loadModel(`${base}/node-saved/model.json`);
    expect(await viaScheme.predict(x).data()).toEqual(expected);
  });

  it('what the browser carriers write, @cnn/node loads (both SHA-256s agree)', async () => {
    const encoded = await encodeModel(model);
    const folder = join(dir, 'browser-saved');
    await nodeSaveModel(model, folder); // creates the folder; overwritten below
    await writeFile(join(folder, 'model.json'), encoded.modelJson);
    await writeFile(join(folder, encoded.weightsFile), encoded.weights);
    const loaded = await nodeLoadModel(folder);
    expect(await loaded.predict(x).data()).toEqual(expected);
    const nodeJson = JSON.parse(await readFile(join(dir, 'node-saved', 'model.json'), 'utf8'));
    expect(encoded.file.weightsSha256).toBe(nodeJson.weightsSha256);
  });

  it('an edited JSON, truncated or corrupted weights and missing files are refused, naming the file', async () => {
    const [json, weights] = await filesOf(join(dir, 'node-saved'));
    const text = await json!.text();
    const bytes = new Uint8Array(await weights!.arrayBuffer());
    const edited = new File([text.replace('"name": "small"', '"name": "other"')], 'model.json');
    await expect(loadFromFiles([edited, weights!])).rejects.toThrow(
      'loadFromFiles: model.json was changed after it was saved (its content does not match its manifestSha256)',
    );
    const truncated = new File([bytes.slice(0, bytes.length - 4)], weights!.name);
    await expect(loadFromFiles([json!, truncated])).rejects.toThrow(
      `loadFromFiles: ${weights!.name} has ${bytes.length - 4} bytes but ${bytes.length} were saved (truncated?)`,
    );
    const flipped = bytes.slice();
    flipped[10]! ^= 1;
    await expect(loadFromFiles([json!, new File([flipped], weights!.name)])).rejects.toThrow(
      `loadFromFiles: ${weights!.name} is corrupted (SHA-256`,
    );
    await expect(loadFromFiles([json!])).rejects.toThrow(
      `loadFromFiles: model.json names the weights file ${weights!.name}, which is not among the files given (model.json); select both files`,
    );
    await expect(loadFromFiles([new File(['{"format":"cnn-model"'], 'model.json')])).rejects.toThrow(
      'loadFromFiles: model.json is not valid JSON (truncated or corrupted)',
    );
    await expect(loadFromUrl(`${base}/nowhere/model.json`)).rejects.toThrow(
      `loadFromUrl: fetching the model JSON ${base}/nowhere/model.json gave HTTP 404 Not Found`,
    );
  });

  it('non-finite weights are refused at save unless allowed', async () => {
    const broken = net();
    const w = broken.getWeights();
    broken.setWeights(
      w.map((e, i) => ({
        name: e.name,
        tensor: i === 0 ? cnn.fill(e.tensor.shape, Number.NaN) : e.tensor,
      })),
    );
    await expect(encodeModel(broken)).rejects.toThrow(
      "saveModel: weight 'conv/kernel' holds 27 non-finite value(s) (NaN at index 0); pass { allowNonFinite: true } to save it anyway",
    );
    expect((await encodeModel(broken, { allowNonFinite: true })).weights.length).toBeGreaterThan(0);
  });
});
