import * as cnn from '@cnn/core';

/** The model both sides build from one seed: Node saves it, the browser builds it again and compares. */
export function net(): cnn.Model {
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

/** The input both sides predict on. */
export const input = () => cnn.randomNormal([2, 6, 6, 1], 0, 1, { seed: 3 });
