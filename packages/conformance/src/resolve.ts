import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backend } from '@cnn/core';

/**
 * A path is taken relative to the working directory; a package name is looked up from the working
 * directory first (the user's project), then from this package.
 */
function locate(target: string): string {
  if (target.startsWith('.') || target.startsWith('/'))
    return pathToFileURL(join(process.cwd(), target)).href;
  try {
    return pathToFileURL(createRequire(join(process.cwd(), 'package.json')).resolve(target)).href;
  } catch {
    return target;
  }
}

/** Short names for the backends of this repository: the module, and the factory it exports. */
const knownBackends: Record<string, { module: string; factory: string }> = {
  cpu: { module: '@cnn/backend-cpu', factory: 'createBackend' },
  'tfjs-cpu': { module: '@cnn/backend-tfjs', factory: 'tfjsCpu' },
  'tfjs-wasm': { module: '@cnn/backend-tfjs', factory: 'tfjsWasm' },
  gpujs: { module: '@cnn/backend-gpujs', factory: 'createBackend' },
};

/**
 * Turns `--backend` into a backend factory: a short name (`cpu`), a package name or a path to a module.
 * The module must export `createBackend()` (or a default export) returning a Backend.
 */
export async function resolveBackend(
  spec: string,
): Promise<{ name: string; create: () => Backend | Promise<Backend> }> {
  const known = knownBackends[spec];
  const target = known?.module ?? spec;
  let mod: Record<string, unknown>;
  try {
    mod = await import(locate(target));
  } catch (error) {
    throw new Error(
      `cannot load backend '${spec}' (module '${target}'): ${(error as Error).message}. Known names: ${Object.keys(knownBackends).join(', ')}; or pass a module path.`,
    );
  }
  const create = (known ? mod[known.factory] : (mod.createBackend ?? mod.default)) as
    | (() => Backend)
    | undefined;
  if (typeof create !== 'function') {
    throw new Error(
      `backend module '${target}' must export ${known ? `${known.factory}()` : 'createBackend() or a default factory'}`,
    );
  }
  return { name: spec, create };
}
