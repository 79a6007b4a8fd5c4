// Train a small CNN, save it to disk, load it back and predict, on the backend named by $CNN_BACKEND:
//
//   node train-save-load.mjs                         # backend-cpu (default)
//   CNN_BACKEND=tfjs-wasm node train-save-load.mjs   # TensorFlow.js's WebAssembly engine
//   CNN_BACKEND=tfjs-cpu node train-save-load.mjs
//
// Needs @cnn/core, @cnn/backend-cpu and @cnn/node; for tfjs-*, @cnn/backend-tfjs with @tensorflow/tfjs-core
// and the engine's package (@tensorflow/tfjs-backend-wasm or -cpu).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cnn from '@cnn/core';
import { loadModel, saveModel } from '@cnn/node';
import { bars } from './bars.mjs';
import { argmax, barNet } from './model.mjs';

const name = process.env.CNN_BACKEND ?? 'cpu';
// Importing a backend package registers its backends by name; load only the one asked for.
if (name.startsWith('tfjs-')) await import('@cnn/backend-tfjs');
else await import('@cnn/backend-cpu');
await cnn.useBackend(name);

const train = bars(512, 1);
const test = bars(128, 2);
const x = cnn.tensor(train.images, [train.count, 12, 12, 1]);
const y = cnn.tensor(train.labels, [train.count]);
const xTest = cnn.tensor(test.images, [test.count, 12, 12, 1]);
const yTest = cnn.tensor(test.labels, [test.count]);

const model = barNet();
model.compile({
  optimizer: new cnn.Adam({ learningRate: 0.01 }),
  loss: 'softmaxCrossEntropy',
  metrics: ['accuracy'],
});
const history = await model.fit(x, y, { epochs: 4, batchSize: 32 });
const { accuracy } = await model.evaluate(xTest, yTest);
console.log(
  `${name}: trained ${history.length} epochs, loss ${history.at(-1).loss.toFixed(3)}, test accuracy ${accuracy.toFixed(3)}`,
);

const dir = await mkdtemp(join(tmpdir(), 'cnn-example-'));
try {
  await saveModel(model, join(dir, 'bars'));
  const loaded = await loadModel(join(dir, 'bars'));
  const before = await argmax(model.predict(xTest));
  const after = await argmax(loaded.predict(xTest));
  const same = before.every((c, i) => c === after[i]);
  console.log(
    `saved and loaded: ${same ? 'same predictions' : 'DIFFERENT predictions'}; first 8: ${after.slice(0, 8).join(' ')} (labels ${Array.from(test.labels.slice(0, 8)).join(' ')})`,
  );
  if (!same || accuracy < 0.9) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
