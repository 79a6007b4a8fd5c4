import { loadFashionMnist, type ThreeWaySplit } from '@cnn/datasets';
import { Unsupported } from './engines/types.js';

let cached: ThreeWaySplit | null = null;

/**
 * Fashion-MNIST from Debian's dataset-fashion-mnist (scripts/bootstrap.sh installs it): all 60,000 training
 * images (no validation set: the bench times an epoch, it chooses nothing), in a seed-0 order, and the
 * 10,000 test images. Where the files cannot be read (a browser page, a machine without the package) the
 * task is reported as unsupported there, with the loader's reason (which says how to install it).
 */
export function loadFashionCached(): ThreeWaySplit {
  try {
    cached ??= loadFashionMnist({ seed: 0, validationSize: 0 });
  } catch (error) {
    throw new Unsupported((error as Error).message);
  }
  return cached;
}
