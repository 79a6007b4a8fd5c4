/**
 * What @cnn/conformance imports from node:fs, node:path and node:url, for the browser (vitest.browser.config.ts
 * aliases those modules here). Paths work on strings; the file system is not there: fixtures reach the browser
 * through `inject` (see global-setup.ts), so reading files is an error.
 */

function noFileSystem(name: string): never {
  throw new Error(`${name}: no file system in the browser; pass pre-loaded fixtures to describeBackend`);
}

export const readdirSync = (): never => noFileSystem('readdirSync');
export const readFileSync = (): never => noFileSystem('readFileSync');

export const fileURLToPath = (url: string | URL): string => new URL(url).pathname;
export const pathToFileURL = (path: string): URL => new URL(`file://${path}`);
export const dirname = (path: string): string => path.replace(/\/[^/]*\/?$/, '') || '/';
export const join = (...parts: string[]): string => parts.join('/').replace(/\/+/g, '/');
export const createRequire = (): { resolve: () => never } => ({
  resolve: () => noFileSystem('createRequire'),
});
