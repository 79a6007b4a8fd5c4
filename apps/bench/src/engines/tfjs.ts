/**
 * The TensorFlow.js peer: @tensorflow/tfjs-core ops for the kernels and @tensorflow/tfjs-layers models
 * (the same networks rebuilt layer by layer) on its cpu or wasm engine, used as a TF.js user would.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { padMode, safeName } from './layout.js';
import { type ArchLayer, type NetDefinition, weightsOf } from './nets.js';
import { type KernelOps, type ModelOps, type NetRunner, type SubjectImpl, Unsupported } from './types.js';

export type TfEngine = 'cpu' | 'wasm' | 'webgl';

export async function tfjsPeer(engine: TfEngine): Promise<SubjectImpl> {
  if (engine === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else if (engine === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-webgl'); // browsers only
  if (!(await tf.setBackend(engine))) throw new Error(`the TF.js '${engine}' engine failed to initialise`);
  // tfjs-cpu prints an advert for tfjs-node on first use (which cannot be installed here): pre-empt it.
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
  return { kernels: tfKernels() as KernelOps, models: tfModels() };
}

const pair = (p: readonly [number, number]): [number, number] => [p[0], p[1]];

function tfKernels(): KernelOps<tf.Tensor> {
  return {
    upload: (values, shape) => tf.tensor(values, [...shape], 'float32'),
    read: async (t) => (await t.data()) as Float32Array,
    dispose: (t) => t.dispose(),
    matMul: (a, b) => tf.matMul(a, b),
    conv2d: (x, f, c) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, pair(c.strides), c.padding),
    conv2dBackpropInput: (dy, f, c) =>
      tf.conv2dTranspose(
        dy as tf.Tensor4D,
        f as tf.Tensor4D,
        c.x as [number, number, number, number],
        pair(c.strides),
        c.padding,
      ),
    // tfjs-core has no public op for the filter gradient; its gradient code calls this kernel.
    conv2dBackpropFilter: (x, dy, c) =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: [...c.strides], pad: c.padding, dataFormat: 'NHWC', filterShape: c.filter },
        ) as tf.Tensor,
    maxPool: (x, p) => tf.maxPool(x as tf.Tensor4D, pair(p.kernel), pair(p.strides), 'valid'),
  };
}

interface TfData {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
}

/** Rebuilds a network with the tfjs-layers functional API; returns the model and its weighted layers. */
function buildLayersModel(def: NetDefinition): {
  model: tfl.LayersModel;
  weighted: [tfl.layers.Layer, string][];
} {
  const outs: tfl.SymbolicTensor[] = [];
  const weighted: [tfl.layers.Layer, string][] = [];
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
    layer.apply(x) as tfl.SymbolicTensor;
  const padded = (l: ArchLayer & { pads: number[] }, x: tfl.SymbolicTensor, name: string) => {
    const [t, left, b, r] = l.pads;
    return apply(
      tfl.layers.zeroPadding2d({
        padding: [
          [t!, b!],
          [left!, r!],
        ],
        name: `${name}_pad`,
      }),
      x,
    );
  };
  for (const [i, l] of def.arch.entries()) {
    const [x] = l.inputs.map((j) => outs[j]!);
    const name = safeName(l.name);
    switch (l.type) {
      case 'input':
        outs[i] = tfl.input({ shape: l.outShape, name });
        break;
      case 'conv2d': {
        const mode = padMode(l.pads, l.inShape, l.kernel, l.strides);
        const layer = tfl.layers.conv2d({
          filters: l.filters,
          kernelSize: l.kernel,
          strides: l.strides,
          padding: mode === 'same' ? 'same' : 'valid',
          useBias: l.useBias,
          activation: l.activation,
          name,
        });
        outs[i] = apply(layer, mode === 'explicit' ? padded(l, x!, name) : x!);
        weighted.push([layer, l.name]);
        break;
      }
      case 'dense': {
        const layer = tfl.layers.dense({
          units: l.units,
          useBias: l.useBias,
          activation: l.activation,
          name,
        });
        outs[i] = apply(layer, x!);
        weighted.push([layer, l.name]);
        break;
      }
      case 'maxPool':
      case 'avgPool': {
        const mode = padMode(l.pads, l.inShape, l.kernel, l.strides);
        // Zero padding would change a max (and the divisor of an average): only TF's own modes map exactly.
        if (mode === 'explicit')
          throw new Unsupported(`${l.name}: pooling with pads [${l.pads}] has no tfjs-layers equivalent`);
        const config = { poolSize: l.kernel, strides: l.strides, padding: mode, name } as const;
        outs[i] = apply(
          l.type === 'maxPool' ? tfl.layers.maxPooling2d(config) : tfl.layers.averagePooling2d(config),
          x!,
        );
        break;
      }
      case 'globalAvgPool':
        outs[i] = apply(tfl.layers.globalAveragePooling2d({ name }), x!);
        break;
      case 'batchNorm': {
        const layer = tfl.layers.batchNormalization({ axis: -1, epsilon: l.epsilon, name });
        outs[i] = apply(layer, x!);
        weighted.push([layer, l.name]);
        break;
      }
      case 'relu':
        outs[i] = apply(tfl.layers.reLU({ name }), x!);
        break;
      case 'add':
        outs[i] = apply(
          tfl.layers.add({ name }),
          l.inputs.map((j) => outs[j]!),
        );
        break;
      case 'flatten':
        outs[i] = apply(tfl.layers.flatten({ name }), x!);
        break;
      case 'dropout':
        outs[i] = x!;
        break;
      default:
        throw new Unsupported(`${l.name}: no tfjs-layers counterpart is built for ${l.className}`);
    }
  }
  return { model: tfl.model({ inputs: outs[0]!, outputs: outs[outs.length - 1]! }), weighted };
}

function tfModels(): ModelOps {
  return {
    async build(def, learningRate): Promise<NetRunner> {
      const { model, weighted } = buildLayersModel(def);
      // Logits out, loss on logits: the same softmax cross-entropy (batch mean) as ours.
      model.compile({
        optimizer: tf.train.sgd(learningRate),
        loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
      });
      const resetWeights = () => {
        for (const [layer, source] of weighted) {
          const values = weightsOf(def, source).map((w) => tf.tensor(w.values, w.shape, 'float32'));
          layer.setWeights(values);
          tf.dispose(values);
        }
      };
      resetWeights();
      const size = def.inputShape.reduce((a, b) => a * b, 1);
      return {
        resetWeights,
        upload(images, labels, count): TfData {
          const x = tf.tensor4d(images.subarray(0, count * size), [count, ...def.inputShape]);
          const y = tf.tidy(() =>
            tf.cast(
              tf.oneHot(tf.tensor1d(Array.from(labels.subarray(0, count)), 'int32'), def.classes),
              'float32',
            ),
          ) as tf.Tensor2D;
          return { x, y };
        },
        async predict(data, batchSize) {
          const out = model.predict((data as TfData).x, { batchSize }) as tf.Tensor;
          try {
            return (await out.data()) as Float32Array;
          } finally {
            out.dispose();
          }
        },
        async train(data, batchSize) {
          const losses: number[] = [];
          await model.fit((data as TfData).x, (data as TfData).y, {
            epochs: 1,
            batchSize,
            shuffle: false,
            verbose: 0,
            yieldEvery: 'never',
            callbacks: { onBatchEnd: async (_batch, logs) => void losses.push(logs?.loss as number) },
          });
          return losses;
        },
        freeData(data) {
          tf.dispose([(data as TfData).x, (data as TfData).y]);
        },
        dispose: () => model.dispose(),
      };
    },
  };
}
