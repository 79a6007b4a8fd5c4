import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fromIdx, imageSetFromIdx, parseIdx } from '../src/index.js';

/**
 * An IDX file written byte by byte from the format's definition (LeCun's MNIST page): 0x00 0x00, the type
 * code, the number of dimensions, each dimension as a big-endian uint32, then big-endian values. Written
 * independently of parseIdx (Buffer's explicit BE writers, not DataView).
 */
function idxBytes(typeCode: number, shape: number[], values: number[]): Buffer {
  const size = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 }[typeCode]!;
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = typeCode;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const body = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (typeCode === 0x08) body.writeUInt8(v, i);
    else if (typeCode === 0x09) body.writeInt8(v, i);
    else if (typeCode === 0x0b) body.writeInt16BE(v, 2 * i);
    else if (typeCode === 0x0c) body.writeInt32BE(v, 4 * i);
    else if (typeCode === 0x0d) body.writeFloatBE(v, 4 * i);
    else body.writeDoubleBE(v, 8 * i);
  });
  return Buffer.concat([header, body]);
}

const dir = mkdtempSync(join(tmpdir(), 'cnn-idx-'));
const write = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

describe('parseIdx and fromIdx', () => {
  const pixels = [0, 255, 128, 7, 1, 2, 3, 4, 5, 6, 200, 100];

  it('reads a uint8 image file [2, 2, 3], plain and gzipped (whatever the name)', () => {
    const bytes = idxBytes(0x08, [2, 2, 3], pixels);
    for (const path of [
      write('images-idx3-ubyte', bytes),
      write('images.gz', gzipSync(bytes)),
      write('gzipped-but-unnamed', gzipSync(bytes)),
    ]) {
      const array = fromIdx(path);
      expect(array.type).toBe('uint8');
      expect(array.shape).toEqual([2, 2, 3]);
      expect(Array.from(array.data)).toEqual(pixels);
    }
  });

  it('reads every element type big-endian', () => {
    const cases: [number, string, number[]][] = [
      [0x09, 'int8', [-128, -1, 0, 127]],
      [0x0b, 'int16', [-32768, -2, 258, 32767]],
      [0x0c, 'int32', [-2147483648, -3, 16909060, 2147483647]],
      [0x0d, 'float32', [-1.5, 0.25, 3.140625, 1e-3]],
      [0x0e, 'float64', [-1e300, 0.1, Math.PI, 2 ** -1074]],
    ];
    for (const [code, type, values] of cases) {
      const array = parseIdx(idxBytes(code, [2, 2], values), type);
      expect(array.type).toBe(type);
      expect(array.shape).toEqual([2, 2]);
      const expected = type === 'float32' ? values.map(Math.fround) : values;
      expect(Array.from(array.data)).toEqual(expected);
    }
  });

  it('builds an ImageSet: uint8 pixels scaled to [0, 1], labels as numbers, shape [h, w, 1]', () => {
    const images = parseIdx(idxBytes(0x08, [3, 2, 2], pixels));
    const labels = parseIdx(idxBytes(0x08, [3], [9, 0, 4]));
    const set = imageSetFromIdx(images, labels);
    expect(set.count).toBe(3);
    expect(set.shape).toEqual([2, 2, 1]);
    expect(Array.from(set.images)).toEqual(pixels.map((v) => Math.fround(v / 255)));
    expect(Array.from(set.labels)).toEqual([9, 0, 4]);
    expect(() => imageSetFromIdx(images, parseIdx(idxBytes(0x08, [2], [1, 2])))).toThrow(
      'imageSetFromIdx: 3 images but 2 labels (expected one label per image)',
    );
    expect(() => imageSetFromIdx(labels, labels)).toThrow(
      'imageSetFromIdx: images must be [n, height, width]',
    );
  });

  it('a truncated file is an error that says so, with the file name and the expected size', () => {
    const bytes = idxBytes(0x08, [2, 2, 3], pixels);
    const path = write('short-idx3-ubyte', bytes.subarray(0, bytes.length - 5));
    expect(() => fromIdx(path)).toThrow(
      `IDX: ${path} is 23 bytes long, expected 28 (a 16-byte header and 2 x 2 x 3 uint8 values): the file is truncated`,
    );
    expect(() => parseIdx(bytes.subarray(0, 10), 'head')).toThrow(
      'IDX: head is 10 bytes long: truncated inside its header of 3 dimension sizes (16 bytes)',
    );
    expect(() => parseIdx(bytes.subarray(0, 2), 'tiny')).toThrow('too short for the 4-byte IDX magic number');
    expect(() => parseIdx(Buffer.concat([bytes, Buffer.from([1])]), 'long')).toThrow(
      'IDX: long is 29 bytes long, expected 28 (a 16-byte header and 2 x 2 x 3 uint8 values): trailing bytes after the data',
    );
  });

  it('a truncated gzip file is an error naming the file', () => {
    const gz = gzipSync(idxBytes(0x08, [2, 2, 3], pixels));
    const path = write('cut.gz', gz.subarray(0, gz.length - 8));
    expect(() => fromIdx(path)).toThrow(
      `IDX: ${path} is gzipped but does not gunzip (unexpected end of file): the file is truncated or corrupt`,
    );
  });

  it('a file that is not IDX, an unknown type, a missing file are clear errors', () => {
    expect(() => parseIdx(Buffer.from('PNG image data'), 'picture.png')).toThrow(
      'IDX: picture.png does not start with an IDX magic number (expected bytes 0x00 0x00, got 0x50 0x4e)',
    );
    expect(() => parseIdx(gzipSync(idxBytes(0x08, [1], [1])), 'x.gz')).toThrow(
      'it is gzipped; gunzip it first, or use fromIdx(path)',
    );
    const unknown = idxBytes(0x08, [1], [1]);
    unknown[2] = 0x0a;
    expect(() => parseIdx(unknown, 'odd')).toThrow('IDX: odd has unknown IDX element type 0x0a');
    expect(() => parseIdx(Buffer.from([0, 0, 8, 0]), 'flat')).toThrow('declares 0 dimensions');
    expect(() => fromIdx(join(dir, 'nothing-here'))).toThrow(
      `fromIdx: cannot read ${join(dir, 'nothing-here')}: ENOENT`,
    );
  });
});
