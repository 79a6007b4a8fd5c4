/**
 * What is measured: every task of both suites, as plain data. Subjects implement the work (`engines/`),
 * `run-task.ts` checks and times it.
 */
import {
  type ConvPadding,
  convFlops,
  convOutputShape,
  gemmFlops,
  outputSize,
  type Pair,
  poolBytes,
} from './flops.js';

export type SuiteName = 'kernels' | 'models';
export const SUITES: readonly SuiteName[] = ['kernels', 'models'];

export type RateUnit = 'GFLOP/s' | 'GB/s' | 'samples/s';

interface TaskBase {
  id: string;
  suite: SuiteName;
  /** Row label, e.g. `GEMM 512³` or `conv2d fwd · LeNet conv2`. */
  title: string;
  /** Chart grouping: `GEMM`, `conv2d forward`, ..., `LeNet-5 training`. */
  group: string;
  /** Shapes in words, for the report. */
  detail: string;
  /** Work per run, in the unit's numerator (GFLOP, GB or samples). */
  work: number;
  unit: RateUnit;
  /** Long tasks (a whole epoch) run fewer times: see `TimingPolicy.budgetMs`. */
  long?: boolean;
}

export interface ConvSpec {
  /** NHWC input. */
  x: number[];
  /** HWIO filter. */
  filter: number[];
  strides: Pair;
  padding: ConvPadding;
  /** NHWC output. */
  out: number[];
}

export interface PoolSpec {
  x: number[];
  kernel: Pair;
  strides: Pair;
  out: number[];
}

export type KernelOp = 'matMul' | 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter' | 'maxPool';

export interface KernelTask extends TaskBase {
  suite: 'kernels';
  op: KernelOp;
  /** `[M, K] · [K, N]`. */
  gemm?: { m: number; n: number; k: number };
  conv?: ConvSpec;
  pool?: PoolSpec;
}

export type NetName = 'lenet5' | 'resnet';
export type ModelKind = 'train' | 'infer' | 'epoch';

export interface ModelTask extends TaskBase {
  suite: 'models';
  kind: ModelKind;
  net: NetName;
  batchSize: number;
  /** Samples per run (train, infer), or training digits per epoch (epoch). */
  samples: number;
  /** Test digits evaluated after the epoch (epoch only). */
  testSamples?: number;
  learningRate: number;
  /** The images: the `mnist` package's digits (default) or Fashion-MNIST (epoch only). */
  data?: 'mnist' | 'fashion-mnist';
}

export type Task = KernelTask | ModelTask;

interface ConvShape {
  key: string;
  name: string;
  x: number[];
  filter: number[];
  strides: Pair;
  padding: ConvPadding;
  quick?: boolean;
}

/** The conv shapes of the issue: LeNet's two convs, a VGG-like 3x3, a 1x1, a ResNet-like strided 3x3. */
export const CONV_SHAPES: readonly ConvShape[] = [
  {
    key: 'lenet1',
    name: 'LeNet conv1',
    x: [64, 28, 28, 1],
    filter: [5, 5, 1, 6],
    strides: [1, 1],
    padding: 'valid',
  },
  {
    key: 'lenet2',
    name: 'LeNet conv2',
    x: [64, 12, 12, 6],
    filter: [5, 5, 6, 16],
    strides: [1, 1],
    padding: 'valid',
    quick: true,
  },
  {
    key: 'vgg',
    name: 'VGG-like 3x3',
    x: [1, 56, 56, 64],
    filter: [3, 3, 64, 64],
    strides: [1, 1],
    padding: 'same',
  },
  {
    key: '1x1',
    name: '1x1',
    x: [1, 28, 28, 256],
    filter: [1, 1, 256, 64],
    strides: [1, 1],
    padding: 'valid',
  },
  {
    key: 'resnet-s2',
    name: 'ResNet-like stride 2',
    x: [1, 56, 56, 64],
    filter: [3, 3, 64, 128],
    strides: [2, 2],
    padding: 'same',
  },
];

const fmtShape = (s: readonly number[]) => `[${s.join(',')}]`;

const CONV_OPS: { op: KernelOp; short: string; group: string }[] = [
  { op: 'conv2d', short: 'conv2d fwd', group: 'conv2d forward' },
  { op: 'conv2dBackpropInput', short: 'conv2d dx', group: 'conv2d backprop input' },
  { op: 'conv2dBackpropFilter', short: 'conv2d dW', group: 'conv2d backprop filter' },
];

export function kernelTasks(quick: boolean): KernelTask[] {
  const tasks: KernelTask[] = [];
  const sizes = quick ? [128] : [128, 256, 512, 1024];
  for (const s of sizes) {
    tasks.push({
      id: `gemm-${s}`,
      suite: 'kernels',
      op: 'matMul',
      title: `GEMM ${s}³`,
      group: 'GEMM',
      detail: `[${s},${s}] · [${s},${s}]`,
      gemm: { m: s, n: s, k: s },
      work: gemmFlops(s, s, s) / 1e9,
      unit: 'GFLOP/s',
    });
  }
  for (const { op, short, group } of CONV_OPS) {
    for (const shape of CONV_SHAPES) {
      if (quick && !shape.quick) continue;
      const out = convOutputShape(shape.x, shape.filter, shape.strides, shape.padding);
      const stride = shape.strides[0] === 1 ? '' : ` stride ${shape.strides[0]}`;
      tasks.push({
        id: `${op}-${shape.key}`,
        suite: 'kernels',
        op,
        title: `${short} · ${shape.name}`,
        group,
        detail: `${fmtShape(shape.x)}x${fmtShape(shape.filter)} ${shape.padding}${stride} → ${fmtShape(out)}`,
        conv: { x: shape.x, filter: shape.filter, strides: shape.strides, padding: shape.padding, out },
        work: convFlops(shape.x, shape.filter, out) / 1e9,
        unit: 'GFLOP/s',
      });
    }
  }
  const x = [64, 24, 24, 6];
  const out = [64, outputSize(24, 2, 2, 'valid'), outputSize(24, 2, 2, 'valid'), 6];
  tasks.push({
    id: 'maxpool-lenet',
    suite: 'kernels',
    op: 'maxPool',
    title: 'max pool 2x2/2',
    group: 'max pooling',
    detail: `${fmtShape(x)} → ${fmtShape(out)}`,
    pool: { x, kernel: [2, 2], strides: [2, 2], out },
    work: poolBytes(x, out) / 1e9,
    unit: 'GB/s',
  });
  return tasks;
}

/** LeNet-5 as in @cnn/models (conv1 padded to keep 28x28), plain SGD, as the issue asks. */
export const LEARNING_RATE = 0.05;

export function modelTasks(quick: boolean): ModelTask[] {
  const trainBatches = quick ? 1 : 4;
  return [
    {
      id: 'lenet5-train',
      suite: 'models',
      kind: 'train',
      net: 'lenet5',
      title: 'LeNet-5 training',
      group: 'LeNet-5 training (batch 64)',
      detail: `SGD, batch 64, ${trainBatches * 64} MNIST digits per run`,
      batchSize: 64,
      samples: trainBatches * 64,
      learningRate: LEARNING_RATE,
      work: trainBatches * 64,
      unit: 'samples/s',
    },
    {
      id: 'lenet5-infer',
      suite: 'models',
      kind: 'infer',
      net: 'lenet5',
      title: 'LeNet-5 inference',
      group: 'LeNet-5 inference (batch 256)',
      detail: `batch 256, ${quick ? 256 : 1024} MNIST digits per run`,
      batchSize: 256,
      samples: quick ? 256 : 1024,
      learningRate: LEARNING_RATE,
      work: quick ? 256 : 1024,
      unit: 'samples/s',
    },
    {
      id: 'resnet-infer',
      suite: 'models',
      kind: 'infer',
      net: 'resnet',
      title: 'ResNet-18/4 inference',
      group: 'ResNet-18 (width 1/4, 32x32) inference (batch 32)',
      detail: `@cnn/models resnet({ depth: 18, width: 0.25, smallInput: true }) on 32x32x3, batch ${quick ? 4 : 32}`,
      batchSize: quick ? 4 : 32,
      samples: quick ? 4 : 32,
      learningRate: LEARNING_RATE,
      work: quick ? 4 : 32,
      unit: 'samples/s',
    },
    {
      id: 'mnist-epoch',
      suite: 'models',
      kind: 'epoch',
      net: 'lenet5',
      title: 'MNIST epoch',
      group: 'MNIST epoch (LeNet-5, 8,000 digits + 2,000 test)',
      detail: quick
        ? 'one epoch over 128 training digits (batch 64) + 128 test digits (quick)'
        : 'one epoch over the 8,000 training digits (batch 64, SGD) + inference on the 2,000 test digits',
      batchSize: 64,
      samples: quick ? 128 : 8000,
      testSamples: quick ? 128 : 2000,
      learningRate: LEARNING_RATE,
      work: quick ? 128 : 8000,
      unit: 'samples/s',
      long: true,
    },
    {
      id: 'fashion-mnist-epoch',
      suite: 'models',
      kind: 'epoch',
      net: 'lenet5',
      data: 'fashion-mnist',
      title: 'Fashion-MNIST epoch',
      group: 'Fashion-MNIST epoch (LeNet-5, 60,000 images + 10,000 test)',
      detail: quick
        ? 'one epoch over 128 Fashion-MNIST training images (batch 64) + 128 test images (quick)'
        : 'one epoch over all 60,000 Fashion-MNIST training images (batch 64, SGD) + inference on the 10,000 test images',
      batchSize: 64,
      samples: quick ? 128 : 60000,
      testSamples: quick ? 128 : 10000,
      learningRate: LEARNING_RATE,
      work: quick ? 128 : 60000,
      unit: 'samples/s',
      long: true,
    },
  ];
}

export function allTasks(quick: boolean, suites: readonly SuiteName[] = SUITES): Task[] {
  return [
    ...(suites.includes('kernels') ? kernelTasks(quick) : []),
    ...(suites.includes('models') ? modelTasks(quick) : []),
  ];
}
