// The training process of the progress bar tests: `progress-exit.js <output file> throw|sigint` trains
// with progressBar() drawing into a pretend terminal (the file), and at the second batch throws an
// uncaught error or gets SIGINT (Ctrl-C).
import { openSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { progressBar } from '../../src/index.js';
import { tinyNet } from './nets.js';

const [file, mode] = process.argv.slice(2) as [string, 'throw' | 'sigint'];
const fd = openSync(file, 'w');
// Written synchronously, so that what an exit handler writes reaches the file.
const terminal = Object.assign(
  new Writable({
    write(chunk, _, done) {
      writeSync(fd, chunk);
      done();
    },
  }),
  { isTTY: true, columns: 120 },
) as unknown as NodeJS.WriteStream;

cnn.setBackend(cpu());
const model = tinyNet(1).compile({
  optimizer: new cnn.SGD({ learningRate: 0.1 }),
  loss: 'softmaxCrossEntropy',
});
const x = cnn.randomNormal([8, 4, 4, 1], 0, 1, { seed: 1 });
await model.fit(x, cnn.tensor([0, 1, 0, 1, 0, 1, 0, 1]), {
  epochs: 2,
  batchSize: 2,
  callbacks: [
    progressBar({ stream: terminal }),
    {
      async onBatchEnd(logs) {
        if (logs.batch < 2) return;
        if (mode === 'throw') throw new Error('the data ran out');
        process.kill(process.pid, 'SIGINT');
        await sleep(10_000); // Node handles the signal between tasks, so wait here for it
      },
    },
  ],
});
