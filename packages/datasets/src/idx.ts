import type { ImageSet } from './sets.js';

/** The element types an IDX file can hold (the third byte of its magic number). */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array: its element type, its dimensions and its values in row-major order. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  8: { type: 'uint8', bytes: 1 },
  9: { type: 'int8', bytes: 1 },
  11: { type: 'int16', bytes: 2 },
  12: { type: 'int32', bytes: 4 },
  13: { type: 'float32', bytes: 4 },
  14: { type: 'float64', bytes: 8 },
};

/**
 * Parses an IDX file's bytes (LeCun's format of MNIST and Fashion-MNIST; already gunzipped): a magic number
 * `0x00 0x00 <type> <dims>`, then each dimension as a big-endian uint32, then the values, big-endian.
 * `source` names the file in errors. A short, long or malformed file is an error saying what was expected.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  const fail = (what: string): never => {
    throw new Error(`IDX: ${source} ${what}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('must be a Uint8Array of the file bytes');
  if (bytes.length < 4) fail(`is ${bytes.length} bytes long: too short for the 4-byte IDX magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      `does not start with an IDX magic number (expected bytes 0x00 0x00, got 0x${hex(bytes[0]!)} 0x${hex(bytes[1]!)}${bytes[0] === 0x1f && bytes[1] === 0x8b ? ': it is gzipped; gunzip it first, or use fromIdx(path)' : ''})`,
    );
  }
  const kind = TYPES[bytes[2]!];
  if (!kind) {
    fail(
      `has unknown IDX element type 0x${hex(bytes[2]!)} (expected 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64)`,
    );
  }
  const { type, bytes: size } = kind!;
  const dims = bytes[3]!;
  if (dims === 0) fail('declares 0 dimensions (expected at least 1)');
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) {
    fail(
      `is ${bytes.length} bytes long: truncated inside its header of ${dims} dimension sizes (${headerBytes} bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: dims }, (_, d) => view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * size;
  if (bytes.length !== expected) {
    fail(
      `is ${bytes.length} bytes long, expected ${expected} (a ${headerBytes}-byte header and ${shape.join(' x ')} ${type} values)${bytes.length < expected ? ': the file is truncated' : ': trailing bytes after the data'}`,
    );
  }
  const body = headerBytes;
  let data: IdxArray['data'];
  switch (type) {
    // Copies (a Node Buffer's slice() is a view into a shared pool, so never take `.buffer` of one).
    case 'uint8':
      data = new Uint8Array(bytes.subarray(body, expected));
      break;
    case 'int8':
      data = new Int8Array(bytes.subarray(body, expected));
      break;
    default: {
      // Multi-byte values are big-endian in IDX; DataView reads them on any host.
      const read = {
        int16: (o: number) => view.getInt16(o, false),
        int32: (o: number) => view.getInt32(o, false),
        float32: (o: number) => view.getFloat32(o, false),
        float64: (o: number) => view.getFloat64(o, false),
      }[type];
      const Out = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[
        type
      ];
      const out = new Out(count);
      for (let i = 0; i < count; i++) out[i] = read(body + i * size);
      data = out;
    }
  }
  return { type, shape, data };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/**
 * An ImageSet from an IDX image array (`[n, h, w]` or `[n, h, w, c]`, uint8 pixels scaled to [0, 1]; float
 * pixels kept as they are) and an IDX label array (`[n]`, integer class labels).
 */
export function imageSetFromIdx(images: IdxArray, labels: IdxArray): ImageSet {
  const [n, h, w, c = 1] = images.shape as [number, number, number, number?];
  if (images.shape.length !== 3 && images.shape.length !== 4) {
    throw new Error(
      `imageSetFromIdx: images must be [n, height, width] or [n, height, width, channels], got [${images.shape.join(', ')}]`,
    );
  }
  if (labels.shape.length !== 1 || labels.type.startsWith('float')) {
    throw new Error(
      `imageSetFromIdx: labels must be a 1-D integer IDX array [n], got ${labels.type} [${labels.shape.join(', ')}]`,
    );
  }
  if (labels.shape[0] !== n) {
    throw new Error(
      `imageSetFromIdx: ${n} images but ${labels.shape[0]} labels (expected one label per image)`,
    );
  }
  // A plain loop: Float32Array.from with a map function is ~30x slower on 47 million pixels.
  const source = images.data;
  const pixels = new Float32Array(source.length);
  if (images.type === 'uint8') for (let i = 0; i < source.length; i++) pixels[i] = source[i]! / 255;
  else pixels.set(source);
  return { images: pixels, labels: new Float32Array(labels.data), count: n, shape: [h, w, c] };
}
