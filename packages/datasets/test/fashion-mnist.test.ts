import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from '../src/index.js';

/** IDX bytes from the format's definition: 0x00 0x00 type dims, big-endian uint32 sizes, uint8 values. */
function idxUint8(shape: number[], values: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Array.from(values))]);
}

/** A small stand-in for the Debian package's folder: n train and m test images, pixel = label * 20. */
function fakeFashionDir(train: number, test: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-fashion-'));
  const write = (name: string, n: number, offset: number) => {
    const labels = Array.from({ length: n }, (_, i) => (i + offset) % 10);
    const pixels = new Uint8Array(n * 784);
    labels.forEach((l, i) => pixels.fill(l * 20, i * 784, (i + 1) * 784));
    writeFileSync(join(dir, `${name}-images-idx3-ubyte.gz`), gzipSync(idxUint8([n, 28, 28], pixels)));
    // Labels uncompressed: the loader takes either form.
    writeFileSync(join(dir, `${name}-labels-idx1-ubyte`), idxUint8([n], labels));
  };
  write('train', train, 0);
  write('t10k', test, 3);
  return dir;
}

describe('loadFashionMnist', () => {
  it('reads the four IDX files of a folder and carves a seeded validation set from the training images', () => {
    const dir = fakeFashionDir(50, 20);
    const { train, validation, test } = loadFashionMnist({ dir, validationSize: 10, seed: 2 });
    expect([train.count, validation.count, test.count]).toEqual([40, 10, 20]);
    expect(train.shape).toEqual([28, 28, 1]);
    // Every image still carries its own label (pixel = label * 20 / 255), whatever the shuffle did.
    for (const set of [train, validation, test]) {
      for (let i = 0; i < set.count; i++) {
        expect(set.images[i * 784 + 400]).toBe(Math.fround((set.labels[i]! * 20) / 255));
      }
    }
    // The test set keeps the files' order (labels 3, 4, 5, ...).
    expect(Array.from(test.labels.slice(0, 4))).toEqual([3, 4, 5, 6]);
    // Train + validation hold each training label as often as the file does (5 of each of 10 classes).
    const counts = new Array(10).fill(0);
    for (const set of [train, validation]) for (const l of set.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(5));
    expect(() => loadFashionMnist({ dir, validationSize: 50 })).toThrow(
      'loadFashionMnist: validationSize must be an integer in [0, 49], got 50',
    );
  });

  it('missing files: an error that says how to install the data set', () => {
    const empty = mkdtempSync(join(tmpdir(), 'cnn-fashion-empty-'));
    expect(() => loadFashionMnist({ dir: empty })).toThrow(
      `loadFashionMnist: ${join(empty, 'train-images-idx3-ubyte.gz')} not found. Fashion-MNIST is not installed there: on Debian or Ubuntu run \`sudo apt-get install dataset-fashion-mnist\``,
    );
  });

  it('a truncated file in the folder: an error naming it', () => {
    const dir = fakeFashionDir(5, 5);
    const path = join(dir, 't10k-labels-idx1-ubyte');
    writeFileSync(path, idxUint8([5], [1, 2, 3, 4, 5]).subarray(0, 10));
    expect(() => loadFashionMnist({ dir })).toThrow(`IDX: ${path} is 10 bytes long, expected 13`);
  });

  // The real data set: scripts/bootstrap.sh installs Debian's dataset-fashion-mnist, so this always runs.
  it('the Debian package: 60,000 + 10,000 images, 6,000 and 1,000 per class (Zalando README)', () => {
    const { train, validation, test } = loadFashionMnist({ validationSize: 5000, seed: 1 });
    expect(FASHION_MNIST_DIR).toBe('/usr/share/datasets/fashion-mnist');
    expect([train.count, validation.count, test.count]).toEqual([55000, 5000, 10000]);
    const perClass = (labels: Float32Array) => {
      const counts = new Array(10).fill(0);
      for (const l of labels) counts[l]++;
      return counts;
    };
    expect(perClass(test.labels)).toEqual(new Array(10).fill(1000));
    const trainCounts = perClass(train.labels);
    perClass(validation.labels).forEach((c, k) => (trainCounts[k] += c));
    expect(trainCounts).toEqual(new Array(10).fill(6000));
    let max = 0;
    for (const v of test.images) max = Math.max(max, v);
    expect(max).toBe(1);
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
  });
});
