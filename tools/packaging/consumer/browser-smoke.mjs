// Bundled for the browser by check-consumer.mjs next to examples/browser: the packages that are not in that
// example load in a page too, and the Node-only parts fail with their clear errors instead of breaking the
// bundle.
import { reference } from '@cnn/backend-reference';
import { loadFixtures, tolerances } from '@cnn/conformance';
import * as cnn from '@cnn/core';
import { loadMnist, take } from '@cnn/datasets';
import { lenet5 } from '@cnn/models';

const errorOf = (fn) => {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return error.message;
  }
};

const result = {
  core: cnn.VERSION,
  lenet5Params: lenet5().countParams(),
  reference: cnn.setBackend(reference()).name,
  sum: cnn.sum(cnn.tensor([1, 2, 3], [3])).dataSync()[0],
  tolerance: typeof tolerances.cpu,
  take: take(
    { images: new Float32Array(784 * 2), labels: new Float32Array(2), count: 2, shape: [28, 28, 1] },
    1,
  ).count,
  loadMnist: errorOf(() => loadMnist()),
  loadFixtures: errorOf(() => loadFixtures()),
};
console.log(`RESULT ${JSON.stringify(result)}`);
