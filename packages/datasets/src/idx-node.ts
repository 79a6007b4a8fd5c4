import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type IdxArray, parseIdx } from './idx.js';

/**
 * Reads an IDX file from disk, gzipped (detected by its magic bytes, whatever the name) or not: any IDX data
 * set you have, e.g. `fromIdx('train-images-idx3-ubyte.gz')`. Node only. Errors name the file.
 */
export function fromIdx(path: string): IdxArray {
  if (typeof path !== 'string' || path === '') {
    throw new Error(
      `fromIdx: path must be the path of an IDX file, got ${JSON.stringify(path) ?? String(path)}`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`fromIdx: cannot read ${path}: ${(error as Error).message}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new Error(
        `IDX: ${path} is gzipped but does not gunzip (${(error as Error).message}): the file is truncated or corrupt`,
      );
    }
  }
  return parseIdx(bytes, path);
}
