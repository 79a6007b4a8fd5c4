import { loadMnist, type MnistSplit } from '@cnn/datasets';

let cached: MnistSplit | null = null;

/** The 10,000 MNIST digits of the `mnist` package, split 8,000 / 2,000 with seed 0 (already shuffled). */
export function loadMnistCached(): MnistSplit {
  cached ??= loadMnist({ seed: 0, trainSize: 8000 });
  return cached;
}

/**
 * The same split handed in from outside: a browser page cannot read the `mnist` package's files, so the
 * Node side serves them (`encodeMnist`) and the page decodes them (`decodeMnist`) before any model task.
 */
export function provideMnist(split: MnistSplit): void {
  cached = split;
}

type Set = MnistSplit['train'];
const SETS = ['train', 'test'] as const;

/** The train and test sets (the bench uses no other) as one buffer: per set an int32 header then f32 data. */
export function encodeMnist(split: MnistSplit): Uint8Array {
  const floats = SETS.reduce((n, k) => n + split[k].images.length + split[k].labels.length, 0);
  const bytes = new Uint8Array(SETS.length * 16 + 4 * floats);
  let offset = 0;
  for (const k of SETS) {
    const { count, shape, images, labels } = split[k];
    new Int32Array(bytes.buffer, offset, 4).set([count, ...shape]);
    new Float32Array(bytes.buffer, offset + 16, images.length).set(images);
    new Float32Array(bytes.buffer, offset + 16 + 4 * images.length, labels.length).set(labels);
    offset += 16 + 4 * (images.length + labels.length);
  }
  return bytes;
}

export function decodeMnist(buffer: ArrayBuffer): MnistSplit {
  let offset = 0;
  const sets = SETS.map((): Set => {
    const [count, ...shape] = Array.from(new Int32Array(buffer, offset, 4));
    const pixels = count! * shape.reduce((a, b) => a * b, 1);
    const images = new Float32Array(buffer, offset + 16, pixels);
    const labels = new Float32Array(buffer, offset + 16 + 4 * pixels, count!);
    offset += 16 + 4 * (pixels + count!);
    return { count: count!, shape: shape as Set['shape'], images, labels };
  });
  const [train, test] = sets as [Set, Set];
  return {
    train,
    test,
    validation: { ...test, count: 0, images: new Float32Array(), labels: new Float32Array() },
  };
}
