/**
 * VGG (Simonyan & Zisserman, 2014): depth from nothing but stacks of 3x3 convolutions — two 3x3 layers see
 * what one 5x5 sees, three see a 7x7, with fewer weights and more nonlinearities — between 2x2 max pools
 * that halve the image while the depth doubles.
 */
import * as cnn from '@cnn/core';
import {
  type CommonOptions,
  checkInputShape,
  checkPositive,
  checkPositiveInt,
  checkRate,
  convUnit,
  dropout,
  scaled,
} from './common.js';

/** The paper's VGG networks, by depth (A, B, D, E). */
export type VggDepth = 11 | 13 | 16 | 19;

/** Convs per block (configurations A, B, D, E of the paper); the blocks have 64, 128, 256, 512, 512 filters. */
export const VGG_BLOCKS: Record<VggDepth, readonly number[]> = {
  11: [1, 1, 2, 2, 2],
  13: [2, 2, 2, 2, 2],
  16: [2, 2, 3, 3, 3],
  19: [2, 2, 4, 4, 4],
};

const BLOCK_FILTERS = [64, 128, 256, 512, 512];

export interface VggOptions extends CommonOptions {
  /** Weight layers: 11, 13, 16 or 19. Default 16. */
  depth?: VggDepth;
  /** Default `[224, 224, 3]`. Needs at least 32x32 (five 2x2 pools). */
  inputShape?: CommonOptions['inputShape'];
  /** Channel multiplier for every conv and the hidden dense layers. Default 1. */
  width?: number;
  /** Batch norm after every conv, before its ReLU (torchvision `vgg16_bn`; the convs keep their bias). */
  batchNorm?: boolean;
  /** Dropout after fc1 and fc2. Default 0.5. */
  dropout?: number;
  /** Units of fc1 and fc2. Default `4096 * width`. */
  hiddenUnits?: number;
}

/**
 * VGG-`depth`: five blocks `blockB.convC` (3x3, padding 1, ReLU; with batch norm `blockB.convC.bn`,
 * `.relu`) each ending in `blockB.pool` (2x2 max), then fc1 → fc2 → fc3. At 224x224 the last map is
 * 7x7x512, what torchvision's adaptive pool gives, so VGG-16 has torchvision's 138,357,544 weights.
 */
export function vgg(options: VggOptions = {}): cnn.Model {
  const {
    depth = 16,
    inputShape = [224, 224, 3],
    classes = 1000,
    width = 1,
    batchNorm = false,
    dropout: rate = 0.5,
    name = `vgg${depth}${batchNorm ? '_bn' : ''}`,
    seed,
  } = options;
  const where = 'vgg';
  const blocks = VGG_BLOCKS[depth];
  if (!blocks) throw new Error(`${where}: depth must be 11, 13, 16 or 19, got ${depth}`);
  checkInputShape(where, inputShape);
  checkPositiveInt(where, 'classes', classes);
  checkPositive(where, 'width', width);
  checkRate(where, 'dropout', rate);
  const hiddenUnits = options.hiddenUnits ?? scaled(4096, width);
  checkPositiveInt(where, 'hiddenUnits', hiddenUnits);

  const input = cnn.input(inputShape, 'input');
  let x = input;
  blocks.forEach((convs, b) => {
    const filters = scaled(BLOCK_FILTERS[b]!, width);
    for (let c = 1; c <= convs; c++) {
      x = convUnit(x, `block${b + 1}.conv${c}`, {
        filters,
        kernelSize: 3,
        padding: 1,
        batchNorm,
        bias: true,
      });
    }
    x = new cnn.MaxPool2D({ name: `block${b + 1}.pool`, poolSize: 2 }).apply(x);
  });
  x = new cnn.Flatten({ name: 'flatten' }).apply(x);
  x = new cnn.Dense({ name: 'fc1', units: hiddenUnits, activation: 'relu' }).apply(x);
  x = dropout(x, 'drop1', rate);
  x = new cnn.Dense({ name: 'fc2', units: hiddenUnits, activation: 'relu' }).apply(x);
  x = dropout(x, 'drop2', rate);
  const logits = new cnn.Dense({ name: 'fc3', units: classes }).apply(x);
  return new cnn.Model({ inputs: input, outputs: logits, name, seed });
}
