// The browser-side packages type-check without Node's types (tsconfig `types: []`, lib DOM) and with
// skipLibCheck off, so their own declarations are checked too. (backend-tfjs is left to consumer.ts:
// @tensorflow/tfjs-core's declarations do not pass skipLibCheck off.)
import { cpu } from '@cnn/backend-cpu';
import { reference } from '@cnn/backend-reference';
import { loadModel } from '@cnn/browser';
import * as cnn from '@cnn/core';
import { take } from '@cnn/datasets';
import { resnet } from '@cnn/models';

export function run(): number {
  cnn.setBackend(location.search.includes('reference') ? reference() : cpu());
  const model = resnet({ depth: 18 });
  const set = take(
    { images: new Float32Array(784), labels: new Float32Array(1), count: 1, shape: [28, 28, 1] },
    1,
  );
  return model.countParams().total + set.count;
}

/** A model from IndexedDB, typed without Node's types. */
export const fromIndexedDB = (): Promise<cnn.Model> => loadModel('indexeddb://model');
