// The saving process of the concurrency and crash tests: `save-loop.js <folder> <seeds> <first> <count>`.
// Prints `ready`, waits for a line on stdin (so that several children start together), then saves
// tinyNet(seeds[i % seeds.length]) for i = first, first + 1, ..., printing `saved <i>` after each save;
// `count` saves, or until killed when count is 0.
import { cpu } from '@cnn/backend-cpu';
import * as cnn from '@cnn/core';
import { saveModel } from '../../src/index.js';
import { tinyNet } from './nets.js';

const [dir, seeds, first, count] = process.argv.slice(2) as [string, string, string, string];
cnn.setBackend(cpu());
const models = seeds.split(',').map((seed) => tinyNet(Number(seed)).initialize());
process.stdout.write('ready\n');
await new Promise((go) => process.stdin.once('data', go));
process.stdin.destroy();
const end = Number(count) === 0 ? Number.POSITIVE_INFINITY : Number(first) + Number(count);
for (let i = Number(first); i < end; i++) {
  await saveModel(models[i % models.length]!, dir);
  process.stdout.write(`saved ${i}\n`);
}
