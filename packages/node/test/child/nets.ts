import * as cnn from '@cnn/core';

/** Conv + batch norm + a concat branch + dense: every kind of saved state. */
export function smallNet(seed = 3, filters = 4): cnn.Model {
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

/** A small model, quick to save many times over; the seed sets its weights. */
export function tinyNet(seed: number): cnn.Model {
  return cnn.sequential(
    [4, 4, 1],
    [
      new cnn.Conv2D({ name: 'conv', filters: 4, kernelSize: 3, activation: 'relu' }),
      new cnn.Flatten({ name: 'flat' }),
      new cnn.Dense({ name: 'fc', units: 2 }),
    ],
    { seed },
  );
}

/** Which of `candidates` (weights from `weightsOf`) the model holds: its index, or -1. */
export async function whichOf(model: cnn.Model, candidates: Float32Array[]): Promise<number> {
  const weights = await cnn.modelWeights(model);
  return candidates.findIndex(
    (c) => c.length === weights.length && c.every((v, i) => Object.is(v, weights[i])),
  );
}

export const weightsOf = (model: cnn.Model): Promise<Float32Array> => cnn.modelWeights(model);
