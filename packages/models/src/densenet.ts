/**
 * DenseNet (Huang, Liu, van der Maaten & Weinberger, "Densely Connected Convolutional Networks", 2016): inside
 * a dense block every layer's output is concatenated onto the features of all earlier layers, so each later
 * layer sees them all — maximal feature reuse, so each layer can be thin (the growth rate k) and the whole
 * network small; transitions (BN-ReLU-1x1 conv-2x2 avg pool) between blocks compress and downsample.
 */
import * as cnn from '@cnn/core';
import { type CommonOptions, checkInputShape, checkPositiveInt, checkRate } from './common.js';

/** The ImageNet DenseNets of the paper, by depth. */
export type DenseNetImageNetDepth = 121 | 161 | 169 | 201;

/** torchvision's ImageNet configurations: layers per dense block, and the growth rate. */
export const DENSENET_CONFIGS: Record<
  DenseNetImageNetDepth,
  { blockConfig: readonly number[]; growthRate: number }
> = {
  121: { blockConfig: [6, 12, 24, 16], growthRate: 32 },
  161: { blockConfig: [6, 12, 36, 24], growthRate: 48 },
  169: { blockConfig: [6, 12, 32, 32], growthRate: 32 },
  201: { blockConfig: [6, 12, 48, 32], growthRate: 32 },
};

export interface DenseNetOptions extends CommonOptions {
  /**
   * 121, 161, 169, 201: torchvision's ImageNet networks (four blocks). Any other depth L is the paper's CIFAR
   * network: three blocks of (L - 4) / 6 layers with bottlenecks, (L - 4) / 3 without, growth rate 12 and
   * the small stem (e.g. DenseNet-BC L=100 k=12, or L=40 k=12 with `bottleneck: false, compression: 1,
   * initFeatures: 16`). Default 121. Ignored when `blockConfig` is given.
   */
  depth?: number;
  /** Layers per dense block, e.g. `[6, 12, 24, 16]`. Overrides `depth`. */
  blockConfig?: readonly number[];
  /** k: the channels each dense layer adds. Default: the depth's (32, or 48 for 161; 12 for CIFAR depths). */
  growthRate?: number;
  /** Channels of the stem conv. Default 2k. */
  initFeatures?: number;
  /** DenseNet-B: a 1x1 conv to `bnSize * k` channels (with BN-ReLU) before each 3x3. Default true. */
  bottleneck?: boolean;
  /** Bottleneck width factor. Default 4. */
  bnSize?: number;
  /** DenseNet-C: a transition keeps floor(θ · channels). Default 0.5. */
  compression?: number;
  /** Dropout after each dense layer's 3x3 conv. Default 0. */
  dropout?: number;
  /** Default `[224, 224, 3]` (ImageNet depths, `blockConfig`) or `[32, 32, 3]` (CIFAR depths). */
  inputShape?: CommonOptions['inputShape'];
  /** Default 1000 (ImageNet depths, `blockConfig`) or 10 (CIFAR depths). */
  classes?: number;
  /**
   * CIFAR stem: a single 3x3 conv (no BN, ReLU or max pool). Default: true for CIFAR depths, false
   * otherwise (the ImageNet stem: 7x7/2 conv, BN, ReLU, 3x3/2 max pool).
   */
  smallInput?: boolean;
}

/**
 * DenseNet: `conv0` (`norm0`, `relu0`, `pool0`) → `denseblock1` → `transition1` → … → `denseblockB` →
 * `normB+1` → `reluB+1` → `avgpool` (global) → `classifier`. Dense layer `denseblockB.denselayerL` has
 * `norm1`, `relu1`, `conv1` (1x1, `bnSize·k`), `norm2`, `relu2`, `conv2` (3x3, k) — without bottleneck only
 * `norm1`, `relu1`, `conv1` (3x3) — and `concat`, which appends its k channels to its input. Transition
 * `transitionT` has `norm`, `relu`, `conv`, `pool`. Names follow torchvision's; convs have no bias.
 */
export function densenet(options: DenseNetOptions = {}): cnn.Model {
  const where = 'densenet';
  const depth = options.depth ?? 121;
  const imageNet = DENSENET_CONFIGS[depth as DenseNetImageNetDepth];
  const {
    bottleneck = true,
    compression = 0.5,
    bnSize = 4,
    dropout: rate = 0,
    inputShape = imageNet || options.blockConfig ? [224, 224, 3] : [32, 32, 3],
    classes = imageNet || options.blockConfig ? 1000 : 10,
    seed,
  } = options;
  let blockConfig = options.blockConfig;
  let growthRate = options.growthRate;
  let smallInput = options.smallInput;
  let name = options.name;
  if (!blockConfig) {
    if (imageNet) {
      blockConfig = imageNet.blockConfig;
      growthRate ??= imageNet.growthRate;
      name ??= `densenet${depth}`;
    } else {
      const perBlock = (depth - 4) / (bottleneck ? 6 : 3);
      if (!Number.isInteger(perBlock) || perBlock <= 0) {
        throw new Error(
          `${where}: depth ${depth} is neither an ImageNet depth (121, 161, 169, 201) nor a CIFAR depth (4 + ${bottleneck ? 6 : 3}n)`,
        );
      }
      blockConfig = [perBlock, perBlock, perBlock];
      growthRate ??= 12;
      smallInput ??= true;
      name ??= `densenet${bottleneck && compression < 1 ? '_bc' : ''}${depth}`;
    }
  }
  growthRate ??= 32;
  smallInput ??= false;
  name ??= 'densenet';
  const initFeatures = options.initFeatures ?? 2 * growthRate;
  checkInputShape(where, inputShape);
  checkPositiveInt(where, 'classes', classes);
  checkPositiveInt(where, 'growthRate', growthRate);
  checkPositiveInt(where, 'initFeatures', initFeatures);
  checkPositiveInt(where, 'bnSize', bnSize);
  checkRate(where, 'dropout', rate);
  if (blockConfig.length === 0) throw new Error(`${where}: blockConfig needs at least one block`);
  blockConfig.forEach((n, i) => checkPositiveInt(where, `blockConfig[${i}]`, n));
  if (!(compression > 0 && compression <= 1)) {
    throw new Error(`${where}: compression must be in (0, 1], got ${compression}`);
  }

  const conv = (x: cnn.SymbolicTensor, name: string, filters: number, kernelSize: number, strides = 1) =>
    new cnn.Conv2D({
      name,
      filters,
      kernelSize,
      strides,
      padding: (kernelSize - 1) / 2,
      useBias: false,
      kernelInitializer: 'heNormal',
    }).apply(x);
  const bnRelu = (x: cnn.SymbolicTensor, norm: string, relu: string) =>
    new cnn.ReLU({ name: relu }).apply(new cnn.BatchNorm({ name: norm }).apply(x));

  const denseLayer = (x: cnn.SymbolicTensor, p: string) => {
    let y = bnRelu(x, `${p}.norm1`, `${p}.relu1`);
    if (bottleneck) {
      y = conv(y, `${p}.conv1`, bnSize * growthRate, 1);
      y = conv(bnRelu(y, `${p}.norm2`, `${p}.relu2`), `${p}.conv2`, growthRate, 3);
    } else {
      y = conv(y, `${p}.conv1`, growthRate, 3);
    }
    if (rate > 0) y = new cnn.Dropout({ name: `${p}.dropout`, rate }).apply(y);
    return new cnn.Concat({ name: `${p}.concat` }).apply(x, y);
  };

  const input = cnn.input(inputShape, 'input');
  let x: cnn.SymbolicTensor;
  if (smallInput) {
    x = conv(input, 'conv0', initFeatures, 3);
  } else {
    x = bnRelu(conv(input, 'conv0', initFeatures, 7, 2), 'norm0', 'relu0');
    x = new cnn.MaxPool2D({ name: 'pool0', poolSize: 3, strides: 2, padding: 1 }).apply(x);
  }
  blockConfig.forEach((layers, b) => {
    for (let l = 1; l <= layers; l++) x = denseLayer(x, `denseblock${b + 1}.denselayer${l}`);
    if (b < blockConfig.length - 1) {
      const t = `transition${b + 1}`;
      const channels = Math.max(1, Math.floor(x.shape[2]! * compression));
      x = conv(bnRelu(x, `${t}.norm`, `${t}.relu`), `${t}.conv`, channels, 1);
      x = new cnn.AvgPool2D({ name: `${t}.pool`, poolSize: 2, strides: 2 }).apply(x);
    }
  });
  const last = blockConfig.length + 1;
  x = bnRelu(x, `norm${last}`, `relu${last}`);
  x = new cnn.GlobalAveragePool({ name: 'avgpool' }).apply(x);
  const logits = new cnn.Dense({ name: 'classifier', units: classes }).apply(x);
  return new cnn.Model({ inputs: input, outputs: logits, name, seed });
}
