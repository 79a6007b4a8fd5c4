import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Model,
  type ModelTopology,
  modelFromTopology,
  modelTopology,
  modelWeights,
  setWeightsFromBuffer,
} from '@cnn/core';

/**
 * On disk a model is a folder with `model.json` (the versioned topology, the weight manifest, and the name,
 * size and SHA-256 of the weights file) and `weights.<hash>.bin` (little-endian float32).
 *
 * Saving never leaves a broken model behind: the new weights file gets a new name, each file is written to
 * a temporary name, flushed and renamed into place (atomic on one file system), and model.json, which
 * points at the weights, is replaced last. A crash at any moment leaves the old model or the new one.
 */
export interface ModelFile extends ModelTopology {
  weightsFile: string;
  weightsBytes: number;
  weightsSha256: string;
}

const MODEL_JSON = 'model.json';

export async function saveModel(
  model: Model,
  dir: string,
): Promise<{ modelJson: string; weightsFile: string }> {
  const weights = await modelWeights(model);
  const bytes = toLittleEndian(weights);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const weightsFile = `weights.${sha256.slice(0, 16)}.bin`;
  const file: ModelFile = {
    ...modelTopology(model),
    weightsFile,
    weightsBytes: bytes.length,
    weightsSha256: sha256,
  };
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, weightsFile), bytes);
  await writeAtomically(join(dir, MODEL_JSON), Buffer.from(`${JSON.stringify(file, null, 1)}\n`));
  await syncDirectory(dir);
  // Only now are older weights files unreferenced.
  for (const name of await readdir(dir)) {
    if (/^weights\.[0-9a-f]+\.bin$/.test(name) && name !== weightsFile)
      await rm(join(dir, name), { force: true });
  }
  return { modelJson: join(dir, MODEL_JSON), weightsFile: join(dir, weightsFile) };
}

/** Loads a saved model (on the current backend); errors say what is wrong with which file. */
export async function loadModel(dir: string): Promise<Model> {
  const { file, weights } = await readModelFiles(dir);
  return modelFromTopology(file, weights);
}

/** Loads saved weights into an existing model with the same layer names and shapes. */
export async function loadWeights(model: Model, dir: string): Promise<void> {
  const { file, weights } = await readModelFiles(dir);
  setWeightsFromBuffer(model, file.weights, weights);
}

async function readModelFiles(dir: string): Promise<{ file: ModelFile; weights: Float32Array }> {
  const jsonPath = join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (error) {
    throw new Error(`load: cannot read ${jsonPath}: ${(error as Error).message}`);
  }
  let file: ModelFile;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `load: ${jsonPath} is not valid JSON (truncated or corrupted): ${(error as Error).message}`,
    );
  }
  if (file?.format !== 'cnn-model') throw new Error(`load: ${jsonPath} is not a cnn-model file`);
  if (typeof file.weightsFile !== 'string' || !/^weights\.[0-9a-f]+\.bin$/.test(file.weightsFile)) {
    throw new Error(`load: ${jsonPath} names no valid weights file`);
  }
  const weightsPath = join(dir, file.weightsFile);
  let bytes: Buffer;
  try {
    bytes = await readFile(weightsPath);
  } catch (error) {
    throw new Error(`load: cannot read the weights ${weightsPath}: ${(error as Error).message}`);
  }
  if (bytes.length !== file.weightsBytes) {
    throw new Error(
      `load: ${weightsPath} has ${bytes.length} bytes but ${file.weightsBytes} were saved (truncated?)`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== file.weightsSha256) {
    throw new Error(
      `load: ${weightsPath} is corrupted (SHA-256 ${sha256.slice(0, 16)}..., saved ${file.weightsSha256.slice(0, 16)}...)`,
    );
  }
  return { file, weights: fromLittleEndian(bytes) };
}

async function writeAtomically(path: string, data: Buffer): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a directory; the renames are still atomic.
  } finally {
    await handle.close();
  }
}

function toLittleEndian(values: Float32Array): Buffer {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, i * 4);
  return out;
}

function fromLittleEndian(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
