/**
 * Stand-ins for the Node modules that @cnn/conformance imports (node:fs, node:path, node:url, node:module),
 * bundled into its browser build (dist/browser/, the `browser` export condition) by
 * tools/packaging/browser-build.mjs. Paths work on strings; there is no file system: hand the fixtures in
 * (`describeBackend(name, create, { fixtures })`, loaded in Node with `loadFixtures()`), and pass backends
 * as factories rather than module paths.
 */

function nodeOnly(what: string): never {
  throw new Error(
    `@cnn/conformance: ${what} needs Node (no file system in a browser). In a browser, pass pre-loaded ` +
      'fixtures (loadFixtures() in Node, e.g. a vitest globalSetup with provide/inject) and a backend factory.',
  );
}

export const readdirSync = (): never => nodeOnly('reading a fixture folder');
export const readFileSync = (): never => nodeOnly('reading a fixture file');
export const createRequire = (): { resolve: () => never } => ({
  resolve: () => nodeOnly('resolving a backend module path'),
});

export const fileURLToPath = (url: string | URL): string => new URL(url).pathname;
export const pathToFileURL = (path: string): URL => new URL(`file://${path}`);
export const dirname = (path: string): string => path.replace(/\/[^/]*\/?$/, '') || '/';
export const join = (...parts: string[]): string => parts.join('/').replace(/\/+/g, '/');
export const resolve = (...parts: string[]): string => {
  const from = parts.reduce((path, part) => (part.startsWith('/') ? part : join(path, part)), '/');
  return from.replace(/\/\.(?=\/|$)/g, '');
};
export const existsSync = (): boolean => false;
