export { type DownloadedModel, downloadModel, loadFromFiles } from './files.js';
export {
  checkWeights,
  decodeModel,
  type EncodedModel,
  encodeModel,
  type ModelFile,
  parseModelJson,
  type SaveOptions,
} from './format.js';
export {
  DATABASE,
  type IndexedDBOptions,
  listIndexedDB,
  loadFromIndexedDB,
  removeFromIndexedDB,
  saveToIndexedDB,
} from './indexeddb.js';
export { loadModel, saveModel } from './schemes.js';
export { type LoadFromUrlOptions, loadFromUrl } from './url.js';
