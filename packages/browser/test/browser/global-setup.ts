import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reference } from '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { saveModel } from '@cnn/node';
import type { TestProject } from 'vitest/node';
import { input, net } from './shared.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of model.json saved by @cnn/node, served with CORS. */
    modelUrl: string;
    /** The saved model's outputs on `input()`, computed in Node on the reference backend. */
    expected: number[];
  }
}

/** Runs in Node: saves the model with @cnn/node and serves the folder over HTTP for the browser tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  cnn.setBackend(reference());
  const dir = await mkdtemp(join(tmpdir(), 'cnn-browser-served-'));
  const model = net();
  await saveModel(model, join(dir, 'small'));
  const expected = Array.from(await model.predict(input()).data());
  const server = createServer(async (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    try {
      res.writeHead(200).end(await readFile(join(dir, new URL(req.url!, 'http://x').pathname)));
    } catch {
      res.writeHead(404, 'Not Found').end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  project.provide('modelUrl', `http://127.0.0.1:${port}/small/model.json`);
  project.provide('expected', expected);
  return async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  };
}
