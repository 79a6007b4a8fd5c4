import { reference } from '@cnn/backend-reference';
import * as cnn from '@cnn/core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  DATABASE,
  downloadModel,
  listIndexedDB,
  loadFromFiles,
  loadFromIndexedDB,
  loadFromUrl,
  loadModel,
  removeFromIndexedDB,
  saveModel,
  saveToIndexedDB,
} from '../../src/index.js';
import { input, net } from './shared.js';

// In headless Chromium: IndexedDB, downloads read back as uploaded Files, and fetch from a URL serving a
// model @cnn/node saved. Every load is compared with the outputs Node computed for the saved model.

beforeAll(() => cnn.setBackend(reference()));

const expected = inject('expected');

async function outputs(model: cnn.Model): Promise<number[]> {
  return Array.from(await model.predict(input()).data());
}

describe('browser carriers (Chromium)', () => {
  it('loads the model @cnn/node saved from its URL (fetch, CORS), with the outputs Node computed', async () => {
    const model = await loadFromUrl(inject('modelUrl'));
    expect(await outputs(model)).toEqual(expected);
    expect(await outputs(net())).toEqual(expected); // the same seed builds the same weights here too
  });

  it('saves to IndexedDB and loads back; a tampered record and a missing name are refused', async () => {
    await saveToIndexedDB(net(), 'small');
    await saveModel(net(), 'indexeddb://second');
    expect((await listIndexedDB()).sort()).toEqual(['second', 'small']);
    expect(await outputs(await loadFromIndexedDB('small'))).toEqual(expected);
    expect(await outputs(await loadModel('indexeddb://second'))).toEqual(expected);
    // Edit the stored JSON behind the library's back.
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(DATABASE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const record = await new Promise<{ modelJson: string }>((resolve) => {
      const req = db.transaction('models').objectStore('models').get('small');
      req.onsuccess = () => resolve(req.result);
    });
    await new Promise<void>((resolve) => {
      const tx = db.transaction('models', 'readwrite');
      tx.objectStore('models').put({
        ...record,
        modelJson: record.modelJson.replace('"seed": 11', '"seed": 12'),
      });
      tx.oncomplete = () => resolve();
    });
    db.close();
    await expect(loadFromIndexedDB('small')).rejects.toThrow(
      'loadFromIndexedDB: indexeddb://small was changed after it was saved (its content does not match its manifestSha256)',
    );
    await removeFromIndexedDB('small');
    await removeFromIndexedDB('second');
    await expect(loadFromIndexedDB('small')).rejects.toThrow(
      "loadFromIndexedDB: no model named 'small' in IndexedDB (saved: none)",
    );
  });

  it('downloads two files that, uploaded back as Files, load the same model', async () => {
    const clicked: { href: string; download: string }[] = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicked.push({ href: this.href, download: this.download });
    };
    try {
      const files = await downloadModel(net(), 'model');
      expect(clicked.map((c) => c.download)).toEqual(['model.json', files.weightsName]);
      // What the browser would have saved: the blobs behind the clicked object URLs.
      const uploaded = await Promise.all(
        clicked.map(async (c) => new File([await (await fetch(c.href)).blob()], c.download)),
      );
      expect(await outputs(await loadFromFiles(uploaded))).toEqual(expected);
      expect(await outputs(await loadModel(uploaded))).toEqual(expected);
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
  });
});
