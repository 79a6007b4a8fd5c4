/**
 * Loading a saved @cnn model in the page: the `model.json` + `weights.<id>.bin` pair that `saveModel`
 * (@cnn/node) writes, picked together in a file dialog. Checked before anything is built: the format and
 * version, the weights file's size and SHA-256 against what model.json records.
 */
import * as cnn from '@cnn/core';

/** The fields of model.json beyond the topology (written by @cnn/node's saveModel). */
interface SavedModelFile extends cnn.ModelTopology {
  weightsFile?: string;
  weightsBytes?: number;
  weightsSha256?: string;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Parses model.json's text; errors name the file and what is wrong. */
export function parseModelJson(text: string, fileName = 'model.json'): SavedModelFile {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new Error(`${fileName} is not valid JSON: ${(error as Error).message}`);
  }
  const f = file as Partial<SavedModelFile> | null;
  if (!f || typeof f !== 'object' || f.format !== cnn.MODEL_FORMAT) {
    throw new Error(
      `${fileName} is not a ${cnn.MODEL_FORMAT} file (format: ${JSON.stringify(f?.format) ?? 'missing'})`,
    );
  }
  if (f.version !== cnn.MODEL_FORMAT_VERSION) {
    throw new Error(
      `${fileName}: model format version ${JSON.stringify(f.version)} is not supported (this app reads version ${cnn.MODEL_FORMAT_VERSION})`,
    );
  }
  if (!Array.isArray(f.layers) || !Array.isArray(f.weights)) {
    throw new Error(`${fileName} has no 'layers' or 'weights' list`);
  }
  return f as SavedModelFile;
}

/**
 * Builds the model from model.json's text and the weights file's bytes (little-endian float32 in manifest
 * order), on the current backend.
 */
export async function modelFromFiles(
  jsonText: string,
  weightBytes: Uint8Array,
  fileName = 'model.json',
): Promise<cnn.Model> {
  const file = parseModelJson(jsonText, fileName);
  if (file.weightsBytes !== undefined && file.weightsBytes !== weightBytes.length) {
    throw new Error(
      `${fileName} says ${file.weightsFile ?? 'the weights file'} holds ${file.weightsBytes} bytes, but the picked file holds ${weightBytes.length}`,
    );
  }
  if (weightBytes.length % 4 !== 0)
    throw new Error(`the weights file holds ${weightBytes.length} bytes, not a multiple of 4`);
  if (file.weightsSha256 !== undefined) {
    const actual = await sha256Hex(weightBytes);
    if (actual !== file.weightsSha256) {
      throw new Error(
        `the weights file's SHA-256 is ${actual}, but ${fileName} records ${file.weightsSha256} (another save's weights?)`,
      );
    }
  }
  const copy = weightBytes.slice();
  const weights = new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  return cnn.modelFromTopology(file, weights);
}

/** model.json (as saveModel writes it, with size and checksum) and the weights bytes for a model. */
export async function modelToFiles(
  model: cnn.Model,
): Promise<{ json: string; weights: Uint8Array; weightsFile: string }> {
  const weights = new Uint8Array((await cnn.modelWeights(model)).buffer);
  const sha = await sha256Hex(weights);
  const weightsFile = `weights.${sha.slice(0, 16)}.bin`;
  const file: SavedModelFile = {
    ...cnn.modelTopology(model),
    weightsFile,
    weightsBytes: weights.length,
    weightsSha256: sha,
  };
  return { json: `${JSON.stringify(file, null, 1)}\n`, weights, weightsFile };
}
