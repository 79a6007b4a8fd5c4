/**
 * One `@cnn/core` per program. Tensors, the backend registry and the tapes live in module state, so a
 * second copy of this package (two versions installed side by side, or one bundled twice) would silently
 * split them: a backend registered with one copy is unknown to the other, and a tensor of one copy is not a
 * tensor to the other. The first copy to load records itself on `globalThis`; a different copy that loads
 * later throws an error naming both. The same copy evaluated again (same file) is allowed.
 *
 * Imported first by `index.ts`. Limitation: two copies inlined into one bundle share one
 * `import.meta.url` (the bundle's) and so are not told apart.
 */

/** The version of this copy of `@cnn/core` (kept equal to package.json by tools/packaging/sync-metadata.mjs). */
export const VERSION = '0.1.0-0';

/** What the first loaded copy leaves on `globalThis[Symbol.for('@cnn/core')]`. */
export interface CoreRegistration {
  version: string;
  /** Where that copy was loaded from (its `singleton.js` URL, without query or hash). */
  url: string;
}

const KEY = Symbol.for('@cnn/core');

function here(): string {
  let url = 'unknown location';
  try {
    url = import.meta.url;
  } catch {
    // not an ES module environment: keep the placeholder
  }
  return url.replace(/[?#].*$/, '');
}

/** Registers this copy, or throws if another copy of `@cnn/core` registered first. */
export function claimSingleton(): void {
  const store = globalThis as unknown as Record<symbol, CoreRegistration | undefined>;
  const mine: CoreRegistration = { version: VERSION, url: here() };
  const first = store[KEY];
  if (first && typeof first === 'object' && first.url !== mine.url) {
    throw new Error(
      `@cnn/core: two copies are loaded, ${first.version} from ${first.url} and ${mine.version} from ${mine.url}. ` +
        'Tensors, backends and the backend registry of one copy do not work with the other. Install one ' +
        "@cnn/core for the whole program (every @cnn package declares it as a peerDependency): 'npm ls @cnn/core' " +
        "lists the copies, 'npm dedupe' (or aligning the versions you depend on) removes the extra one.",
    );
  }
  if (!first) Object.defineProperty(store, KEY, { value: mine, configurable: true, writable: false });
}

claimSingleton();
