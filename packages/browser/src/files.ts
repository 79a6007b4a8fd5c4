import type { Model } from '@cnn/core';
import { buildModel, checkWeights, encodeModel, parseModelJson, type SaveOptions } from './format.js';

/** What `downloadModel` handed to the browser: the two files, as blobs, with their names. */
export interface DownloadedModel {
  /** `<name>.json` (the JSON @cnn/node calls model.json). */
  modelJsonName: string;
  modelJson: Blob;
  /** `weights.<id>.bin`, the name the JSON records. */
  weightsName: string;
  weights: Blob;
}

/**
 * Downloads a model as two files, `<name>.json` and the weights file it names (the browser asks where to
 * put them). With the default name they form a folder @cnn/node's `loadModel` reads; `loadFromFiles`
 * reads them back from an `<input type="file" multiple>`.
 */
export async function downloadModel(
  model: Model,
  name = 'model',
  options: SaveOptions = {},
): Promise<DownloadedModel> {
  const caller = 'downloadModel';
  if (typeof document === 'undefined') {
    throw new Error(`${caller}: needs a browser page (document); in Node use @cnn/node's saveModel`);
  }
  if (typeof name !== 'string' || !/^[^/\\]+$/.test(name)) {
    throw new Error(`${caller}: name must be a file name without slashes, got ${JSON.stringify(name)}`);
  }
  const encoded = await encodeModel(model, options, caller);
  const files: DownloadedModel = {
    modelJsonName: `${name}.json`,
    modelJson: new Blob([encoded.modelJson], { type: 'application/json' }),
    weightsName: encoded.weightsFile,
    weights: new Blob([encoded.weights.slice().buffer], { type: 'application/octet-stream' }),
  };
  for (const [fileName, blob] of [
    [files.modelJsonName, files.modelJson],
    [files.weightsName, files.weights],
  ] as const) {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    a.click();
    // Revoked later, not at once: the download starts asynchronously from the URL.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
  return files;
}

/**
 * Loads a model from uploaded files (an `<input type="file" multiple>`'s `FileList`, or `File`s): the JSON
 * (the one `.json` file) and the weights file it names, with both SHA-256s checked.
 */
export async function loadFromFiles(files: FileList | readonly File[]): Promise<Model> {
  const caller = 'loadFromFiles';
  const list = Array.from(files as ArrayLike<File>);
  const jsons = list.filter((f) => f.name.endsWith('.json'));
  if (jsons.length !== 1) {
    throw new Error(
      `${caller}: expected exactly one .json file among ${list.map((f) => f.name).join(', ') || 'no files'}, found ${jsons.length}`,
    );
  }
  const json = jsons[0]!;
  const file = await parseModelJson(caller, json.name, await json.text());
  const weights = list.find((f) => f.name === file.weightsFile);
  if (!weights) {
    throw new Error(
      `${caller}: ${json.name} names the weights file ${file.weightsFile}, which is not among the files given (${list.map((f) => f.name).join(', ')}); select both files`,
    );
  }
  const bytes = new Uint8Array(await weights.arrayBuffer());
  return buildModel(caller, json.name, file, await checkWeights(caller, weights.name, file, bytes));
}
