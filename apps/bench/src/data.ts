import { loadMnist, type MnistSplit } from '@cnn/datasets';

let cached: MnistSplit | null = null;

/** The 10,000 MNIST digits of the `mnist` package, split 8,000 / 2,000 with seed 0 (already shuffled). */
export function loadMnistCached(): MnistSplit {
  cached ??= loadMnist({ seed: 0, trainSize: 8000 });
  return cached;
}
