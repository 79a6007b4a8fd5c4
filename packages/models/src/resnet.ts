/**
 * ResNet (He, Zhang, Ren & Sun, "Deep Residual Learning for Image Recognition", 2015): each block learns a
 * residual F(x) that a skip connection adds back to its input, joined by sum (`Add`), with batch norm after
 * every conv — so gradients reach the first layers and networks of 50 to 152 layers train.
 */
import * as cnn from '@cnn/core';
import { type CommonOptions, checkInputShape, checkPositive, checkPositiveInt, scaled } from './common.js';

/** The paper's ResNets, by depth. */
export type ResNetDepth = 18 | 34 | 50 | 101 | 152;

/** Blocks per stage, and whether the blocks are basic (two 3x3) or bottleneck (1x1, 3x3, 1x1 with 4x expansion). */
export const RESNET_STAGES: Record<ResNetDepth, { blocks: readonly number[]; bottleneck: boolean }> = {
  18: { blocks: [2, 2, 2, 2], bottleneck: false },
  34: { blocks: [3, 4, 6, 3], bottleneck: false },
  50: { blocks: [3, 4, 6, 3], bottleneck: true },
  101: { blocks: [3, 4, 23, 3], bottleneck: true },
  152: { blocks: [3, 8, 36, 3], bottleneck: true },
};

export interface ResNetOptions extends CommonOptions {
  /** 18, 34 (basic blocks), 50, 101, 152 (bottleneck blocks). Default 50. */
  depth?: ResNetDepth;
  /** Default `[224, 224, 3]`. */
  inputShape?: CommonOptions['inputShape'];
  /** Channel multiplier: the stages have 64, 128, 256, 512 channels (x4 at the output of bottlenecks) times this. */
  width?: number;
  /**
   * CIFAR stem: conv1 is 3x3 stride 1 (64 filters) and there is no max pool, so a 32x32 image reaches
   * layer1 at 32x32 (as in the common CIFAR-10 ResNet-18: 11,173,962 weights for 10 classes).
   */
  smallInput?: boolean;
}

/**
 * ResNet-`depth` (torchvision's v1.5: the stride of a downsampling bottleneck is on its 3x3 conv):
 * `conv1` → `bn1` → `relu` → `maxpool` → `layer1`…`layer4` → `avgpool` (global) → `fc`. Block
 * `layerS.B` has `conv1`, `bn1`, `relu1`, `conv2`, `bn2` (bottleneck: `relu2`, `conv3`, `bn3`), an optional
 * projection shortcut `downsample.0` (1x1 conv, stride 2) and `downsample.1` (batch norm) when the shape
 * changes, `add` (the skip connection) and `relu`. The names follow torchvision's state_dict keys. Convs
 * have no bias.
 */
export function resnet(options: ResNetOptions = {}): cnn.Model {
  const {
    depth = 50,
    inputShape = [224, 224, 3],
    classes = 1000,
    width = 1,
    smallInput = false,
    name = `resnet${depth}`,
    seed,
  } = options;
  const where = 'resnet';
  const stages = RESNET_STAGES[depth];
  if (!stages) throw new Error(`${where}: depth must be 18, 34, 50, 101 or 152, got ${depth}`);
  checkInputShape(where, inputShape);
  checkPositiveInt(where, 'classes', classes);
  checkPositive(where, 'width', width);
  const expansion = stages.bottleneck ? 4 : 1;

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
  const bn = (x: cnn.SymbolicTensor, name: string) => new cnn.BatchNorm({ name }).apply(x);
  const relu = (x: cnn.SymbolicTensor, name: string) => new cnn.ReLU({ name }).apply(x);

  const block = (x: cnn.SymbolicTensor, p: string, planes: number, strides: number) => {
    const outChannels = planes * expansion;
    let y: cnn.SymbolicTensor;
    if (stages.bottleneck) {
      y = relu(bn(conv(x, `${p}.conv1`, planes, 1), `${p}.bn1`), `${p}.relu1`);
      y = relu(bn(conv(y, `${p}.conv2`, planes, 3, strides), `${p}.bn2`), `${p}.relu2`);
      y = bn(conv(y, `${p}.conv3`, outChannels, 1), `${p}.bn3`);
    } else {
      y = relu(bn(conv(x, `${p}.conv1`, planes, 3, strides), `${p}.bn1`), `${p}.relu1`);
      y = bn(conv(y, `${p}.conv2`, planes, 3), `${p}.bn2`);
    }
    const shortcut =
      strides !== 1 || x.shape[2] !== outChannels
        ? bn(conv(x, `${p}.downsample.0`, outChannels, 1, strides), `${p}.downsample.1`)
        : x;
    return relu(new cnn.Add({ name: `${p}.add` }).apply(y, shortcut), `${p}.relu`);
  };

  const input = cnn.input(inputShape, 'input');
  const stem = scaled(64, width);
  let x = smallInput ? conv(input, 'conv1', stem, 3) : conv(input, 'conv1', stem, 7, 2);
  x = relu(bn(x, 'bn1'), 'relu');
  if (!smallInput) x = new cnn.MaxPool2D({ name: 'maxpool', poolSize: 3, strides: 2, padding: 1 }).apply(x);
  stages.blocks.forEach((count, s) => {
    const planes = scaled(64 * 2 ** s, width);
    for (let b = 0; b < count; b++) x = block(x, `layer${s + 1}.${b}`, planes, b === 0 && s > 0 ? 2 : 1);
  });
  x = new cnn.GlobalAveragePool({ name: 'avgpool' }).apply(x);
  const logits = new cnn.Dense({ name: 'fc', units: classes }).apply(x);
  return new cnn.Model({ inputs: input, outputs: logits, name, seed });
}
