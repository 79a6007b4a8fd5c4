/** Our library on one of its backends: the kernels through @cnn/core's ops, the models through `Model`. */
import * as cnn from '@cnn/core';
import type { KernelOps, ModelOps, NetRunner, SubjectImpl } from './types.js';

interface OurData {
  x: cnn.Tensor;
  y: cnn.Tensor;
  count: number;
}

export function ourKernels(backend: cnn.Backend): KernelOps<cnn.Tensor> {
  return {
    upload: (values, shape) => cnn.tensor(values, shape, backend),
    read: (t) => t.data(),
    dispose: (t) => t.dispose(),
    matMul: (a, b) => cnn.matMul(a, b),
    conv2d: (x, f, c) => cnn.conv2d(x, f, { strides: c.strides, padding: c.padding }),
    conv2dBackpropInput: (dy, f, c) =>
      cnn.conv2dBackpropInput(dy, f, c.x, { strides: c.strides, padding: c.padding }),
    conv2dBackpropFilter: (x, dy, c) =>
      cnn.conv2dBackpropFilter(x, dy, c.filter, { strides: c.strides, padding: c.padding }),
    maxPool: (x, p) => cnn.maxPool2d(x, { kernel: p.kernel, strides: p.strides }),
  };
}

export function ourModels(backend: cnn.Backend): ModelOps {
  return {
    async build(def, learningRate): Promise<NetRunner> {
      cnn.setBackend(backend);
      const model = def.make();
      model.compile({ optimizer: new cnn.SGD({ learningRate }), loss: 'softmaxCrossEntropy' });
      const resetWeights = () =>
        model.setWeights(
          def.weights.map((w) => ({ name: w.name, tensor: cnn.tensor(w.values, w.shape, backend) })),
        );
      resetWeights();
      return {
        resetWeights,
        upload(images, labels, count): OurData {
          return {
            x: cnn.tensor(
              images.subarray(0, count * sizeOf(def.inputShape)),
              [count, ...def.inputShape],
              backend,
            ),
            y: cnn.tensor(labels.subarray(0, count), [count], backend),
            count,
          };
        },
        async predict(data, batchSize) {
          const out = model.predict((data as OurData).x, { batchSize });
          try {
            return await out.data();
          } finally {
            out.dispose();
          }
        },
        async train(data, batchSize) {
          const { x, y, count } = data as OurData;
          // fit logs the running mean of the epoch's loss after each batch; each batch's own loss follows.
          const losses: number[] = [];
          let previousSum = 0;
          await model.fit(x, y, {
            epochs: 1,
            batchSize,
            shuffle: false,
            callbacks: {
              onBatchEnd: (logs) => {
                const seen = Math.min(logs.batch * batchSize, count);
                const sum = logs.loss * seen;
                losses.push((sum - previousSum) / (seen - (logs.batch - 1) * batchSize));
                previousSum = sum;
              },
            },
          });
          return losses;
        },
        freeData(data) {
          (data as OurData).x.dispose();
          (data as OurData).y.dispose();
        },
        dispose: () => model.dispose(),
      };
    },
  };
}

export function ourSubject(backend: cnn.Backend): SubjectImpl {
  return { kernels: ourKernels(backend) as KernelOps, models: ourModels(backend) };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
