import type { Model } from '@cnn/core';
import { type DownloadedModel, downloadModel, loadFromFiles } from './files.js';
import type { SaveOptions } from './format.js';
import { type IndexedDBOptions, loadFromIndexedDB, saveToIndexedDB } from './indexeddb.js';
import { type LoadFromUrlOptions, loadFromUrl } from './url.js';

/**
 * Saves a model by destination, as TensorFlow.js's `model.save(url)`: `'indexeddb://<name>'` or
 * `'downloads://<name>'`.
 */
export async function saveModel(
  model: Model,
  destination: string,
  options: SaveOptions & IndexedDBOptions = {},
): Promise<{ name: string; weightsBytes: number } | DownloadedModel> {
  const [scheme, name] = splitScheme(destination);
  if (scheme === 'indexeddb') return saveToIndexedDB(model, name, options);
  if (scheme === 'downloads') return downloadModel(model, name || 'model', options);
  throw new Error(
    `saveModel: unknown destination '${destination}' (use 'indexeddb://<name>' or 'downloads://<name>'; in Node, @cnn/node's saveModel)`,
  );
}

/**
 * Loads a model by source, as TensorFlow.js's `tf.loadLayersModel`: `'indexeddb://<name>'`, an http(s)
 * URL of the JSON (or a relative one, resolved against the page), or uploaded `File`s.
 */
export async function loadModel(
  source: string | URL | FileList | readonly File[],
  options: IndexedDBOptions & LoadFromUrlOptions = {},
): Promise<Model> {
  if (typeof source !== 'string' && !(source instanceof URL)) return loadFromFiles(source);
  const text = String(source);
  const [scheme, name] = splitScheme(text);
  if (scheme === 'indexeddb') return loadFromIndexedDB(name, options);
  if (scheme === 'downloads')
    throw new Error(`loadModel: 'downloads://' is write-only; load the files with loadFromFiles`);
  return loadFromUrl(source, options);
}

function splitScheme(url: string): [string, string] {
  const m = /^([a-z]+):\/\/(.*)$/.exec(String(url));
  return m ? [m[1]!, m[2]!] : ['', String(url)];
}
