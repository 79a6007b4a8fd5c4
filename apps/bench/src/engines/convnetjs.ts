/**
 * The ConvNetJS 0.3.0 peer: Andrej Karpathy's plain-JavaScript library. Every layer works on one sample
 * (a `Vol`, float64, laid out `[y][x][depth]` like one NHWC image) at a time, so a batch is a loop over its
 * samples; its `Trainer` accumulates gradients over `batch_size` samples and then steps.
 */
import convnetjs, { type ConvLayer, type Layer, type Net, type ParamLayer, type Vol } from 'convnetjs';
import type { ConvSpec, KernelTask, PoolSpec } from '../tasks.js';
import { type ArchLayer, type NetDefinition, weightsOf } from './nets.js';
import { type KernelOps, type ModelOps, type NetRunner, type SubjectImpl, Unsupported } from './types.js';

/** A batch of samples (NHWC input) or a raw weight array (HWIO filter). */
interface Handle {
  shape: readonly number[];
  vols?: Vol[];
  values?: Float32Array;
  /** The layer built for this filter on first use (built once, like a model's layer). */
  layer?: ConvLayer;
}

function toVols(values: ArrayLike<number>, shape: readonly number[]): Vol[] {
  const [n, h, w, c] = shape as [number, number, number, number];
  const size = h * w * c;
  return Array.from({ length: n }, (_, i) => {
    const vol = new convnetjs.Vol(w, h, c, 0);
    for (let j = 0; j < size; j++) vol.w[j] = values[i * size + j]!;
    return vol;
  });
}

function fromVols(vols: Vol[]): Float32Array {
  const size = vols[0]!.w.length;
  const out = new Float32Array(vols.length * size);
  vols.forEach((v, i) => out.set(v.w, i * size));
  return out;
}

/** Our HWIO conv kernel into ConvNetJS's per-output-channel filters (`[y][x][in]` each). */
function setConvWeights(
  layer: ParamLayer,
  kernel: ArrayLike<number>,
  shape: readonly number[],
  bias?: ArrayLike<number>,
) {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  for (let o = 0; o < cout; o++) {
    const f = layer.filters[o]!.w;
    for (let i = 0; i < kh * kw * cin; i++) f[i] = kernel[i * cout + o]!;
    layer.biases.w[o] = bias ? bias[o]! : 0;
  }
}

/** Our `[in, out]` dense kernel into ConvNetJS's per-neuron weight vectors. */
function setDenseWeights(
  layer: ParamLayer,
  kernel: ArrayLike<number>,
  shape: readonly number[],
  bias?: ArrayLike<number>,
) {
  const [inputs, units] = shape as [number, number];
  for (let o = 0; o < units; o++) {
    const f = layer.filters[o]!.w;
    for (let j = 0; j < inputs; j++) f[j] = kernel[j * units + o]!;
    layer.biases.w[o] = bias ? bias[o]! : 0;
  }
}

const symmetric = (pads: readonly number[]) => pads.every((p) => p === pads[0]);

function convKernels(): KernelOps<Handle> {
  return {
    cannot(task: KernelTask) {
      switch (task.op) {
        case 'matMul':
          return 'no GEMM: ConvNetJS works one sample (Vol) at a time; its only matrix code is the per-sample matrix-vector product of FullyConnLayer';
        case 'conv2dBackpropInput':
        case 'conv2dBackpropFilter':
          return 'no separate backprop kernels: ConvLayer.backward computes dx and dW together, one sample at a time, after a forward pass';
        case 'conv2d': {
          const c = task.conv!;
          if (c.padding === 'same') {
            const out = c.out[1]!;
            const total = (out - 1) * c.strides[0] + c.filter[0]! - c.x[1]!;
            if (total % 2 !== 0)
              return `ConvNetJS pads symmetrically; TF-style 'same' here pads ${Math.floor(total / 2)} before and ${total - Math.floor(total / 2)} after`;
          }
          return undefined;
        }
        default:
          return undefined;
      }
    },
    // Activations become one Vol per sample; a filter keeps its values until its layer is built.
    upload: (values, shape) => ({
      shape,
      values,
      vols: shape.length === 4 ? toVols(values, shape) : undefined,
    }),
    read: async (h) => fromVols(h.vols!),
    dispose: () => {},
    matMul: () => {
      throw new Unsupported('no GEMM');
    },
    conv2d(x, f, c: ConvSpec) {
      if (!f.layer) {
        const [kh, kw, cin, cout] = c.filter as [number, number, number, number];
        const pad =
          c.padding === 'same' ? Math.floor(((c.out[1]! - 1) * c.strides[0] + kh - c.x[1]!) / 2) : 0;
        f.layer = new convnetjs.ConvLayer({
          in_sx: c.x[2]!,
          in_sy: c.x[1]!,
          in_depth: cin,
          sx: kw,
          sy: kh,
          filters: cout,
          stride: c.strides[0],
          pad,
        });
        setConvWeights(f.layer, f.values!, c.filter);
      }
      const layer = f.layer;
      return { shape: c.out, vols: x.vols!.map((v) => layer.forward(v, false)) };
    },
    conv2dBackpropInput: () => {
      throw new Unsupported('no separate dx kernel');
    },
    conv2dBackpropFilter: () => {
      throw new Unsupported('no separate dW kernel');
    },
    maxPool(x, p: PoolSpec) {
      const layer = new convnetjs.PoolLayer({
        in_sx: p.x[2]!,
        in_sy: p.x[1]!,
        in_depth: p.x[3]!,
        sx: p.kernel[1],
        sy: p.kernel[0],
        stride: p.strides[0],
      });
      return { shape: p.out, vols: x.vols!.map((v) => layer.forward(v, false)) };
    },
  };
}

/** Why ConvNetJS cannot express a layer, or undefined. */
function missing(l: ArchLayer): string | undefined {
  switch (l.type) {
    case 'batchNorm':
      return 'no batch normalization layer';
    case 'add':
      return 'no residual connections (a Net is a plain stack of layers, no Add)';
    case 'globalAvgPool':
      return 'no global average pooling';
    case 'avgPool':
      return 'no average pooling (PoolLayer is max only)';
    case 'other':
      return `no ${l.className} layer`;
    case 'conv2d':
    case 'maxPool':
      if (l.kernel[0] !== l.kernel[1] || l.strides[0] !== l.strides[1] || !symmetric(l.pads))
        return 'no asymmetric kernels, strides or padding';
      return undefined;
    default:
      return undefined;
  }
}

function netDefs(def: NetDefinition): { defs: Record<string, unknown>[]; params: ArchLayer[] } {
  const reasons = new Set(def.arch.map(missing).filter((r): r is string => !!r));
  if (def.arch.some((l, i) => i > 0 && (l.inputs.length !== 1 || l.inputs[0] !== i - 1)))
    reasons.add('no branching graphs (a Net is a plain stack of layers)');
  const last = def.arch[def.arch.length - 1]!;
  if (last.type !== 'dense' || last.activation !== 'linear')
    reasons.add('the classifier must end in a linear fc layer');
  if (reasons.size) throw new Unsupported(`ConvNetJS 0.3 has ${[...reasons].join('; ')}`);
  const defs: Record<string, unknown>[] = [];
  const params: ArchLayer[] = [];
  for (const l of def.arch) {
    const act = 'activation' in l && l.activation === 'relu' ? { activation: 'relu' } : {};
    switch (l.type) {
      case 'input':
        defs.push({ type: 'input', out_sx: l.outShape[1], out_sy: l.outShape[0], out_depth: l.outShape[2] });
        break;
      case 'conv2d':
        defs.push({
          type: 'conv',
          sx: l.kernel[1],
          sy: l.kernel[0],
          filters: l.filters,
          stride: l.strides[0],
          pad: l.pads[0],
          ...act,
        });
        params.push(l);
        break;
      case 'maxPool':
        defs.push({ type: 'pool', sx: l.kernel[1], sy: l.kernel[0], stride: l.strides[0], pad: l.pads[0] });
        break;
      case 'relu':
        defs.push({ type: 'relu' });
        break;
      case 'dense':
        // The last (linear) dense layer is ConvNetJS's softmax classifier, which adds that fc layer itself.
        defs.push(
          l === last
            ? { type: 'softmax', num_classes: l.units }
            : { type: 'fc', num_neurons: l.units, ...act },
        );
        params.push(l);
        break;
      default:
        break; // flatten and dropout (inference) are no-ops here: fc layers take any Vol
    }
  }
  return { defs, params };
}

function convModels(): ModelOps {
  return {
    async build(def, learningRate): Promise<NetRunner> {
      const { defs, params } = netDefs(def);
      const net: Net = new convnetjs.Net();
      net.makeLayers(defs);
      const paramLayers = net.layers.filter(
        (l: Layer) => l.layer_type === 'conv' || l.layer_type === 'fc',
      ) as ParamLayer[];
      const resetWeights = () => {
        params.forEach((l, i) => {
          const [kernel, bias] = weightsOf(def, l.name);
          const set = l.type === 'conv2d' ? setConvWeights : setDenseWeights;
          set(paramLayers[i]!, kernel!.values, kernel!.shape, bias?.values);
        });
      };
      resetWeights();
      const logitsLayer = net.layers[net.layers.length - 2]!;
      const trainer = (batchSize: number) =>
        new convnetjs.Trainer(net, {
          method: 'sgd',
          learning_rate: learningRate,
          momentum: 0,
          batch_size: batchSize,
          l2_decay: 0,
        });
      return {
        resetWeights,
        upload: (images, labels, count) => ({
          vols: toVols(images, [count, ...def.inputShape]),
          labels: Array.from(labels.subarray(0, count)),
        }),
        async predict(data) {
          const { vols } = data as { vols: Vol[] };
          const out = new Float32Array(vols.length * def.classes);
          vols.forEach((v, i) => {
            net.forward(v, false);
            out.set(logitsLayer.out_act.w, i * def.classes);
          });
          return out;
        },
        async train(data, batchSize) {
          const { vols, labels } = data as { vols: Vol[]; labels: number[] };
          const t = trainer(batchSize);
          const losses: number[] = [];
          for (let start = 0; start < vols.length; start += batchSize) {
            let sum = 0;
            const end = Math.min(vols.length, start + batchSize);
            for (let i = start; i < end; i++) sum += t.train(vols[i]!, labels[i]!).cost_loss;
            losses.push(sum / (end - start));
          }
          return losses;
        },
        freeData: () => {},
        dispose: () => {},
      };
    },
  };
}

export function convnetjsPeer(): SubjectImpl {
  return { kernels: convKernels() as KernelOps, models: convModels() };
}
