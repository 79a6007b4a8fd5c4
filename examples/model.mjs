// The examples' network, built with the layers API of @cnn/core: conv -> pool -> dense.
import * as cnn from '@cnn/core';
import { SIZE } from './bars.mjs';

export function barNet() {
  return cnn.sequential(
    [SIZE, SIZE, 1],
    [
      new cnn.Conv2D({ filters: 8, kernelSize: 3, activation: 'relu' }), // [10, 10, 8]
      new cnn.MaxPool2D({ poolSize: 2 }), // [5, 5, 8]
      new cnn.Flatten(),
      new cnn.Dense({ units: 2 }), // logits: vertical, horizontal
    ],
    { name: 'bars', seed: 7 },
  );
}

/** The predicted class of every row of a [n, classes] logits tensor. */
export async function argmax(logits) {
  const [n, classes] = logits.shape;
  const values = await logits.data();
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[i * classes + c] > values[i * classes + best]) best = c;
    return best;
  });
}
