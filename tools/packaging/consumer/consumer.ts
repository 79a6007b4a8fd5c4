// A strict TypeScript consumer of the published packages (type-checked by check-consumer.mjs with
// `tsc --strict --noEmit`, NodeNext resolution): the public API as a user writes it.
import { cpu } from '@cnn/backend-cpu';
import { reference } from '@cnn/backend-reference';
import { type Engine, type EngineOptions, enginePackages, type TfjsBackend, tfjs } from '@cnn/backend-tfjs';
import { type Fixture, loadFixtures, runSuite, type SuiteReport, tolerances } from '@cnn/conformance';
import type { DescribeBackendOptions } from '@cnn/conformance/vitest';
import * as cnn from '@cnn/core';
import { type ImageSet, loadMnist, take } from '@cnn/datasets';
import { lenet5 } from '@cnn/models';
import { loadModel, type ProgressBar, progressBar, saveModel } from '@cnn/node';

export async function train(dir: string): Promise<number> {
  cnn.setBackend(cpu());
  const model: cnn.Model = cnn.sequential(
    [28, 28, 1],
    [
      new cnn.Conv2D({ filters: 4, kernelSize: 5, activation: 'relu' }),
      new cnn.MaxPool2D({ poolSize: 2 }),
      new cnn.Flatten(),
      new cnn.Dense({ units: 10 }),
    ],
    { seed: 1 },
  );
  model.compile({
    optimizer: new cnn.Adam({ learningRate: 1e-3 }),
    loss: 'softmaxCrossEntropy',
    metrics: ['accuracy'],
  });
  const data: ImageSet = take(loadMnist({ seed: 1, trainSize: 8000 }).train, 64);
  const x: cnn.Tensor = cnn.tensor(data.images, [data.count, ...data.shape]);
  const y = cnn.tensor(data.labels, [data.count]);
  const bar: ProgressBar = progressBar();
  const history: cnn.EpochLogs[] = await model.fit(x, y, { epochs: 1, batchSize: 32, callbacks: [bar] });
  await saveModel(model, dir);
  const loaded: cnn.Model = await loadModel(dir);
  const logits = loaded.predict(x);
  const shape: readonly number[] = logits.shape;
  return history.length + shape.length + lenet5().countParams().total;
}

export async function engines(): Promise<string[]> {
  const options: EngineOptions = { wasmPaths: '/wasm/' };
  const engine: Engine = 'wasm';
  const backend: TfjsBackend = await tfjs(engine, options);
  return [backend.name, enginePackages[engine], cnn.VERSION];
}

export async function conformance(): Promise<SuiteReport> {
  const fixtures: Fixture[] = loadFixtures();
  const options: DescribeBackendOptions = { tolerance: 'cpu', fixtures, reference };
  void options;
  return runSuite(reference(), { tolerance: tolerances.cpu, fixtures, filter: 'Relu' });
}
