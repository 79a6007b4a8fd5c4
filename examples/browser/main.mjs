// The browser version of ../train-save-load.mjs: train the same CNN, "save" it (topology JSON + weights,
// what you would put in IndexedDB or offer as a download), load it back and predict. Bundle it with your
// bundler (see ../README.md), serve index.html, and pick the backend with ?backend=cpu|tfjs-wasm|tfjs-webgl.
import { cpu } from '@cnn/backend-cpu';
import { tfjs } from '@cnn/backend-tfjs';
import * as cnn from '@cnn/core';
import { bars } from '../bars.mjs';
import { argmax, barNet } from '../model.mjs';

const log = (line) => {
  document.getElementById('log').textContent += `${line}\n`;
  console.log(line);
};

async function main() {
  const name = new URLSearchParams(location.search).get('backend') ?? 'cpu';
  document.getElementById('backend').textContent = name;
  // tfjs's wasm engine fetches its .wasm files: they are served next to this page (see ../README.md).
  const backend = name.startsWith('tfjs-')
    ? await tfjs(name.slice('tfjs-'.length), { wasmPaths: new URL('./', location.href).href })
    : cpu();
  cnn.setBackend(backend);

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
  log(`${backend.name}: trained ${history.length} epochs, test accuracy ${accuracy.toFixed(3)}`);

  // Save: the topology is plain JSON, the weights one Float32Array. Load: rebuild and set the weights.
  const saved = {
    topology: JSON.stringify(cnn.modelTopology(model)),
    weights: await cnn.modelWeights(model),
  };
  const loaded = cnn.modelFromTopology(JSON.parse(saved.topology), saved.weights);
  const before = await argmax(model.predict(xTest));
  const after = await argmax(loaded.predict(xTest));
  const same = before.every((c, i) => c === after[i]);
  log(`saved and loaded: ${same ? 'same predictions' : 'DIFFERENT predictions'}`);
  return { backend: backend.name, accuracy, same };
}

main().then(
  (result) => log(`RESULT ${JSON.stringify(result)}`),
  (error) => log(`ERROR ${error instanceof Error ? error.message : String(error)}`),
);
