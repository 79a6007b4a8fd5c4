/**
 * The seed's own task: is the "horizontal-then-down" stroke (横折) in the image? The stroke is three dark
 * pixels of a 2x2 window: top-left, top-right and bottom-right. Negatives hold one of the other three
 * three-pixel shapes of a 2x2 window (the other L orientations) or three random pixels that do not form
 * the stroke. Training images only have ink in the left half; we test on fresh images with ink in the
 * left half (seen positions) and in the right half (positions never seen in training).
 */
import * as cnn from '@cnn/core';
import { type LabeledSet, type TrainOptions, trainAndEvaluate } from './train.js';

/** Offsets [row, col] of the dark pixels of each shape, in a 2x2 window. */
export const SHAPES = {
  /** 横折: top-left, top-right, bottom-right (the positive class). */
  stroke: [
    [0, 0],
    [0, 1],
    [1, 1],
  ],
  /** Top-right, bottom-left, bottom-right (missing top-left). */
  noTopLeft: [
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  /** Top-left, bottom-left, bottom-right (missing top-right). */
  noTopRight: [
    [0, 0],
    [1, 0],
    [1, 1],
  ],
  /** Top-left, top-right, bottom-left (missing bottom-right). */
  noBottomRight: [
    [0, 0],
    [0, 1],
    [1, 0],
  ],
} as const satisfies Record<string, readonly (readonly [number, number])[]>;

const NEGATIVE_SHAPES = [SHAPES.noTopLeft, SHAPES.noTopRight, SHAPES.noBottomRight];

/** Columns `[from, to)` where ink may appear (every row may hold ink). */
export interface Region {
  from: number;
  to: number;
}

export const leftHalf = (size: number): Region => ({ from: 0, to: size / 2 });
export const rightHalf = (size: number): Region => ({ from: size / 2, to: size });

/** True if the `size` x `size` binary image holds the stroke anywhere. */
export function containsStroke(image: Float32Array, size: number): boolean {
  for (let r = 0; r + 1 < size; r++) {
    for (let c = 0; c + 1 < size; c++) {
      const at = (dr: number, dc: number) => image[(r + dr) * size + c + dc]! > 0.5;
      if (at(0, 0) && at(0, 1) && at(1, 1) && !at(1, 0)) return true;
    }
  }
  return false;
}

/**
 * `count` binary `size` x `size` images with ink only in `region`: label 1 (half of them, at random) holds
 * the stroke at a random position; label 0 holds another L shape (3/4 of the negatives, one orientation
 * each) or 3 random pixels that do not form the stroke (1/4). Every image has exactly 3 dark pixels, so
 * counting ink says nothing.
 */
export function makeStrokeSet(size: number, region: Region, count: number, random: cnn.Random): LabeledSet {
  if (!Number.isInteger(size) || size < 4 || size % 2 !== 0)
    throw new Error(`stroke: size must be an even integer >= 4, got ${size}`);
  const width = region.to - region.from;
  if (width < 2) throw new Error(`stroke: the region [${region.from}, ${region.to}) is narrower than 2`);
  const pixels = size * size;
  const images = new Float32Array(count * pixels);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const image = images.subarray(i * pixels, (i + 1) * pixels);
    const positive = random.next() < 0.5;
    labels[i] = positive ? 1 : 0;
    const kind = positive ? -1 : random.int(4);
    if (kind === 3) {
      // Noise: 3 distinct random pixels in the region, drawn again if they happen to form the stroke.
      do {
        image.fill(0);
        let placed = 0;
        while (placed < 3) {
          const p = random.int(size) * size + region.from + random.int(width);
          if (image[p] === 0) {
            image[p] = 1;
            placed++;
          }
        }
      } while (containsStroke(image, size));
    } else {
      const shape = positive ? SHAPES.stroke : NEGATIVE_SHAPES[kind]!;
      const r = random.int(size - 1);
      const c = region.from + random.int(width - 1);
      for (const [dr, dc] of shape) image[(r + dr) * size + c + dc] = 1;
    }
  }
  return { images, labels, count, shape: [size, size, 1] };
}

export type NetKind = 'fc' | 'cnn';
export type ConvPadding = 'full' | 'valid';

export interface StrokeOptions {
  /** Image sizes (even, >= 4). Default [4, 8]. */
  sizes?: number[];
  trainSamples?: number;
  testSamples?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Hidden units of the fully connected net. */
  hidden?: number;
  /** 2x2 filters of the CNN. */
  filters?: number;
  /**
   * Zero padding of the CNN's convolution: 'full' (1 pixel on every side, so every 2x2 window that touches
   * the image is seen, the border included) or 'valid' (only windows inside the image).
   */
  padding?: ConvPadding;
  seed?: number;
  /** Called after each trained net (progress). */
  onResult?: (row: StrokeRow) => void;
}

export interface StrokeRow {
  size: number;
  net: NetKind;
  /** e.g. "FC 16-32-2". */
  description: string;
  params: number;
  /** Accuracy on fresh images with ink in the left half (the positions seen in training). */
  seen: number;
  /** Accuracy on images with ink only in the right half (never seen in training). */
  unseen: number;
  /** Distinct images among the training samples (small at 4x4: the left half has few positions). */
  distinctTrainImages: number;
  finalLoss: number;
  seconds: number;
}

export interface StrokeResult {
  options: Required<Omit<StrokeOptions, 'onResult'>>;
  rows: StrokeRow[];
}

export const STROKE_DEFAULTS: Required<Omit<StrokeOptions, 'onResult'>> = {
  sizes: [4, 8],
  trainSamples: 2000,
  testSamples: 1000,
  epochs: 20,
  batchSize: 32,
  learningRate: 0.01,
  hidden: 32,
  filters: 8,
  padding: 'full',
  seed: 1,
};

/** The two nets of the comparison, for one image size. */
export function strokeNet(
  kind: NetKind,
  options: { hidden: number; filters: number; padding: ConvPadding },
): cnn.Layer[] {
  if (kind === 'fc') {
    return [
      new cnn.Flatten(),
      new cnn.Dense({ units: options.hidden, activation: 'relu' }),
      new cnn.Dense({ units: 2 }),
    ];
  }
  return [
    new cnn.Conv2D({
      filters: options.filters,
      kernelSize: 2,
      padding: options.padding === 'full' ? 1 : 'valid',
      activation: 'relu',
    }),
    new cnn.GlobalMaxPool(),
    new cnn.Dense({ units: 2 }),
  ];
}

function distinctImages(set: LabeledSet): number {
  const pixels = set.images.length / set.count;
  const seen = new Set<string>();
  for (let i = 0; i < set.count; i++) seen.add(set.images.subarray(i * pixels, (i + 1) * pixels).join(''));
  return seen.size;
}

/** Trains both nets on each size and measures them at seen and unseen positions. */
export async function runStrokeExperiment(options: StrokeOptions = {}): Promise<StrokeResult> {
  const { onResult, ...rest } = options;
  const opts = { ...STROKE_DEFAULTS, ...rest };
  const rows: StrokeRow[] = [];
  for (const size of opts.sizes) {
    // One data stream per size, so adding a size does not change the others' data.
    const random = new cnn.Random(opts.seed * 1000 + size);
    const train = makeStrokeSet(size, leftHalf(size), opts.trainSamples, random);
    const seen = makeStrokeSet(size, leftHalf(size), opts.testSamples, random);
    const unseen = makeStrokeSet(size, rightHalf(size), opts.testSamples, random);
    for (const net of ['fc', 'cnn'] as const) {
      const training: TrainOptions = {
        epochs: opts.epochs,
        batchSize: opts.batchSize,
        learningRate: opts.learningRate,
        seed: opts.seed,
      };
      const result = await trainAndEvaluate(strokeNet(net, opts), train, [seen, unseen], training);
      const row: StrokeRow = {
        size,
        net,
        description:
          net === 'fc'
            ? `FC ${size * size}-${opts.hidden}-2`
            : `CNN ${opts.filters} conv 2x2 (${opts.padding === 'full' ? 'pad 1' : 'no pad'}), global max, 2`,
        params: result.params,
        seen: result.accuracies[0]!,
        unseen: result.accuracies[1]!,
        distinctTrainImages: distinctImages(train),
        finalLoss: result.finalLoss,
        seconds: result.seconds,
      };
      rows.push(row);
      onResult?.(row);
    }
  }
  return { options: opts, rows };
}
