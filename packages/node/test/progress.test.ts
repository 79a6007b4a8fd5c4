import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressBar } from '../src/index.js';
import { tinyNet } from './child/nets.js';
import { buildForChildren, spawnChild } from './children.js';

const HIDE = '\x1b[?25l';
const SHOW = '\x1b[?25h';
/** Whether the output leaves the cursor hidden: it was hidden and not shown after. */
const cursorHidden = (out: string) => out.lastIndexOf(HIDE) > out.lastIndexOf(SHOW);

/** A pretend terminal that keeps what is written. */
function terminal(): { stream: NodeJS.WriteStream; output: () => string } {
  let written = '';
  const stream = new Writable({
    write(chunk, _, done) {
      written += chunk;
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 120 });
  return { stream: stream as unknown as NodeJS.WriteStream, output: () => written };
}

describe('progressBar', () => {
  let children: Awaited<ReturnType<typeof buildForChildren>>;
  let dir: string;
  beforeAll(async () => {
    cnn.setBackend(cpu());
    children = await buildForChildren();
    dir = await mkdtemp(join(tmpdir(), 'cnn-progress-'));
  });
  afterAll(() => Promise.all([children.remove(), rm(dir, { recursive: true, force: true })]));

  const train = (callbacks: cnn.Callbacks[], failAt?: number) => {
    const model = tinyNet(1).compile({
      optimizer: new cnn.SGD({ learningRate: 0.1 }),
      loss: 'softmaxCrossEntropy',
    });
    const x = cnn.randomNormal([8, 4, 4, 1], 0, 1, { seed: 1 });
    const fail = {
      onBatchEnd(logs: cnn.BatchLogs) {
        if (logs.epoch === 1 && logs.batch === failAt) throw new Error('the data ran out');
      },
    };
    return model.fit(x, cnn.tensor([0, 1, 0, 1, 0, 1, 0, 1]), {
      epochs: 2,
      batchSize: 2,
      callbacks: [...callbacks, fail],
    });
  };
  const listeners = () => ['exit', 'SIGINT', 'SIGTERM'].map((e) => process.listenerCount(e));

  it('draws a bar per epoch with the cursor hidden, and shows the cursor and removes its listeners at the end', async () => {
    const { stream, output } = terminal();
    const before = listeners();
    await train([progressBar({ stream })]);
    expect(output()).toContain(HIDE);
    expect(output()).toMatch(/epoch 2\/2 \| loss \d\.\d{4} \|/);
    expect(cursorHidden(output())).toBe(false);
    expect(listeners()).toEqual(before);
  });

  it('a fit that throws shows the cursor again at once (onTrainError), and the next fit works', async () => {
    const { stream, output } = terminal();
    const bar = progressBar({ stream });
    const before = listeners();
    await expect(train([bar], 2)).rejects.toThrow('the data ran out');
    expect(cursorHidden(output())).toBe(false);
    expect(listeners()).toEqual(before);
    bar.stop(); // harmless when nothing is drawn
    expect(cursorHidden(output())).toBe(false);

    await expect(train([bar], 2)).rejects.toThrow('the data ran out');
    await train([bar]);
    expect(cursorHidden(output())).toBe(false);
    expect(listeners()).toEqual(before);
  });

  it.each([
    ['throw', { code: 1, signal: null }],
    ['sigint', { code: null, signal: 'SIGINT' }],
  ])(
    'a process that dies mid-epoch (%s) shows the cursor again',
    { timeout: 30_000 },
    async (mode, ended) => {
      const out = join(dir, `${mode}.txt`);
      const { code, signal, stderr } = await spawnChild(children.script('progress-exit.ts'), [out, mode])
        .closed;
      expect({ code, signal }, stderr).toEqual(ended);
      const output = await readFile(out, 'utf8');
      expect(output).toContain(HIDE);
      expect(cursorHidden(output)).toBe(false);
    },
  );
});
