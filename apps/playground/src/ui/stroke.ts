/**
 * The seed's 横折 experiment, live: a fully connected net and a CNN (the experiments app's nets) learn
 * whether the stroke is in an 8×8 image from images with ink only in the left half; you place the stroke
 * anywhere and both answer side by side. The CNN's shared 2×2 filters find it in the right half too.
 */
import * as cnn from '@cnn/core';
import {
  leftHalf,
  makeStrokeSet,
  rightHalf,
  SHAPES,
  STROKE_DEFAULTS,
  strokeNet,
} from '@cnn/experiments/dist/stroke.js';

const SIZE = 8;

/** The two trained nets and their accuracies at seen and unseen positions. */
export interface StrokeNets {
  nets: { kind: 'fc' | 'cnn'; model: cnn.Model; seen: number; unseen: number; params: number }[];
}

/** Trains both nets on the current backend (seeded: the same data and initial weights every time). */
export async function trainStrokeNets(): Promise<StrokeNets> {
  const random = new cnn.Random(STROKE_DEFAULTS.seed * 1000 + SIZE);
  const train = makeStrokeSet(SIZE, leftHalf(SIZE), 1000, random);
  const seen = makeStrokeSet(SIZE, leftHalf(SIZE), 400, random);
  const unseen = makeStrokeSet(SIZE, rightHalf(SIZE), 400, random);
  const tensors = (set: typeof train) =>
    [cnn.tensor(set.images, [set.count, SIZE, SIZE, 1]), cnn.tensor(set.labels, [set.count])] as const;
  const [x, y] = tensors(train);
  const nets: StrokeNets['nets'] = [];
  for (const kind of ['fc', 'cnn'] as const) {
    const model = cnn.sequential([SIZE, SIZE, 1], strokeNet(kind, STROKE_DEFAULTS), {
      seed: STROKE_DEFAULTS.seed,
      name: `stroke-${kind}`,
    });
    model.initialize();
    const optimizer = new cnn.Adam({ learningRate: 0.01 });
    model.compile({ optimizer, loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 8, batchSize: 32 });
    const acc = async (set: typeof train) => {
      const [ex, ey] = tensors(set);
      const r = await model.evaluate(ex, ey);
      ex.dispose();
      ey.dispose();
      return r.accuracy;
    };
    nets.push({
      kind,
      model,
      seen: await acc(seen),
      unseen: await acc(unseen),
      params: model.countParams().total,
    });
    optimizer.dispose();
  }
  x.dispose();
  y.dispose();
  return { nets };
}

/** P(stroke) from each net for one image. */
export async function strokeAnswers(nets: StrokeNets, image: Float32Array): Promise<number[]> {
  const out: number[] = [];
  for (const net of nets.nets) {
    const x = cnn.tensor(image, [1, SIZE, SIZE, 1]);
    const p = cnn.tidy(() => cnn.softmax(net.model.predict(x)));
    out.push((await p.data())[1]!);
    x.dispose();
    p.dispose();
  }
  return out;
}

/** The image with the stroke's top-left at `[row, col]` (clipped to the grid). */
export function strokeImage(row: number, col: number): Float32Array {
  const image = new Float32Array(SIZE * SIZE);
  const r = Math.min(row, SIZE - 2);
  const c = Math.min(col, SIZE - 2);
  for (const [dr, dc] of SHAPES.stroke) image[(r + dr) * SIZE + c + dc] = 1;
  return image;
}

export { SIZE as STROKE_SIZE };
