import type { Model } from '@cnn/core';
import { decodeModel, encodeModel, type SaveOptions } from './format.js';

/** The database and object store the models live in. */
export const DATABASE = 'cnn-models';
const STORE = 'models';

/** Options of the IndexedDB functions. */
export interface IndexedDBOptions {
  /** The IndexedDB to use (default `globalThis.indexedDB`). */
  indexedDB?: IDBFactory | undefined;
}

/** One stored model: the same JSON text and weights bytes the files hold. */
interface StoredModel {
  name: string;
  modelJson: string;
  weights: ArrayBuffer;
  savedAt: string;
}

function factory(caller: string, options: IndexedDBOptions): IDBFactory {
  const idb = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb)
    throw new Error(
      `${caller}: no IndexedDB here (a browser page or worker has one; pass options.indexedDB)`,
    );
  return idb;
}

function checkName(caller: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new Error(`${caller}: the model name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
}

function request<T>(caller: string, what: string, req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () =>
      reject(new Error(`${caller}: IndexedDB could not ${what}: ${req.error?.message ?? 'unknown error'}`));
  });
}

async function open(caller: string, options: IndexedDBOptions): Promise<IDBDatabase> {
  const req = factory(caller, options).open(DATABASE, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'name' });
  return request(caller, `open the database '${DATABASE}'`, req);
}

/** Runs `body` in one transaction and resolves once it has committed (IndexedDB transactions are atomic). */
async function transaction<T>(
  caller: string,
  mode: IDBTransactionMode,
  options: IndexedDBOptions,
  body: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open(caller, options);
  try {
    const tx = db.transaction(STORE, mode);
    const result = request(caller, mode === 'readonly' ? 'read' : 'write', body(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () =>
        reject(new Error(`${caller}: IndexedDB transaction failed: ${tx.error?.message ?? 'unknown'}`));
      tx.onabort = () =>
        reject(
          new Error(`${caller}: IndexedDB transaction aborted: ${tx.error?.message ?? 'quota exceeded?'}`),
        );
    });
    return await result;
  } finally {
    db.close();
  }
}

/**
 * Saves a model in IndexedDB under `name` (database `cnn-models`): the JSON and the weights in one
 * transaction, so a reader sees the old model or the new one, never a mix. Replaces a model of that name.
 */
export async function saveToIndexedDB(
  model: Model,
  name: string,
  options: SaveOptions & IndexedDBOptions = {},
): Promise<{ name: string; weightsBytes: number }> {
  const caller = 'saveToIndexedDB';
  checkName(caller, name);
  factory(caller, options);
  const encoded = await encodeModel(model, options, caller);
  const record: StoredModel = {
    name,
    modelJson: encoded.modelJson,
    weights: encoded.weights.slice().buffer,
    savedAt: new Date().toISOString(),
  };
  await transaction(caller, 'readwrite', options, (store) => store.put(record));
  return { name, weightsBytes: encoded.weights.length };
}

/** Loads a model saved with `saveToIndexedDB` (on the current backend), checking both SHA-256s. */
export async function loadFromIndexedDB(name: string, options: IndexedDBOptions = {}): Promise<Model> {
  const caller = 'loadFromIndexedDB';
  checkName(caller, name);
  const record = (await transaction(caller, 'readonly', options, (store) => store.get(name))) as
    | StoredModel
    | undefined;
  if (!record)
    throw new Error(
      `${caller}: no model named '${name}' in IndexedDB (saved: ${(await listIndexedDB(options)).join(', ') || 'none'})`,
    );
  const source = `indexeddb://${name}`;
  return decodeModel(caller, source, record.modelJson, new Uint8Array(record.weights), `${source} (weights)`);
}

/** The names of the models saved in IndexedDB. */
export async function listIndexedDB(options: IndexedDBOptions = {}): Promise<string[]> {
  const keys = await transaction('listIndexedDB', 'readonly', options, (store) => store.getAllKeys());
  return keys.map(String);
}

/** Removes a saved model from IndexedDB (nothing happens when there is none of that name). */
export async function removeFromIndexedDB(name: string, options: IndexedDBOptions = {}): Promise<void> {
  checkName('removeFromIndexedDB', name);
  await transaction('removeFromIndexedDB', 'readwrite', options, (store) => store.delete(name));
}
